import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { DatasetDetail } from '@prometheus/protocol';
import type { TestHub } from '../../test/harness.js';

// Shared by the datasets tests: multipart uploads through the route table.
export interface UploadFields {
  name?: string;
  equipment_type?: string;
  location?: string;
  unit?: string;
  timezone?: string;
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

/**
 * Serves the hub's app on a real socket (port 0) without starting its other components (broker, queues),
 * so uploads stream through @hono/node-server exactly as in production.
 */
export async function serveHub(t: TestHub): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: t.hub.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ('closeAllConnections' in server) server.closeAllConnections();
    }),
  };
}
