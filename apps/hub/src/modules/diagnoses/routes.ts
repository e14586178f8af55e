import { DiagnoseAccepted, DiagnoseRequest, DiagnosisDaySeries, DiagnosisSeriesQuery, DiagnosisSummary, DiagnosisView, IdParam } from '@prometheus/protocol';
import { z } from 'zod';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { DiagnosesService } from './diagnoses-service.js';

const tag = 'Diagnoses';
const auth = { 401: err('Not logged in') };

export function diagnosesRoutes(diagnoses: DiagnosesService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post', path: '/api/v1/datasets/:id/diagnose', tag,
      summary: 'Run the Guideline 36 air-handler rules over the dataset\'s mapped columns (its point map); poll GET /api/v1/diagnoses/:id',
      description: 'Body optional: settings (overrides of the rule settings), time_zone (calendar of days[].date; default the dataset\'s timezone, else UTC), model_id (its alarms become "model" episodes), reference (known-normal days: what fires there is reported once in standing; default with model_id: the model\'s training dataset).',
      permission: 'data:write', params: IdParam, body: DiagnoseRequest,
      responses: {
        202: { description: 'Accepted: running', schema: DiagnoseAccepted },
        400: err('Bad settings, time zone or reference (field named), no time column, or no fault condition can run on the point map (what is missing named)'),
        ...auth, 403: err('Viewer role'), 404: err('No such dataset, model or reference dataset (or not yours)'),
      },
      handler: async (c, { params, body }) => c.json(await diagnoses.start(params.id, currentUser(c), body), 202),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/datasets/:id/diagnoses', tag, summary: 'A dataset\'s diagnoses, newest first (without their episodes)',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Diagnoses', schema: z.array(DiagnosisSummary) }, ...auth, 404: err('No such dataset (or not yours)') },
      handler: async (c, { params }) => c.json(await diagnoses.listForDataset(params.id, currentUser(c)), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/diagnoses/:id', tag,
      summary: 'A diagnosis: status running|completed|failed; episodes (fault condition, family, evidence), days, skipped rules, minimum outdoor air',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Diagnosis', schema: DiagnosisView }, ...auth, 404: err('No such diagnosis (or its dataset is not yours)') },
      handler: async (c, { params }) => c.json(await diagnoses.get(params.id, currentUser(c)), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/diagnoses/:id/series', tag,
      summary: 'One day (?date=YYYY-MM-DD, the diagnosis\'s calendar) of the inputs the diagnosis read, in the rules\' units: the readings under its episodes',
      permission: 'data:read', params: IdParam, query: DiagnosisSeriesQuery,
      responses: {
        200: { description: 'The day\'s readings', schema: DiagnosisDaySeries }, 400: err('Bad date'), ...auth,
        404: err('No such diagnosis (or its dataset is not yours)'), 409: err('The diagnosis has not completed'),
      },
      handler: async (c, { params, query }) => c.json(await diagnoses.daySeries(params.id, currentUser(c), query.date), 200),
    }),
  ];
}
