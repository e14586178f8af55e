import { IdParam, PointMap, PointMapQuery, PointMapUpdate } from '@prometheus/protocol';
import type { Context } from 'hono';
import { currentUser, type HubEnv } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { PointsService } from './points-service.js';

const tag = 'Points';
const auth = { 401: err('Not logged in') };
const badMap = err('A column not in the data, an input given twice, an unknown Brick class or unit (the field named)');
const mapDoc = { description: 'The point map; `confirmed` false while it is the suggestion. With ?format=ttl: Brick Turtle (text/turtle)', schema: PointMap };

const turtle = (c: Context<HubEnv>, body: string) => c.body(body, 200, { 'content-type': 'text/turtle; charset=utf-8' });

/** Point maps of datasets and of edge targets (an edge dataset reads and writes its target's map). */
export function pointsRoutes(points: PointsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/datasets/:id/points', tag,
      summary: 'What each column is: Brick class, AFDD input, unit (suggested from headers and values until confirmed); ?format=ttl for Brick Turtle',
      permission: 'data:read', params: IdParam, query: PointMapQuery,
      responses: { 200: mapDoc, 400: err('Unknown format'), ...auth, 404: err('No such dataset (or not yours)') },
      handler: async (c, { params, query }) => (query.format === 'ttl'
        ? turtle(c, await points.turtleForDataset(params.id, currentUser(c)))
        : c.json(await points.getForDataset(params.id, currentUser(c)), 200)),
    }),
    defineRoute({
      method: 'put', path: '/api/v1/datasets/:id/points', tag,
      summary: 'Confirm or edit the point map (replaced whole); an edge dataset\'s map is its target\'s',
      permission: 'data:write', params: IdParam, body: PointMapUpdate,
      responses: { 200: { description: 'The confirmed map', schema: PointMap }, 400: badMap, ...auth, 403: err('Viewer role'), 404: err('No such dataset (or not yours)') },
      handler: async (c, { params, body }) => c.json(await points.putForDataset(params.id, currentUser(c), body.points), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/deployments/targets/:id/points', tag,
      summary: 'An edge target\'s point map (its edge dataset reads it); suggested from the edge dataset\'s columns until confirmed; ?format=ttl for Brick Turtle',
      permission: 'data:read', params: IdParam, query: PointMapQuery,
      responses: { 200: mapDoc, 400: err('Unknown format'), ...auth, 404: err('Target not found (or not yours)') },
      handler: async (c, { params, query }) => (query.format === 'ttl'
        ? turtle(c, await points.turtleForTarget(params.id, currentUser(c)))
        : c.json(await points.getForTarget(params.id, currentUser(c)), 200)),
    }),
    defineRoute({
      method: 'put', path: '/api/v1/deployments/targets/:id/points', tag,
      summary: 'Confirm or edit an edge target\'s point map (replaced whole); sensor names are checked against its edge dataset once it has one',
      permission: 'deploy:write', params: IdParam, body: PointMapUpdate,
      responses: { 200: { description: 'The confirmed map', schema: PointMap }, 400: badMap, ...auth, 403: err('Viewer role'), 404: err('Target not found (or not yours)') },
      handler: async (c, { params, body }) => c.json(await points.putForTarget(params.id, currentUser(c), body.points), 200),
    }),
  ];
}
