import type { HubEventBus } from '../../events.js';
import type { Logger } from '../../logger.js';
import type { Mailer } from '../../mail/mailer.js';
import { withDefaults } from '../users/preferences.js';
import type { UsersRepo } from '../users/repo.js';

// Deployment outcomes and edge alerts by email too (push has its own notifier in modules/push), unless
// the user turned email_notifications off.
export function mailDeploymentNotices(deps: { events: HubEventBus; usersRepo: UsersRepo; mailer: Mailer; log: Logger }): void {
  const mailTo = async (userId: string, subject: string, text: string) => {
    const user = await deps.usersRepo.findById(userId);
    if (!user || !withDefaults(await deps.usersRepo.getPreferences(userId)).email_notifications) return;
    await deps.mailer.send({
      to: user.email, subject,
      text: `Hello ${user.username},\n\n${text}\n\nYou can turn these emails off in your profile preferences (email_notifications).\n`,
    });
  };
  deps.events.on('deployment.ready', (e) => mailTo(e.userId, `Deployment ready on ${e.targetName}`,
    `Deployment ${e.deploymentId} is running on ${e.targetName}: the controller verified the package, installed the model and passed its health inference.`));
  deps.events.on('deployment.failed', (e) => mailTo(e.userId, `Deployment to ${e.targetName} failed`,
    `Deployment ${e.deploymentId} to ${e.targetName} did not complete: ${e.reason}\nThe controller keeps running its previous model.`));
  deps.events.on('edge.alert', (e) => mailTo(e.userId, `Alert from ${e.targetName}`, `${e.message}\n(target ${e.targetId})`));
}
