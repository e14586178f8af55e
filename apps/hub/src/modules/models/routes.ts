import fs from 'node:fs';
import { Readable } from 'node:stream';
import { IdParam, ModelCompareRequest, ModelCompareResponse, ModelDetail, ModelDownloadQuery, ModelSummary } from '@prometheus/protocol';
import { z } from 'zod';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { ModelsService } from './models-service.js';

const tag = 'Models';
const auth = { 401: err('Not logged in') };
const missing = err('No such model (or not yours)');

export function modelsRoutes(models: ModelsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/models', tag, summary: 'Trained models (admins see all, others their own), newest first',
      permission: 'data:read',
      responses: { 200: { description: 'Models', schema: z.array(ModelSummary) }, ...auth },
      handler: async (c) => c.json(await models.list(currentUser(c)), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/models/:id', tag,
      summary: 'Model detail: architecture, hyperparameters, validation metrics, files, what the edge needs (features, normalization, threshold)',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Model', schema: ModelDetail }, ...auth, 404: missing },
      handler: async (c, { params }) => c.json(await models.get(params.id, currentUser(c)), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/models/:id/download', tag,
      summary: 'Download the model: `.axonml` (default), `?format=onnx`; `&quantized=true` for the int8 file of either format',
      permission: 'data:read', params: IdParam, query: ModelDownloadQuery,
      responses: { 200: { description: 'The file', contentType: 'application/octet-stream' }, 400: err('Unknown format'), ...auth, 404: missing },
      handler: async (c, { params, query }) => {
        const out = await models.download(params.id, currentUser(c), query.format, query.quantized);
        return c.body(Readable.toWeb(fs.createReadStream(out.file)) as ReadableStream, 200, {
          'content-type': 'application/octet-stream', 'content-length': String(out.size),
          'content-disposition': `attachment; filename="${out.name}"`,
        });
      },
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/models/:id', tag, summary: 'Delete a model, its files and evaluations',
      permission: 'training:write', params: IdParam,
      responses: { 204: { description: 'Deleted' }, ...auth, 403: err('Viewer role'), 404: missing, 409: err('In use (deployed)') },
      handler: async (c, { params }) => {
        await models.delete(params.id, currentUser(c));
        return c.body(null, 204);
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/models/:id/compare', tag,
      summary: 'Compare with another model: higher F1 wins (both labelled), else lower validation loss',
      permission: 'data:read', params: IdParam, body: ModelCompareRequest,
      responses: {
        200: { description: 'Comparison', schema: ModelCompareResponse }, 400: err('compare_with missing or the same model'), ...auth,
        404: err('Either model does not exist (or is not yours)'),
      },
      handler: async (c, { params, body }) => c.json(await models.compare(params.id, body.compare_with, currentUser(c)), 200),
    }),
  ];
}
