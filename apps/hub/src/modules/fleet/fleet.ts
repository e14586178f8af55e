import type Database from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import type { MqttBroker } from '../../mqtt/broker.js';
import { createDatasetHandover } from './dataset-handover.js';
import type { DatasetSink } from './dataset-sink.js';
import { createEnrollmentService } from './enrollment-service.js';
import { createIngestRepo } from './ingest-repo.js';
import { createFleetRepo } from './repo.js';
import { fleetRoutes } from './routes.js';
import { createTargetsService } from './targets-service.js';
import { createTelemetryService } from './telemetry-service.js';

export interface FleetDeps {
  db: Db;
  /** The SQLite handle the ingest writer still needs (absent on PostgreSQL until the writer is portable). */
  sqlite: Database.Database | undefined;
  clock: Clock;
  log: Logger;
  enrollmentTtlMs: number;
  /** Broker URLs handed to agents at enrollment (TCP/TLS, and MQTT over WebSocket). */
  mqttUrl: string;
  mqttWsUrl: string;
  datasets: DatasetSink | undefined;
  /** Handed to agents at enrollment (modules/deployments signs with its private half). */
  deployPublicKey?: string | undefined;
}

/**
 * The fleet composed in order: its store, targets and enrollment, telemetry ingest with the hand-over of
 * journaled readings to each target's dataset. hub.ts appends `routes`, pushes `component` and attaches
 * the broker, which fronts the device side.
 */
export function createFleet(deps: FleetDeps) {
  const log = deps.log.child({ part: 'fleet' });
  const fleetRepo = createFleetRepo(deps.db);
  const ingestRepo = createIngestRepo(deps.db, deps.sqlite);
  const targets = createTargetsService({ fleetRepo, clock: deps.clock, log, enrollmentTtlMs: deps.enrollmentTtlMs, datasets: deps.datasets });
  const enrollment = createEnrollmentService({
    fleetRepo, clock: deps.clock, log, mqttUrl: deps.mqttUrl, mqttWsUrl: deps.mqttWsUrl, datasets: deps.datasets, deployPublicKey: deps.deployPublicKey,
  });
  const handover = createDatasetHandover({ ingestRepo, fleetRepo, sink: deps.datasets, log });
  const telemetry = createTelemetryService({ ingestRepo, handover, clock: deps.clock, log });
  if (!deps.datasets) log.warn('no dataset sink: telemetry stays in the ingest journal');

  return {
    targets, enrollment, telemetry, handover,
    routes: fleetRoutes({ targets, enrollment }),
    /** The device side on the broker: telemetry stored before its PUBACK, then acknowledged; revoked targets dropped. */
    attach(broker: Pick<MqttBroker, 'onDeviceMessage' | 'publishToDevice' | 'disconnectDevice'>): void {
      broker.onDeviceMessage('telemetry', async (deviceId, payload) => {
        const result = await telemetry.ingest(deviceId, payload);
        void broker.publishToDevice(deviceId, 'ack', result.ack).catch((err: unknown) => log.warn({ err, deviceId }, 'ack publish failed'));
      }, { beforeAck: true });
      targets.onRevoked((id) => broker.disconnectDevice(id));
    },
    component: {
      name: 'fleet',
      async start() {
        void handover.recover();
      },
      async stop() {
        await handover.idle();
      },
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;
