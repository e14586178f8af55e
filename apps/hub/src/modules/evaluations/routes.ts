import { EvaluationCreateRequest, EvaluationDetail, EvaluationSummary, GradientStartResponse, IdParam } from '@prometheus/protocol';
import { z } from 'zod';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { EvaluationsService } from './evaluations-service.js';

const tag = 'Evaluations';
const auth = { 401: err('Not logged in') };
const missing = err('No such evaluation (or not yours)');

export function evaluationsRoutes(evaluations: EvaluationsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/evaluations', tag, summary: 'Evaluations (admins see all, others their own), newest first',
      permission: 'data:read',
      responses: { 200: { description: 'Evaluations', schema: z.array(EvaluationSummary) }, ...auth },
      handler: async (c) => c.json(await evaluations.list(currentUser(c)), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/evaluations', tag,
      summary: 'Evaluate a model on a dataset with its feature columns (addition): label-based metrics when the dataset has a label column, null otherwise',
      permission: 'training:write', body: EvaluationCreateRequest,
      responses: {
        201: { description: 'Evaluation', schema: EvaluationDetail },
        400: err('Bad body, the dataset lacks the model\'s feature columns, or no window fits'), ...auth, 403: err('Viewer role'),
        404: err('No such model or dataset (or not yours)'),
      },
      handler: async (c, { body }) => c.json(await evaluations.evaluate(currentUser(c), body), 201),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/evaluations/:id', tag, summary: 'Evaluation detail: metrics beside those of the PCA baseline, confusion matrix, both ROC curves, alarms, training curves, reviewer figures, Gradient review',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Evaluation', schema: EvaluationDetail }, ...auth, 404: missing },
      handler: async (c, { params }) => c.json(await evaluations.get(params.id, currentUser(c)), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/evaluations/:id/gradient', tag,
      summary: 'Start the Gradient review (19 metrics + a structured review by the configured language model, else the local reviewer); poll the evaluation',
      permission: 'training:write', params: IdParam,
      responses: { 202: { description: 'Started', schema: GradientStartResponse }, ...auth, 403: err('Viewer role'), 404: missing },
      handler: async (c, { params }) => c.json(await evaluations.gradient(params.id, currentUser(c)), 202),
    }),
  ];
}
