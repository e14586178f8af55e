import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
}

/** A real SMTP server (the smtp-server package) on a free port, keeping what it receives. */
export async function startSmtpSink(): Promise<{ url: string; mails: ReceivedMail[]; waitFor(to: string, match: RegExp): Promise<RegExpMatchArray>; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async waitFor(to, match) {
      for (let i = 0; i < 200; i++) {
        for (const mail of [...mails].reverse()) {
          const m = mail.to.includes(to) ? mail.raw.replace(/=\r?\n/g, '').match(match) : null;
          if (m) return m;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no mail to ${to} matching ${match}`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
