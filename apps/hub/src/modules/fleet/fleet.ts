import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import { AppError } from '../../errors.js';
import type { DeviceLink } from '../../mqtt/device-link.js';
import { brokerHookRoutes } from './broker-hook-routes.js';
import { createBrokerHooks, type BrokerHooksDeps } from './broker-hooks.js';
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
  clock: Clock;
  log: Logger;
  enrollmentTtlMs: number;
  /** Broker URLs handed to agents at enrollment (TCP/TLS, and MQTT over WebSocket). */
  mqttUrl: string;
  mqttWsUrl: string;
  datasets: DatasetSink | undefined;
  /** Handed to agents at enrollment (modules/deployments signs with its private half). */
  deployPublicKey?: string | undefined;
  /** POST /api/v1/mqtt/auth and /acl for clustered brokers: the shared secret and the hub's own broker login. */
  brokerHooks?: Pick<BrokerHooksDeps, 'secret' | 'hubLogin'>;
  /** The cluster's lock (one enrollment per token across replicas). */
  lock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  /** Whether another replica consumes device messages now (a batch ahead of its device then waits for it). */
  othersConsuming?: () => boolean;
  /** How long a shutdown goes on handing journaled readings to datasets before it leaves the rest for the next start. */
  handoverStopBudgetMs?: number;
}

const DEFAULT_HANDOVER_STOP_MS = 5000;

/**
 * The fleet composed in order: its store, targets and enrollment, telemetry ingest with the hand-over of
 * journaled readings to each target's dataset. hub.ts appends `routes`, pushes `component` and attaches
 * the broker, which fronts the device side.
 */
export function createFleet(deps: FleetDeps) {
  const log = deps.log.child({ part: 'fleet' });
  const fleetRepo = createFleetRepo(deps.db);
  const ingestRepo = createIngestRepo(deps.db);
  const targets = createTargetsService({ fleetRepo, clock: deps.clock, log, enrollmentTtlMs: deps.enrollmentTtlMs, datasets: deps.datasets });
  const enrollment = createEnrollmentService({
    fleetRepo, clock: deps.clock, log, mqttUrl: deps.mqttUrl, mqttWsUrl: deps.mqttWsUrl, datasets: deps.datasets, deployPublicKey: deps.deployPublicKey,
    ...(deps.lock ? { lock: deps.lock } : {}),
  });
  const handover = createDatasetHandover({ ingestRepo, fleetRepo, sink: deps.datasets, log });
  const telemetry = createTelemetryService({ ingestRepo, handover, clock: deps.clock, log, othersConsuming: deps.othersConsuming });
  if (!deps.datasets) log.warn('no dataset sink: telemetry stays in the ingest journal');

  return {
    targets, enrollment, telemetry, handover,
    routes: [
      ...fleetRoutes({ targets, enrollment }),
      ...brokerHookRoutes(createBrokerHooks({
        secret: deps.brokerHooks?.secret, hubLogin: deps.brokerHooks?.hubLogin, enrollment, fleetRepo, log: log.child({ part: 'broker-hooks' }),
      })),
    ],
    /**
     * The device side on the broker (embedded or external): telemetry stored before its PUBACK, then
     * acknowledged; credentials provisioned at enrollment; revoked targets refused and dropped.
     */
    attach(link: Pick<DeviceLink, 'onDeviceMessage' | 'publishToDevice' | 'provisionDevice' | 'revokeDevice'>): void {
      link.onDeviceMessage('telemetry', async (deviceId, payload) => {
        const result = await telemetry.ingest(deviceId, payload);
        void link.publishToDevice(deviceId, 'ack', result.ack).catch((err: unknown) => log.warn({ err, deviceId }, 'ack publish failed'));
      }, { beforeAck: true });
      enrollment.useProvisioner((id, secret) => link.provisionDevice(id, secret));
      targets.onRevoked(async (id) => {
        await link.revokeDevice(id).catch((err: unknown) => {
          log.error({ err, targetId: id }, 'broker did not confirm the revocation');
          throw new AppError('SERVICE_UNAVAILABLE', 'Revoked here, but the MQTT broker did not confirm it', {
            details: 'The target\'s credentials are void in the hub; repeat the revoke to drop its broker session', cause: err,
          });
        });
      });
    },
    component: {
      name: 'fleet',
      async start() {
        void handover.recover();
      },
      async stop() {
        const left = await handover.stop(deps.handoverStopBudgetMs ?? DEFAULT_HANDOVER_STOP_MS);
        if (left > 0) log.info({ devices: left }, 'dataset hand-over stopped for shutdown; the journal keeps the rest for the next start');
      },
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;
