import type { DatasetDetail } from '@prometheus/protocol';
import type { TestHub } from '../../test/harness.js';

// Shared by the datasets tests: multipart uploads through the route table.
export interface UploadFields {
  name?: string;
  equipment_type?: string;
  location?: string;
  unit?: string;
}

export function uploadForm(csv: string | Buffer, fields: UploadFields = {}, filename = 'data.csv'): FormData {
  const form = new FormData();
  const all = { name: 'Test data', equipment_type: 'air_handler', ...fields };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) form.append(k, v);
  form.append('file', new Blob([csv]), filename);
  return form;
}

export async function upload(t: TestHub, token: string, csv: string | Buffer, fields: UploadFields = {}): Promise<Response> {
  return t.request('POST', '/api/v1/datasets', { token, body: uploadForm(csv, fields) });
}

export async function uploadOk(t: TestHub, token: string, csv: string | Buffer, fields: UploadFields = {}): Promise<DatasetDetail> {
  const res = await upload(t, token, csv, fields);
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as DatasetDetail;
}
