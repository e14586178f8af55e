import fs from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Logger } from '../logger.js';
import { PRIVATE_FILE_MODE } from '../paths.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/**
 * Mail goes out through SMTP_URL; with none set, each message is written as an .eml file to
 * <data dir>/outbox/ (a person running the hub locally can open it) and its subject is logged.
 */
export function createMailer(opts: { smtpUrl: string | undefined; from: string; outboxDir: string; log: Logger }): Mailer {
  // nodemailer loads with the first message: most hubs send mail rarely, and the idle process stays smaller.
  let transport: Promise<Transporter> | undefined;
  const open = () => (transport ??= import('nodemailer').then(({ default: nodemailer }) => (opts.smtpUrl
    ? nodemailer.createTransport(opts.smtpUrl)
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }))));
  return {
    async send(message) {
      const info = await (await open()).sendMail({ from: opts.from, ...message });
      if (!opts.smtpUrl) {
        const file = path.join(opts.outboxDir, `${Date.now()}-${info.messageId.replace(/[^A-Za-z0-9.-]/g, '')}.eml`);
        // The outbox holds reset tokens in plain text: readable by the hub's user only. The cast: one Transporter
        // type covers SMTP and the stream transport, whose info (buffer: true) carries the message as a Buffer.
        await fs.writeFile(file, (info as unknown as { message: Buffer }).message, { mode: PRIVATE_FILE_MODE });
        opts.log.info({ subject: message.subject, file }, 'mail written to outbox (no SMTP_URL configured)');
      } else {
        opts.log.info({ subject: message.subject }, 'mail sent');
      }
    },
    close: () => void transport?.then((t) => t.close(), () => undefined),
  };
}
