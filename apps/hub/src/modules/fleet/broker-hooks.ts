import type { MqttAclRequest, MqttAuthRequest, MqttHookResult } from '@prometheus/protocol';
import { DeviceId } from '@prometheus/protocol';
import { hashToken, sameHash } from '../../crypto/tokens.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { deviceMay } from '../../mqtt/access.js';
import type { EnrollmentService } from './enrollment-service.js';
import type { FleetRepo } from './repo.js';

export interface BrokerHooksDeps {
  /** MQTT_HOOK_SECRET; undefined: the hooks answer 404. */
  secret: string | undefined;
  /** The hub's own broker login (from MQTT_URL), allowed everywhere. */
  hubLogin: { username: string; password: string } | undefined;
  enrollment: Pick<EnrollmentService, 'authenticateDevice'>;
  fleetRepo: Pick<FleetRepo, 'findById'>;
  log: Logger;
}

const allow = (extra: Partial<MqttHookResult> = {}): MqttHookResult => ({ result: 'allow', ...extra });
const deny: MqttHookResult = { result: 'deny' };
const same = (a: string, b: string) => sameHash(hashToken(a), hashToken(b));

/**
 * The hub as the authentication and ACL service of a clustered broker (EMQX, VerneMQ): devices sign in with
 * the credentials enrollment issued (checked against the stored hash) and may touch only their own subtree,
 * the same rules as the embedded broker (mqtt/access.ts). Revocation takes effect at the next check.
 */
export function createBrokerHooks(deps: BrokerHooksDeps) {
  function checkCaller(authorization: string | undefined): void {
    if (!deps.secret) {
      throw new AppError('NOT_FOUND', 'MQTT broker hooks are off', { details: 'Set MQTT_HOOK_SECRET on the hub and give the broker the same secret', expected: true });
    }
    const given = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (!given || !same(given, deps.secret)) {
      throw new AppError('UNAUTHORIZED', 'Broker not authenticated', { details: 'Send Authorization: Bearer <MQTT_HOOK_SECRET>', expected: true });
    }
  }

  const isHub = (username: string) => deps.hubLogin !== undefined && username === deps.hubLogin.username;
  const isDeviceLogin = (clientid: string, username: string) => clientid === username && DeviceId.safeParse(username).success;

  return {
    async authenticate(authorization: string | undefined, req: MqttAuthRequest): Promise<MqttHookResult> {
      checkCaller(authorization);
      if (isHub(req.username)) return same(req.password, deps.hubLogin!.password) ? allow({ is_superuser: true }) : deny;
      if (!isDeviceLogin(req.clientid, req.username) || !req.password) return deny;
      const target = await deps.enrollment.authenticateDevice(req.username, req.password);
      if (!target) deps.log.info({ clientId: req.clientid }, 'broker hook: device credentials refused');
      return target ? allow({ is_superuser: false }) : deny;
    },

    async authorize(authorization: string | undefined, req: MqttAclRequest): Promise<MqttHookResult> {
      checkCaller(authorization);
      if (isHub(req.username)) return allow();
      if (!isDeviceLogin(req.clientid, req.username) || !deviceMay(req.username, req.action, req.topic)) return deny;
      // A revoked target loses its subtree at the next check, even on a session opened before the revocation.
      const target = await deps.fleetRepo.findById(req.username);
      return target?.secretHash && !target.revokedAt ? allow() : deny;
    },
  };
}

export type BrokerHooks = ReturnType<typeof createBrokerHooks>;
