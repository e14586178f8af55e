import type { UpgradeWebSocket } from 'hono/ws';
import type { Hono } from 'hono';
import { createWebSocketStream, type WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.js';
import type { MqttSettings } from '../config.js';
import type Database from 'better-sqlite3';
import type { Db } from '../db/client.js';
import { clientIp } from '../http/client-ip.js';
import type { AuthUser, HubEnv } from '../http/context.js';
import type { Logger } from '../logger.js';
import { createDatasetHandover } from '../modules/fleet/dataset-handover.js';
import type { DatasetSink } from '../modules/fleet/dataset-sink.js';
import { createEnrollmentService } from '../modules/fleet/enrollment-service.js';
import { createIngestRepo } from '../modules/fleet/ingest-repo.js';
import { createFleetRepo } from '../modules/fleet/repo.js';
import { fleetRoutes } from '../modules/fleet/routes.js';
import { createTargetsService } from '../modules/fleet/targets-service.js';
import { createTelemetryService } from '../modules/fleet/telemetry-service.js';
import { createMqttBroker } from './broker.js';

export interface EdgeLinkDeps {
  db: Db;
  sqlite: Database.Database;
  clock: Clock;
  log: Logger;
  mqtt: MqttSettings;
  publicUrl: string;
  enrollmentTtlMs: number;
  authenticateUser(token: string): Promise<AuthUser>;
  datasets: DatasetSink | undefined;
  /** MQTT over WebSocket counts clients by their X-Forwarded-For address (TRUST_PROXY). */
  trustProxy?: boolean;
  /** Handed to agents at enrollment (modules/deployments signs with its private half). */
  deployPublicKey?: string | undefined;
}

/**
 * The edge link composed in order: fleet store and services, telemetry ingest with its dataset
 * hand-over, then the broker that fronts them. hub.ts appends `routes` and pushes `component`.
 */
export function createEdgeLink(deps: EdgeLinkDeps) {
  const log = deps.log.child({ part: 'edge-link' });
  const fleetRepo = createFleetRepo(deps.db);
  const ingestRepo = createIngestRepo(deps.db, deps.sqlite);
  const targets = createTargetsService({ fleetRepo, clock: deps.clock, log, enrollmentTtlMs: deps.enrollmentTtlMs, datasets: deps.datasets });
  const wsUrl = `${deps.publicUrl.replace(/^http/, 'ws')}${deps.mqtt.wsPath}`;
  const enrollment = createEnrollmentService({ fleetRepo, clock: deps.clock, log, mqttUrl: deps.mqtt.publicUrl, mqttWsUrl: wsUrl, datasets: deps.datasets,
    deployPublicKey: deps.deployPublicKey,
  });
  const handover = createDatasetHandover({ ingestRepo, fleetRepo, sink: deps.datasets, log });
  const telemetry = createTelemetryService({ ingestRepo, handover, clock: deps.clock, log });
  const broker = createMqttBroker({
    config: deps.mqtt, targets, telemetry, log,
    authenticateDevice: async (id, secret) => (await enrollment.authenticateDevice(id, secret)) !== undefined,
    authenticateUser: deps.authenticateUser,
    userMaySee: (user, id) => targets.visible(user, id).then(() => true, () => false),
  });
  targets.onRevoked((id) => broker.disconnectDevice(id));
  if (!deps.datasets) log.warn('no dataset sink: telemetry stays in the ingest journal');

  return {
    targets, enrollment, telemetry, handover, broker,
    routes: fleetRoutes({ targets, enrollment }),
    component: {
      name: 'edge-link',
      async start() {
        await broker.start();
        void handover.recover();
      },
      async stop() {
        await broker.stop();
        await handover.idle();
      },
    },
    /** MQTT over WebSocket for the console at `wsPath` on the hub's HTTP server. */
    mountWebSocket(app: Hono<HubEnv>, upgradeWebSocket: UpgradeWebSocket<WebSocket>): void {
      app.get(deps.mqtt.wsPath, upgradeWebSocket((c) => ({
        onOpen(_evt, ws) {
          const env = c.env as { incoming?: IncomingMessage } | undefined;
          broker.handleStream(createWebSocketStream(ws.raw as WebSocket), env?.incoming, clientIp(c, deps.trustProxy ?? false));
        },
      })));
    },
  };
}

export type EdgeLink = ReturnType<typeof createEdgeLink>;
