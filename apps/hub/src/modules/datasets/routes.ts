import fs from 'node:fs';
import { Readable } from 'node:stream';
import {
  DatasetCreated, DatasetDetail, DatasetPreview, DatasetPreviewQuery, DatasetSummary, IdParam, RecommendResponse,
  ValidateQuery,
  UnlockResponse, UploadDatasetFields, ValidationReport,
} from '@prometheus/protocol';
import { z } from 'zod';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import { parseInput } from '../../http/validation.js';
import type { DatasetsService } from './datasets-service.js';
import { receiveUpload } from './upload.js';

const tag = 'Datasets';
const auth = { 401: err('Not logged in') };
const missing = err('No such dataset (or not yours)');

export function datasetsRoutes(datasets: DatasetsService): AnyRoute[] {
  const { maxUploadBytes } = datasets.settings;
  return [
    defineRoute({
      method: 'get', path: '/api/v1/datasets', tag, summary: 'Datasets (admins see all, others their own); edge datasets carry source "edge" and target_name',
      permission: 'data:read',
      responses: { 200: { description: 'Datasets', schema: z.array(DatasetSummary) }, ...auth },
      handler: async (c) => c.body(await datasets.listJson(currentUser(c)), 200, { 'content-type': 'application/json' }),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/datasets', tag,
      summary: `Upload a CSV (multipart: file, name, equipment_type, location?, unit?, timezone? of zone-less times); streamed to disk, max ${maxUploadBytes} bytes`,
      // Streamed: the handler enforces the file limit itself (declared length first, then streamed bytes) and names it.
      permission: 'data:write', bodyKind: 'multipart',
      responses: {
        201: { description: 'Created, with column stats', schema: DatasetCreated }, 400: err('Invalid CSV (the line named) or missing fields'),
        ...auth, 403: err('Viewer role, or a tier limit'), 413: err('File over the size limit (named)'),
      },
      handler: async (c) => {
        const upload = await receiveUpload(c, datasets.tmpDir, maxUploadBytes);
        try {
          const fields = parseInput(UploadDatasetFields, upload.fields, 'request body');
          const created = await datasets.createFromFile({
            file: upload.file, ownerId: currentUser(c).id, name: fields.name, equipmentType: fields.equipment_type,
            location: fields.location, unit: fields.unit, source: 'csv_upload', timeZone: fields.timezone,
          });
          return c.json(created, 201);
        } finally {
          fs.rmSync(upload.file, { force: true });
        }
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/datasets/:id', tag, summary: 'Dataset detail with column statistics and validation state',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Dataset', schema: DatasetDetail }, ...auth, 404: missing },
      handler: async (c, { params }) => c.json(await datasets.get(params.id, currentUser(c)), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/datasets/:id/preview', tag, summary: 'A page of rows, sortable by any column (numbers as numbers, times as time)',
      permission: 'data:read', params: IdParam, query: DatasetPreviewQuery,
      responses: { 200: { description: 'Rows', schema: DatasetPreview }, 400: err('Bad paging or unknown sort column'), ...auth, 404: missing },
      handler: async (c, { params, query }) => c.json(await datasets.preview(params.id, currentUser(c), query), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/datasets/:id/export', tag, summary: 'Download the dataset as CSV (addition to the contract)',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'CSV file', contentType: 'text/csv' }, ...auth, 404: missing },
      handler: async (c, { params }) => {
        const out = await datasets.exportFile(params.id, currentUser(c));
        const stream = fs.createReadStream(out.file);
        stream.on('close', out.cleanup);
        return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
          'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${out.name}"`,
        });
      },
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/datasets/:id', tag, summary: 'Delete a dataset, its files and rows',
      permission: 'data:write', params: IdParam,
      responses: { 204: { description: 'Deleted' }, ...auth, 403: err('Viewer role'), 404: missing, 409: err('Locked, or used by a training run') },
      handler: async (c, { params }) => {
        await datasets.delete(params.id, currentUser(c));
        return c.body(null, 204);
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/datasets/:id/validate', tag,
      summary: 'Scan every row; on success lock the dataset and compress it (zstd Parquet). Any missing or non-numeric cell is an issue '
        + 'unless ?tolerance_percent= (or DATASET_VALIDATION_TOLERANCE_PERCENT) allows it; tolerated findings are in warnings',
      permission: 'data:write', params: IdParam, query: ValidateQuery,
      responses: { 200: { description: 'Validation report', schema: ValidationReport }, 400: err('tolerance_percent outside 0-100'), ...auth, 403: err('Viewer role'), 404: missing },
      handler: async (c, { params, query }) => c.json(await datasets.validate(params.id, currentUser(c), query.tolerance_percent), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/datasets/:id/unlock', tag, summary: 'Unlock: restore the editable CSV, clear validation',
      permission: 'data:write', params: IdParam,
      responses: { 200: { description: 'Unlocked', schema: UnlockResponse }, ...auth, 403: err('Viewer role'), 404: missing },
      handler: async (c, { params }) => {
        await datasets.unlock(params.id, currentUser(c));
        return c.json({ message: 'Dataset unlocked', is_validated: false as const, locked: false as const }, 200);
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/datasets/:id/recommend', tag, summary: 'Ranked architectures with scores, reasons and hyperparameters sized to the data',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Recommendations', schema: RecommendResponse }, ...auth, 404: missing },
      handler: async (c, { params }) => c.json({ dataset_id: params.id, recommendations: await datasets.recommend(params.id, currentUser(c)) }, 200),
    }),
  ];
}
