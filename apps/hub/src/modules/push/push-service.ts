import type { Expo, ExpoPushMessage, ExpoPushTicket } from 'expo-server-sdk';
import type { PushRegisterRequest } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { whileLeader, type Leadership } from '../../cluster/cluster.js';
import type { PushSettings } from '../../config.js';
import type { HubEventBus, HubEvents } from '../../events.js';
import type { Logger } from '../../logger.js';
import { withDefaults } from '../users/preferences.js';
import type { UsersRepo } from '../users/repo.js';
import { MESSAGES, type Notification, type PushEvent } from './messages.js';
import type { PushRepo } from './repo.js';

// Push notifications through Expo: hub events become messages for every device of the user (unless
// they turned notifications off), sent in batches of up to 100; tickets are kept and their receipts
// checked later, and a device Expo reports as no longer registered is forgotten.
export interface PushServiceDeps {
  repo: PushRepo;
  usersRepo: UsersRepo;
  events: HubEventBus;
  clock: Clock;
  log: Logger;
  settings: PushSettings;
  /** Replicas: only the leader checks receipts (the tickets are shared rows); absent, this process checks them. */
  leadership?: Leadership | undefined;
}

const DAY_MS = 24 * 3_600_000;
const RECEIPT_BATCH = 1000;

export function createPushService(deps: PushServiceDeps) {
  const { repo, clock, log, settings } = deps;
  // The Expo SDK (and undici with it) loads at the first send, not at start: most hubs never push.
  let client: Promise<Expo> | undefined;
  const expoClient = () => (client ??= import('./expo-client.js').then((m) => m.createExpoClient(settings)));
  let queue: ExpoPushMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  let receipts: { stop(): void } | undefined;
  const inFlight = new Set<Promise<void>>();

  async function handleTickets(chunk: ExpoPushMessage[], tickets: ExpoPushTicket[]): Promise<void> {
    const keep: { id: string; token: string; sentAt: Date }[] = [];
    const dead: string[] = [];
    tickets.forEach((ticket, i) => {
      const token = String(chunk[i]?.to);
      if (ticket.status === 'ok') keep.push({ id: ticket.id, token, sentAt: clock.now() });
      else if (ticket.details?.error === 'DeviceNotRegistered') dead.push(token);
      else log.warn({ token, error: ticket.details?.error, message: ticket.message }, 'push refused');
    });
    await repo.insertTickets(keep);
    if (dead.length > 0) log.info({ removed: await repo.deleteTokens(dead) }, 'forgot push tokens of unregistered devices');
  }

  async function send(batch: ExpoPushMessage[]): Promise<void> {
    const expo = await expoClient();
    for (const chunk of expo.chunkPushNotifications(batch)) {
      try {
        await handleTickets(chunk, await expo.sendPushNotificationsAsync(chunk));
      } catch (err) {
        // A failed request loses this chunk: notifications are advisory, and a retry storm would not help.
        log.error({ err, messages: chunk.length }, 'sending push notifications failed');
      }
    }
  }

  /** Sends everything queued now; resolves when Expo has answered (tickets stored, dead tokens removed). */
  async function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    const work = batch.length > 0 ? send(batch) : Promise.resolve();
    inFlight.add(work);
    try {
      await Promise.all([...inFlight]);
    } finally {
      inFlight.delete(work);
    }
  }

  function enqueue(messages: ExpoPushMessage[]): void {
    queue.push(...messages);
    if (queue.length >= 100) void flush();
    else timer ??= setTimeout(() => void flush(), settings.batchMs).unref();
  }

  async function notify(userId: string, n: Notification): Promise<void> {
    const prefs = withDefaults(await deps.usersRepo.getPreferences(userId));
    if (!prefs.notifications_enabled) return;
    const tokens = await repo.tokensOf(userId);
    enqueue(tokens.map((to) => ({ to, title: n.title, body: n.body, data: n.data, sound: 'default', priority: n.priority ?? 'default' })));
  }

  /** Reads receipts of tickets old enough to have one; DeviceNotRegistered removes the token. */
  async function checkReceipts(): Promise<{ checked: number; removed: number }> {
    const now = clock.now().getTime();
    const due = await repo.dueTickets(new Date(now - settings.receiptDelayMs), RECEIPT_BATCH);
    if (due.length === 0) return { checked: 0, removed: 0 };
    const tokenOf = new Map(due.map((t) => [t.id, t.token]));
    const done: string[] = [];
    const dead: string[] = [];
    const expo = await expoClient();
    for (const ids of expo.chunkPushNotificationReceiptIds(due.map((t) => t.id))) {
      const receipts = await expo.getPushNotificationReceiptsAsync(ids);
      for (const [id, receipt] of Object.entries(receipts)) {
        done.push(id);
        if (receipt.status === 'error' && receipt.details?.error === 'DeviceNotRegistered') dead.push(tokenOf.get(id)!);
        else if (receipt.status === 'error') log.warn({ id, error: receipt.details?.error, message: receipt.message }, 'push receipt error');
      }
    }
    // Expo keeps receipts about a day; a ticket still without one after that will never get one.
    done.push(...due.filter((t) => now - t.sentAt.getTime() > DAY_MS).map((t) => t.id));
    await repo.deleteTickets(done);
    return { checked: done.length, removed: await repo.deleteTokens(dead) };
  }

  for (const event of Object.keys(MESSAGES) as PushEvent[]) {
    deps.events.on(event, async (payload: HubEvents[PushEvent]) => {
      const message = (MESSAGES[event] as (e: HubEvents[PushEvent]) => Notification | undefined)(payload);
      if (message) await notify(payload.userId, message);
    });
  }

  return {
    async register(userId: string, body: PushRegisterRequest): Promise<void> {
      await repo.upsertToken({ token: body.token, userId, platform: body.platform, deviceName: body.device_name ?? null, now: clock.now() });
    },
    notify,
    flush,
    checkReceipts,
    component: {
      name: 'push',
      start(): void {
        // The tickets are shared rows: with replicas only the leader reads their receipts; alone, this process does.
        const every = Math.max(60_000, Math.min(settings.receiptDelayMs, 15 * 60_000));
        receipts = whileLeader(deps.leadership ?? { isLeader: () => true }, every, async () => void (await checkReceipts()), log, 'checking push receipts');
      },
      async stop(): Promise<void> {
        receipts?.stop();
        await flush();
      },
    },
  };
}

export type PushService = ReturnType<typeof createPushService>;
