import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import type { Context } from 'hono';
import { AppError, badRequest } from '../../errors.js';
import type { HubEnv } from '../../http/context.js';

// Multipart upload straight to a file under the hub's tmp dir: the body is never held in memory, and the
// file part stops at the size limit (413 naming it). Hono's parseBody buffers everything, so it is not used.
export interface UploadedFile {
  file: string;
  filename: string;
  bytes: number;
  fields: Record<string, string>;
}

const MB = 1024 * 1024;
export const tooLarge = (limit: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `File too large: the limit is ${Math.round((limit / MB) * 10) / 10} MB`, { details: `The limit is ${limit} bytes` });

/** The request body as a Node stream: the socket under @hono/node-server, the web body under app.request(). */
function bodyStream(c: Context<HubEnv>): Readable {
  const incoming = (c.env as { incoming?: Readable } | undefined)?.incoming;
  if (incoming) return incoming;
  const body = c.req.raw.body;
  if (!body) throw badRequest('Invalid upload: the request has no body');
  return Readable.fromWeb(body as WebReadableStream);
}

export async function receiveUpload(c: Context<HubEnv>, tmpDir: string, limit: number): Promise<UploadedFile> {
  const contentType = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(contentType)) throw badRequest('Invalid upload: expected multipart/form-data', `Content-Type was '${contentType || 'none'}'`);
  const declared = Number(c.req.header('content-length') ?? NaN);
  // Fields and part headers ride along with the file; a body far past the limit cannot hold an acceptable file.
  if (declared > limit + MB) throw tooLarge(limit);
  const target = path.join(tmpDir, `upload-${randomUUID()}.csv`);
  const fields: Record<string, string> = {};
  let found: { filename: string; bytes: number; done: Promise<void> } | undefined;
  let error: Error | undefined;
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fields: 20, fieldSize: 64 * 1024 } });
  } catch (err) {
    throw badRequest('Invalid upload: malformed multipart/form-data', (err as Error).message);
  }
  let overLimit: () => void = () => undefined;
  const limitHit = new Promise<void>((resolve) => (overLimit = resolve));
  parser.on('field', (name, value) => (fields[name] = value));
  parser.on('file', (name, stream, info) => {
    if (name !== 'file' || found) return void stream.resume();
    const entry = { filename: info.filename ?? 'upload.csv', bytes: 0, done: Promise.resolve() };
    // Counted here rather than with busboy's fileSize limit, which stalls a socket upload once truncated.
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        entry.bytes += chunk.length;
        if (entry.bytes <= limit) return cb(null, chunk);
        error ??= tooLarge(limit);
        overLimit();
        cb();
      },
    });
    entry.done = pipeline(stream, counter, fs.createWriteStream(target));
    found = entry;
  });
  const body = bodyStream(c);
  const parsed = pipeline(body, parser).then(() => found?.done);
  parsed.catch(() => undefined);
  try {
    await Promise.race([parsed, limitHit]);
  } catch (err) {
    fs.rmSync(target, { force: true });
    throw error ?? badRequest('Invalid upload: malformed multipart/form-data', (err as Error).message);
  }
  if (error) {
    // Answer now; the rest of the body is read and dropped so the 413 can be delivered.
    body.unpipe(parser);
    body.resume();
    parser.destroy();
    await found?.done.catch(() => undefined);
    fs.rmSync(target, { force: true });
    throw error;
  }
  if (!found) throw badRequest("Invalid request body: 'file' is required", 'Send the CSV as the multipart field "file"');
  return { file: target, filename: found.filename, bytes: found.bytes, fields };
}
