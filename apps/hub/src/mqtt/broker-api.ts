import type { ExternalBrokerSettings } from '../config.js';
import type { Logger } from '../logger.js';

// A clustered broker in http-hooks mode (EMQX 5) asks the hub at every CONNECT and publish, so a revoked device is
// refused at its next message; but the session it already holds stays open until then. With the broker's
// management API configured the hub closes that session at once (docs/upstreams/sources.md, "EMQX management API").

const TIMEOUT_MS = 5_000;
const RETRY_DELAY_MS = 1_000;

export interface BrokerApi {
  /** Closes the client's session on every node of the cluster; true when it is gone (or was never connected). */
  disconnectClient(clientId: string): Promise<boolean>;
}

export function createBrokerApi(settings: NonNullable<ExternalBrokerSettings['brokerApi']>, log: Logger): BrokerApi {
  const authorization = `Basic ${Buffer.from(`${settings.apiKey}:${settings.secretKey}`).toString('base64')}`;

  async function attempt(clientId: string): Promise<{ done: boolean; reason: string }> {
    try {
      const res = await fetch(`${settings.url}/api/v5/clients/${encodeURIComponent(clientId)}`, {
        method: 'DELETE', headers: { authorization, accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = await res.text();
      // 204: kicked out; 404: no such client connected, which is what revocation wants too.
      if (res.status === 204 || res.status === 404) return { done: true, reason: String(res.status) };
      return { done: false, reason: `HTTP ${res.status} ${body.slice(0, 200)}` };
    } catch (err) {
      return { done: false, reason: err instanceof Error ? err.message : String(err) };
    }
  }

  return {
    async disconnectClient(clientId) {
      let result = await attempt(clientId);
      if (!result.done && !result.reason.startsWith('HTTP 4')) {
        // One retry for an unreachable or failing node; a refused key (4xx) will not improve.
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
        result = await attempt(clientId);
      }
      if (!result.done) {
        // The revocation itself stands (the hooks refuse the device's next message); only the early close failed.
        log.warn({ clientId, reason: result.reason, url: settings.url }, 'broker API did not disconnect the revoked device');
      }
      return result.done;
    },
  };
}
