import type { OutboundPolicy } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { badRequest } from '../../errors.js';
import { isoTime } from '../../ids.js';
import { DEFAULT_DENY, type PolicyLists } from './outbound-policy.js';
import type { ConnectorsRepo } from './repo.js';

// The outbound allow/deny lists: from config until an admin saves them, then from the store.
const RULE = /^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$|^[0-9a-f:.]+(\/\d{1,3})?$/i;

export function createPolicyService(deps: { repo: ConnectorsRepo; clock: Clock; initial: PolicyLists }) {
  return {
    async lists(): Promise<PolicyLists> {
      const row = await deps.repo.getPolicy();
      return row ? { allow: row.allow, deny: row.deny } : deps.initial;
    },
    async describe() {
      const row = await deps.repo.getPolicy();
      const lists = row ? { allow: row.allow, deny: row.deny } : deps.initial;
      return { ...lists, default_deny: DEFAULT_DENY, updated_at: row ? isoTime(row.updatedAt) : null };
    },
    async update(policy: OutboundPolicy, actorId: string) {
      for (const rule of [...policy.allow, ...policy.deny]) {
        if (!RULE.test(rule)) throw badRequest(`Invalid request body: '${rule}' is not a host, *.domain or CIDR`);
      }
      await deps.repo.putPolicy({ allow: policy.allow, deny: policy.deny, updatedAt: deps.clock.now(), updatedBy: actorId });
      return this.describe();
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
