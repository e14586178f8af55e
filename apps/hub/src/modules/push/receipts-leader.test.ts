import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startExpoPushFake, type ExpoPushFake } from '../../../../../test/fakes/expo-push.js';
import type { Leadership } from '../../cluster/cluster.js';
import { createEventBus } from '../../events.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { createPushRepo } from './repo.js';
import { createPushService, type PushService } from './push-service.js';

// Replicas share the push tickets: only the leader reads their receipts from Expo. A replica that is not the
// leader never asks; the leader does; a replica that becomes the leader starts asking, and stops when it loses it.
describe('push receipts on the leader only', () => {
  let fake: ExpoPushFake;
  let t: TestHub;
  let service: PushService | undefined;
  const PUSH_TOKEN = `ExponentPushToken[${'leader'.padEnd(22, 'x')}]`;

  function fakeLeadership(leader: boolean) {
    const listeners = new Set<(leader: boolean) => void>();
    const leadership: Leadership & { set(leader: boolean): void } = {
      isLeader: () => leader,
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      set(next) {
        leader = next;
        for (const listener of [...listeners]) listener(next);
      },
    };
    return leadership;
  }
  const startService = (leadership: Leadership) => {
    service = createPushService({
      repo: createPushRepo(t.hub.store.db), usersRepo: t.hub.services.usersRepo, events: createEventBus(() => undefined),
      clock: t.hub.clock, log: t.hub.log, settings: t.hub.config.push, leadership,
    });
    void service.component.start();
  };
  const receiptRequests = () => fake.requests.filter((r) => r.path.endsWith('/push/getReceipts')).length;
  /** Lets the timer fire (a receipt check is due at least every minute), then the request it makes arrive. */
  const aFewMinutesPass = async () => {
    vi.advanceTimersByTime(5 * 60_000);
    await new Promise((r) => setTimeout(r, 300));
  };

  beforeAll(async () => {
    fake = await startExpoPushFake();
    t = await createTestHub({ EXPO_PUSH_URL: fake.url, PUSH_RECEIPT_DELAY_MS: '0' });
    const { token: auth } = await t.userWithRole('operator');
    expect((await t.request('POST', '/api/v1/push/register', { token: auth, json: { token: PUSH_TOKEN, platform: 'ios' } })).status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  afterEach(async () => {
    await service?.component.stop();
    vi.useRealTimers();
  });

  // A ticket waits for its receipt (kept again before each case: a check deletes the tickets it read).
  const ticketWaits = () => createPushRepo(t.hub.store.db).insertTickets([{ id: `tkt-${Date.now()}`, token: PUSH_TOKEN, sentAt: new Date(Date.now() - 60_000) }]);

  it('a replica that is not the leader never asks; once it leads it does; when it stops leading it stops', async () => {
    await ticketWaits();
    fake.clearRequests();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const leadership = fakeLeadership(false);
    startService(leadership);
    await aFewMinutesPass();
    expect(receiptRequests()).toBe(0);

    leadership.set(true);
    await aFewMinutesPass();
    await vi.waitFor(() => expect(receiptRequests()).toBeGreaterThan(0));

    leadership.set(false);
    await ticketWaits();
    fake.clearRequests();
    await aFewMinutesPass();
    expect(receiptRequests()).toBe(0);
  });

  it('the leader asks from its start', async () => {
    await ticketWaits();
    fake.clearRequests();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    startService(fakeLeadership(true));
    await aFewMinutesPass();
    await vi.waitFor(() => expect(receiptRequests()).toBeGreaterThan(0));
  });
});
