import { TOPIC_ROOT, type EnrollRequest, type EnrollResponse, type EquipmentType } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { hashToken, newToken, sameHash } from '../../crypto/tokens.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { DatasetSink } from './dataset-sink.js';
import type { FleetRepo, TargetRow } from './repo.js';

export interface EnrollmentServiceDeps {
  fleetRepo: FleetRepo;
  clock: Clock;
  log: Logger;
  mqttUrl: string;
  mqttWsUrl: string;
  datasets: DatasetSink | undefined;
  /** SPKI PEM of the key that signs deployments; agents pin it at enrollment. */
  deployPublicKey?: string | undefined;
  /** Holds across replicas on PostgreSQL (the cluster's advisory locks), in memory on SQLite. */
  lock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

const invalidToken = () => new AppError('INVALID_TOKEN', 'Invalid or expired enrollment token', {
  details: 'Create the target again (or ask an operator for a new token); tokens are single use and expire',
});

/**
 * Device credentials. The secret is 256 random bits, so a single SHA-256 is as strong as a slow KDF
 * against guessing (a KDF only helps low-entropy passwords) and keeps CONNECT auth in microseconds
 * when a thousand agents reconnect at once after a broker restart.
 */
export function createEnrollmentService(deps: EnrollmentServiceDeps) {
  const { fleetRepo, clock } = deps;
  // An external broker learns the new credentials here (Mosquitto's dynamic security); the embedded one reads the store.
  let provision: (deviceId: string, secret: string) => Promise<void> = async () => undefined;

  return {
    useProvisioner(fn: (deviceId: string, secret: string) => Promise<void>): void {
      provision = fn;
    },

    /** Exchanges a one-time enrollment token for the device id and secret (shown once). */
    async enroll(input: EnrollRequest): Promise<EnrollResponse> {
      const tokenHash = hashToken(input.enrollment_token);
      // One enrollment per token at a time, on every replica: a racing request waits, then finds the token spent
      // and never reaches the broker (where it would replace the winner's password with its own).
      const lock = deps.lock ?? (async <T>(_key: string, fn: () => Promise<T>) => fn());
      return lock(`enrollment:${tokenHash}`, () => enrollWithToken(input, tokenHash));
    },

    /** The broker's CONNECT check: the enrolled, unrevoked target whose secret this is. */
    async authenticateDevice(deviceId: string, secret: string): Promise<TargetRow | undefined> {
      const target = await fleetRepo.findById(deviceId);
      if (!target?.secretHash || target.revokedAt) return undefined;
      return sameHash(hashToken(secret), target.secretHash) ? target : undefined;
    },
  };

  async function enrollWithToken(input: EnrollRequest, tokenHash: string): Promise<EnrollResponse> {
    const target = await fleetRepo.findByEnrollmentHash(tokenHash);
    const now = clock.now();
    if (!target || target.revokedAt || !target.enrollmentExpiresAt || target.enrollmentExpiresAt <= now) throw invalidToken();
    const secret = newToken();
    const datasetId = target.datasetId ?? await deps.datasets?.ensureEdgeDataset({
      targetId: target.id, targetName: target.name, ownerId: target.ownerId, equipmentType: target.equipmentType as EquipmentType,
    });
    // The broker first: if it refuses, the token stays unused and the agent simply tries again.
    await provision(target.id, secret).catch((err: unknown) => {
      deps.log.error({ err, targetId: target.id }, 'broker did not take the device credentials');
      throw new AppError('SERVICE_UNAVAILABLE', 'The MQTT broker did not accept the device credentials', {
        details: 'The enrollment token is still valid; try again when the broker is reachable', cause: err, headers: { 'Retry-After': '10' },
      });
    });
    // The claim itself is one conditional UPDATE (token unspent, unexpired, target unrevoked): exactly one wins.
    const won = await fleetRepo.completeEnrollment(target.id, tokenHash, now, {
      secretHash: hashToken(secret), enrolledAt: now, updatedAt: now, datasetId: datasetId ?? null,
      ...(input.arch ? { arch: input.arch } : {}), ...(input.agent_version ? { agentVersion: input.agent_version } : {}),
    });
    if (!won) throw invalidToken();
    deps.log.info({ targetId: target.id, hostname: input.hostname }, 'target enrolled');
    return {
      device_id: target.id, device_secret: secret, target_name: target.name,
      mqtt: { url: deps.mqttUrl, ws_url: deps.mqttWsUrl, topic_prefix: `${TOPIC_ROOT}/${target.id}/` },
      ...(deps.deployPublicKey ? { deploy_public_key: deps.deployPublicKey } : {}),
    };
  }
}

export type EnrollmentService = ReturnType<typeof createEnrollmentService>;
