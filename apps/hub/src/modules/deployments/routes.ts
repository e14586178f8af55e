import fs from 'node:fs';
import { Readable } from 'node:stream';
import {
  DeploymentBinaryQuery, DeploymentCreateRequest, DeploymentCreateResponse, DeploymentDetail, DeploymentSummary, EdgeAlert, EdgeAlertQuery,
  EdgeReleaseList, EdgeScoreList, EdgeScoreQuery, IdParam,
} from '@prometheus/protocol';
import { z } from 'zod';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { DeploymentsService } from './deployments-service.js';

const tag = 'Deployments';
const auth = { 401: err('Not logged in') };
const missing = err('No such deployment (or not yours)');

// Mounted after the fleet module's `/api/v1/deployments/targets...` routes, so `targets` is never taken for an id.
export function deploymentsRoutes(deployments: DeploymentsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/deployments', tag, summary: 'Deployments (admins see all, others their own), newest first',
      permission: 'data:read',
      responses: { 200: { description: 'Deployments', schema: z.array(DeploymentSummary) }, ...auth },
      handler: async (c) => c.json(await deployments.list(currentUser(c)), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/deployments', tag,
      summary: 'Deploy a model to an edge target: compiling -> quantizing -> packaging -> transferring -> deployed (or failed / rolled_back)',
      description: 'The target by `target_id` (addition) or the contract\'s `target_ip`/`target_name`. A `target_ip` none of your targets has '
        + 'yet registers a pending target (named `target_name`, else the IP) and answers its one-time `enrollment_token`, as POST /deployments/targets does. '
        + 'A deployment to an offline or not yet enrolled target waits until it comes online. A new deployment to a target replaces the one running there once it is deployed. '
        + '`kind: "agent"` with `agent_version` (addition) sends that agent release (GET /edge/releases) for the target\'s arch instead of a model: '
        + 'the agent verifies it, tries it on its state dir, swaps it in or rolls back (404 when that version is not built for the arch).',
      permission: 'deploy:write', body: DeploymentCreateRequest,
      responses: {
        201: { description: 'Created; the steps run in the background', schema: DeploymentCreateResponse }, 400: err('Invalid input, field named'), ...auth,
        403: err('Viewer role, or the tier\'s max_deployments (TIER_LIMIT)'), 404: err('Model not found, no target has that name (with that IP), or no build of agent_version for the target\'s arch'),
        409: err('Target revoked, several targets match the name/IP, or (agent) the target\'s arch is unknown'),
      },
      handler: async (c, { body }) => c.json(await deployments.create(currentUser(c), body), 201),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/deployments/:id', tag, summary: 'Deployment status with its steps, transfer progress and the target\'s health inference',
      permission: 'data:read', params: IdParam,
      responses: { 200: { description: 'Deployment', schema: DeploymentDetail }, ...auth, 404: missing },
      handler: async (c, { params }) => c.json(await deployments.get(params.id, currentUser(c)), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/deployments/:id/binary', tag,
      summary: 'Download the edge executable for the architecture of the deployment\'s target (armv7, arm64, x64); `?file=wasm|addon|manifest` for the files that sit beside it',
      description: 'Put the executable, `ort-wasm-simd-threaded.wasm` and `better_sqlite3-linux-<arch>.node` in one directory on the controller. '
        + 'A target of unknown architecture: 409. 503 until `npm run build:edge` built that arch on the hub.',
      permission: 'data:read', params: IdParam, query: DeploymentBinaryQuery,
      responses: {
        200: { description: 'The file', contentType: 'application/octet-stream' }, 400: err('Unknown file'), ...auth, 404: missing,
        409: err('The target\'s architecture is not known'), 503: err('The executable has not been built on this hub'),
      },
      handler: async (c, { params, query }) => {
        const f = await deployments.binary(params.id, currentUser(c), query.file);
        return c.body(Readable.toWeb(fs.createReadStream(f.path)) as ReadableStream, 200, {
          'content-type': 'application/octet-stream', 'content-length': String(f.size), 'content-disposition': `attachment; filename="${f.name}"`,
          'x-prometheus-edge-version': f.version, ...(f.sha256 ? { 'x-content-sha256': f.sha256 } : {}),
        });
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/edge/releases', tag, summary: 'The edge executables this hub serves, one per architecture built (addition)',
      description: 'Only builds present in EDGE_BUILD_DIR (`npm run build:edge`); `sha256` and `version` come from each build\'s manifest.',
      permission: 'data:read',
      responses: { 200: { description: 'Releases', schema: EdgeReleaseList }, ...auth },
      handler: (c) => c.json(deployments.releases(), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/deployments/targets/:id/alerts', tag, summary: 'Alerts the target raised (addition), newest first',
      description: 'Raised after `raise_windows` windows above the model\'s threshold, cleared after `clear_windows` below `clear_threshold`; raised offline too (they arrive when the link is back). '
        + 'Also the rules\' alerts (`kind: rule`) and the hub\'s drift alerts (`kind: drift`); `?kind=` keeps one kind.',
      permission: 'data:read', params: IdParam, query: EdgeAlertQuery,
      responses: { 200: { description: 'Alerts', schema: z.array(EdgeAlert) }, 400: err('Bad query'), ...auth, 404: err('Target not found (or not yours)') },
      handler: async (c, { params, query }) => c.json(await deployments.alerts(currentUser(c), params.id, query.state, query.limit, query.kind), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/deployments/targets/:id/scores', tag, summary: 'Anomaly scores of the target\'s live windows (addition), oldest first',
      permission: 'data:read', params: IdParam, query: EdgeScoreQuery,
      responses: { 200: { description: 'Scores', schema: EdgeScoreList }, 400: err('Bad query'), ...auth, 404: err('Target not found (or not yours)') },
      handler: async (c, { params, query }) => c.json(await deployments.scores(currentUser(c), params.id, query.since, query.limit), 200),
    }),
  ];
}
