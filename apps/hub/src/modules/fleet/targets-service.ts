import type { CreateTargetRequest, CreateTargetResponse, DeviceStatus, EquipmentType, Target, UpdateTargetRequest } from '@prometheus/protocol';
import { ownedOr404, visibleTo, type Actor } from '../../access.js';
import type { Clock } from '../../clock.js';
import { hashToken, newToken } from '../../crypto/tokens.js';
import { isoTime, newId } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { DatasetSink } from './dataset-sink.js';
import type { FleetRepo, TagFilter, TargetWithIngest } from './repo.js';

export interface TargetsServiceDeps {
  fleetRepo: FleetRepo;
  clock: Clock;
  log: Logger;
  enrollmentTtlMs: number;
  /** When set, a rename is carried to the target's dataset (its `target_name`). */
  datasets?: DatasetSink | undefined;
}

type RevokeListener = (targetId: string) => void | Promise<void>;

export function toTargetView(t: TargetWithIngest): Target {
  const status = t.revokedAt ? 'revoked' : !t.enrolledAt ? 'pending' : t.online ? 'online' : 'offline';
  return {
    id: t.id, ip: t.ip, name: t.name, status, current_model: t.currentModel, current_model_version: t.currentModelVersion,
    arch: t.arch, last_seen: t.lastSeen ? isoTime(t.lastSeen) : null, agent_version: t.agentVersion, dataset_id: t.datasetId,
    outbox_depth: t.outboxDepth, dropped_total: t.lostTotal, readings_stored: t.storedTotal, created_at: isoTime(t.createdAt),
    tags: t.tags,
  };
}

/** Targets as people manage them: create (with a one-time enrollment token), list, rename, revoke. */
export function createTargetsService(deps: TargetsServiceDeps) {
  const { fleetRepo, clock } = deps;
  const revokeListeners: RevokeListener[] = [];

  /** A target the user may see; another user's target is reported as not found. */
  async function visible(user: Actor, id: string): Promise<TargetWithIngest> {
    return ownedOr404(user, await fleetRepo.findWithIngest(id), 'Target', id);
  }

  return {
    visible,
    /** Called with the id of every revoked target (the broker drops its session). */
    onRevoked(listener: RevokeListener): void {
      revokeListeners.push(listener);
    },

    async create(user: Actor, input: CreateTargetRequest): Promise<CreateTargetResponse> {
      // Prefixed: recognisable in a support chat, and never starting with '-' on an agent's command line.
      const token = `pet_${newToken()}`;
      const now = clock.now();
      const expires = new Date(now.getTime() + deps.enrollmentTtlMs);
      const id = newId('tgt');
      await fleetRepo.insert({
        id, ownerId: user.id, name: input.name, ip: input.ip ?? null, arch: input.arch ?? null,
        equipmentType: input.equipment_type ?? 'air_handler', tags: input.tags ?? {}, enrollmentTokenHash: hashToken(token),
        enrollmentExpiresAt: expires, createdAt: now, updatedAt: now,
      });
      const created = await fleetRepo.findWithIngest(id);
      if (!created) throw new Error('target vanished after insert');
      return { ...toTargetView(created), enrollment_token: token, enrollment_expires_at: isoTime(expires) };
    },

    /** The user's targets (every target for admins), only those carrying every tag given. */
    async list(user: Actor, tags: TagFilter[] = []): Promise<Target[]> {
      return (await fleetRepo.list(visibleTo(user), tags)).map(toTargetView);
    },

    async get(user: Actor, id: string): Promise<Target> {
      return toTargetView(await visible(user, id));
    },

    /** A new name (carried to the target's dataset) and/or a new tag set, which replaces the old one whole. */
    async update(user: Actor, id: string, input: UpdateTargetRequest): Promise<Target> {
      const t = await visible(user, id);
      const { name, tags } = input;
      await fleetRepo.update(id, { ...(name !== undefined ? { name } : {}), ...(tags !== undefined ? { tags } : {}), updatedAt: clock.now() });
      if (name !== undefined && t.datasetId && deps.datasets) {
        await deps.datasets.ensureEdgeDataset({ targetId: id, targetName: name, ownerId: t.ownerId, equipmentType: t.equipmentType as EquipmentType });
      }
      return toTargetView(await visible(user, id));
    },

    /** Revokes the device credentials (and any unused enrollment token); live sessions are dropped at once. */
    async revoke(user: Actor, id: string): Promise<Target> {
      const t = await visible(user, id);
      if (!t.revokedAt) {
        const now = clock.now();
        await fleetRepo.update(id, { revokedAt: now, secretHash: null, enrollmentTokenHash: null, online: false, updatedAt: now });
        deps.log.info({ targetId: id, by: user.id }, 'target revoked');
      }
      // Also when already revoked: repeating the call finishes a revocation the broker did not confirm.
      for (const listener of revokeListeners) await listener(id);
      return toTargetView(await visible(user, id));
    },

    /** A session came or went (the broker's view; the last will says the same). */
    async setOnline(id: string, online: boolean): Promise<void> {
      await fleetRepo.update(id, { online, lastSeen: clock.now() });
    },

    /** A status heartbeat from the agent. */
    async recordStatus(id: string, status: DeviceStatus): Promise<void> {
      await fleetRepo.update(id, {
        lastSeen: clock.now(),
        ...(status.version !== undefined ? { agentVersion: status.version } : {}),
        ...(status.arch !== undefined ? { arch: status.arch } : {}),
        ...(status.outbox_depth !== undefined ? { outboxDepth: status.outbox_depth } : {}),
        ...(status.dropped_total !== undefined ? { agentDropped: status.dropped_total } : {}),
        ...(status.current_model !== undefined ? { currentModel: status.current_model } : {}),
        ...(status.current_model_version !== undefined ? { currentModelVersion: status.current_model_version } : {}),
      });
    },

    markAllOffline: () => fleetRepo.markAllOffline(),
    handOver: (fromUserId: string, toUserId: string) => fleetRepo.reassignOwner(fromUserId, toUserId),
  };
}

export type TargetsService = ReturnType<typeof createTargetsService>;
