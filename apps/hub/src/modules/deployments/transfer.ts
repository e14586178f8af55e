import { encodeDeployChunk, type DeployCommand, type DeployStatusReport } from '@prometheus/protocol';
import type { Logger } from '../../logger.js';
import { sha256Hex, type StoredPackage } from './package-files.js';

// Sends a deployment's package to its target over MQTT: the signed manifest on `deploy`, then chunks on
// `deploy/chunk` (QoS 1) in a window ahead of what the agent confirmed. The agent answers every manifest
// with the offset it holds (`resume`), so a transfer continues where it stopped after a disconnect, an
// agent restart or a hub restart; a target that stops answering gets the manifest again.

export interface TransferLink {
  publishToDevice(deviceId: string, leaf: 'deploy' | 'deploy/chunk', payload: unknown, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  isOnline(deviceId: string): boolean;
}

export interface TransferSettings {
  chunkBytes: number;
  windowChunks: number;
  stepTimeoutMs: number;
  /** Manifests sent without progress before the transfer is given up. */
  maxResends: number;
}

export interface TransferEvents {
  /** The agent confirmed more bytes (persist for the API). */
  progress(deploymentId: string, bytesAcked: number): void;
  /** The target stopped answering while online. */
  stalled(deploymentId: string, reason: string): void;
}

interface Sender {
  id: string;
  targetId: string;
  pkg: StoredPackage;
  acked: number;
  sent: number;
  pumping: boolean;
  again: boolean;
  manifestSentAt: number | undefined;
  lastProgress: number;
  resends: number;
}

export function createTransfers(link: TransferLink, settings: TransferSettings, events: TransferEvents, log: Logger, now: () => number = Date.now) {
  const senders = new Map<string, Sender>();

  async function sendManifest(s: Sender): Promise<void> {
    const command: DeployCommand = { v: 1, kind: 'manifest', deployment_id: s.id, manifest: s.pkg.manifest, signature: s.pkg.signature };
    s.manifestSentAt = now();
    s.lastProgress = now();
    await link.publishToDevice(s.targetId, 'deploy', command, { qos: 1 }).catch((err: unknown) => log.warn({ err, deploymentId: s.id }, 'manifest publish failed'));
  }

  async function pump(s: Sender): Promise<void> {
    if (s.pumping) return void (s.again = true);
    s.pumping = true;
    try {
      do {
        s.again = false;
        const size = s.pkg.model.length;
        while (senders.get(s.id) === s && s.sent < size && s.sent - s.acked < settings.windowChunks * settings.chunkBytes && link.isOnline(s.targetId)) {
          const offset = s.sent;
          const data = s.pkg.model.subarray(offset, Math.min(size, offset + settings.chunkBytes));
          s.sent = offset + data.length;
          const payload = encodeDeployChunk({ v: 1, deployment_id: s.id, offset, sha256: sha256Hex(data), last: s.sent === size }, data);
          await link.publishToDevice(s.targetId, 'deploy/chunk', Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: 1 })
            .catch((err: unknown) => log.warn({ err, deploymentId: s.id, offset }, 'chunk publish failed'));
        }
      } while (s.again);
    } finally {
      s.pumping = false;
    }
  }

  return {
    has: (id: string) => senders.has(id),
    /** The target of a transfer this process holds (its package in memory), else undefined. */
    targetOf: (id: string): string | undefined => senders.get(id)?.targetId,
    /** Starts (or restarts) sending a stored package; the manifest goes out when the target is online. */
    open(id: string, targetId: string, pkg: StoredPackage): void {
      const s: Sender = { id, targetId, pkg, acked: 0, sent: 0, pumping: false, again: false, manifestSentAt: undefined, lastProgress: now(), resends: 0 };
      senders.set(id, s);
      if (link.isOnline(targetId)) void sendManifest(s);
    },
    close(id: string): void {
      senders.delete(id);
    },
    /** The agent's `receiving` report: `resume` rewinds to its offset, otherwise it confirms bytes. */
    receiving(id: string, report: DeployStatusReport): void {
      const s = senders.get(id);
      if (!s || report.next_offset === undefined) return;
      const offset = Math.min(report.next_offset, s.pkg.model.length);
      if (report.resume && offset === s.pkg.model.length) {
        // It holds every byte but did not finish (killed while installing): it finishes on the manifest. Sent now,
        // not at the step timeout: a restart faster than the online check leaves nothing else to prompt it.
        s.acked = offset;
        s.sent = offset;
        return void sendManifest(s);
      }
      if (report.resume) {
        s.acked = offset;
        s.sent = offset;
      } else if (offset > s.acked) {
        s.acked = offset;
        s.sent = Math.max(s.sent, offset);
      } else {
        return;
      }
      s.lastProgress = now();
      s.resends = 0;
      events.progress(id, offset);
      void pump(s);
    },
    /** Any other report about the deployment (verifying, installing, health check): the agent is working. */
    alive(id: string): void {
      const s = senders.get(id);
      if (s) s.lastProgress = now();
    },
    /** A target synced: it needs the manifests of every other transfer to it this process holds. */
    offerFor(targetId: string, exceptId: string | null | undefined): void {
      for (const s of senders.values()) if (s.targetId === targetId && s.id !== exceptId) void sendManifest(s);
    },
    /** Periodic: manifests for targets that came online, resends for targets that stopped answering. */
    tick(): void {
      for (const s of senders.values()) {
        if (!link.isOnline(s.targetId)) {
          s.manifestSentAt = undefined;
          continue;
        }
        if (s.manifestSentAt === undefined) {
          void sendManifest(s);
        } else if (now() - s.lastProgress > settings.stepTimeoutMs) {
          s.resends += 1;
          if (s.resends > settings.maxResends) {
            senders.delete(s.id);
            events.stalled(s.id, `the target stopped answering (no progress in ${settings.maxResends + 1} x ${Math.round(settings.stepTimeoutMs / 1000)} s while online)`);
          } else {
            log.info({ deploymentId: s.id, resends: s.resends }, 'no progress from the target; manifest sent again');
            void sendManifest(s);
          }
        }
      }
    },
  };
}

export type Transfers = ReturnType<typeof createTransfers>;
