import type { DatasetDetail } from '@prometheus/protocol';
import { ApiError, authHeaders, handleUnauthorized } from './client.js';

// Uploads go through XMLHttpRequest: fetch cannot report upload progress.
export interface UploadFields {
  name: string;
  equipment_type: string;
  location?: string;
  unit?: string;
  /** IANA zone of zone-less timestamps in the file. */
  timezone?: string;
}

export interface UploadHandle {
  done: Promise<DatasetDetail>;
  abort(): void;
}

function parseError(xhr: XMLHttpRequest): ApiError {
  let body: { error?: string; code?: string; details?: string } = {};
  try {
    body = JSON.parse(xhr.responseText) as typeof body;
  } catch {
    body = { error: xhr.statusText };
  }
  return new ApiError(xhr.status, body.code ?? `HTTP_${xhr.status}`, body.error ?? 'Upload failed', body.details);
}

export function uploadDataset(file: File, fields: UploadFields, onProgress: (sent: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v) form.append(k, v);
  form.append('file', file, file.name);
  const done = new Promise<DatasetDetail>((resolve, reject) => {
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status === 201) return resolve(JSON.parse(xhr.responseText) as DatasetDetail);
      const err = parseError(xhr);
      handleUnauthorized(err, false);
      reject(err);
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK_ERROR', 'The upload was interrupted'));
    xhr.onabort = () => reject(new ApiError(0, 'ABORTED', 'Upload cancelled'));
  });
  xhr.open('POST', '/api/v1/datasets');
  for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}
