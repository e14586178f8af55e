import type { Tier } from '@prometheus/protocol';
import type { HubEventBus } from '../../events.js';
import type { Logger } from '../../logger.js';
import type { Mailer, MailMessage } from '../../mail/mailer.js';
import { TIERS } from '../../tiers.js';
import { withDefaults } from '../users/preferences.js';
import type { UsersRepo } from '../users/repo.js';

// A plan change is told by email too (push has its own notifier), unless the user turned
// email_notifications off. Security-alert mail stays with auth, which sends it directly.
const NAMES: Record<Tier, string> = { free: 'Free', pro: 'Pro', enterprise: 'Enterprise' };

export function planMail(to: string, username: string, tier: Tier): MailMessage {
  const t = TIERS[tier];
  return {
    to,
    subject: `Your Prometheus plan is now ${NAMES[tier]}`,
    text: `Hello ${username},\n\nYour Prometheus subscription is now on the ${NAMES[tier]} plan. It allows:\n`
      + `- ${t.max_datasets} datasets of up to ${Math.round(t.max_dataset_size_bytes / (1024 * 1024))} MB each\n`
      + `- ${t.max_models} models and ${t.max_deployments} deployments\n`
      + `- ${t.max_concurrent_trainings} training runs at once\n`
      + `- ${t.tokens_per_period} PrometheusForge agent tokens per billing period\n\n`
      + 'You can turn these emails off in your profile preferences (email_notifications).\n',
  };
}

export function mailPlanChanges(deps: { events: HubEventBus; usersRepo: UsersRepo; mailer: Mailer; log: Logger }): void {
  deps.events.on('subscription.changed', async ({ userId, tier }) => {
    const user = await deps.usersRepo.findById(userId);
    if (!user || !withDefaults(await deps.usersRepo.getPreferences(userId)).email_notifications) return;
    const known = tier in TIERS ? (tier as Tier) : undefined;
    if (!known) return deps.log.warn({ userId, tier }, 'subscription changed to an unknown tier');
    await deps.mailer.send(planMail(user.email, user.username, known));
  });
}
