import {
  IdParam, TrainingQueueResponse, TrainingRunDetail, TrainingRunSummary, TrainingStartRequest, TrainingStartResponse, TrainingStopResponse,
} from '@prometheus/protocol';
import { z } from 'zod';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { TrainingService } from './training-service.js';

const tag = 'Training';
const auth = { 401: err('Not logged in') };
const missing = err('No such training run (or not yours)');

export function trainingRoutes(training: TrainingService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/training', tag, summary: 'Training runs (admins see all, others their own), newest first',
      permission: 'data:read',
      responses: { 200: { description: 'Runs', schema: z.array(TrainingRunSummary) }, ...auth },
      handler: async (c) => c.json(await training.list(currentUser(c)), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/training/start', tag,
      summary: 'Start a run on a validated dataset: running, or queued when TRAINING_MAX_CONCURRENT runs are busy (FIFO)',
      permission: 'training:write', body: TrainingStartRequest,
      responses: {
        201: { description: 'Started or queued', schema: TrainingStartResponse },
        400: err('Invalid architecture or hyperparameter (the field named), dataset not validated, or no label column for a supervised architecture'),
        ...auth, 403: err('Viewer role, or a tier limit (max_concurrent_trainings, max_models)'), 404: err('No such dataset (or not yours)'),
      },
      handler: async (c, { body }) => c.json(await training.start(currentUser(c), body), 201),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/training/queue', tag, summary: 'Runs training now, the limit, runs waiting, free slots',
      permission: 'data:read',
      responses: { 200: { description: 'Queue', schema: TrainingQueueResponse }, ...auth },
      handler: async (c) => c.json(await training.queue(), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/training/:id', tag, summary: 'Run detail with live figures (losses, epoch, estimated time left)',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Run', schema: TrainingRunDetail }, ...auth, 404: missing },
      handler: async (c, { params }) => c.json(await training.get(params.id, currentUser(c)), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/training/:id/stop', tag,
      summary: 'Stop a run: it stops before its next batch and its best weights become a model (a queued run just leaves the queue)',
      permission: 'training:write', params: IdParam,
      responses: {
        200: { description: 'Stopped', schema: TrainingStopResponse }, ...auth, 403: err('Viewer role'), 404: missing,
        409: err('The run already ended'),
      },
      handler: async (c, { params }) => c.json(await training.stop(params.id, currentUser(c)), 200),
    }),
  ];
}
