import type { MailMessage } from './mailer.js';

// Plain-text mails: readable in any client and in the .eml outbox.
export function verificationMail(to: string, username: string, code: string): MailMessage {
  return {
    to,
    subject: 'Your Prometheus verification code',
    text: `Hello ${username},\n\nYour verification code is: ${code}\n\nIt expires in 15 minutes.\n` +
      `If you did not sign up for Prometheus, ignore this message.\n`,
  };
}

export function resetMail(to: string, username: string, token: string, publicUrl: string): MailMessage {
  return {
    to,
    subject: 'Reset your Prometheus password',
    text: `Hello ${username},\n\nSomeone asked to reset your Prometheus password. Your reset token is:\n\n${token}\n\n` +
      `Or open ${publicUrl}/reset-password?token=${encodeURIComponent(token)}\n\n` +
      `The token expires in 30 minutes. If you did not ask for this, ignore this message: your password is unchanged.\n`,
  };
}

export function securityMail(to: string, username: string, what: string): MailMessage {
  return {
    to,
    subject: `Prometheus security notice: ${what}`,
    text: `Hello ${username},\n\n${what} on your Prometheus account at ${new Date().toISOString()}.\n` +
      `If this was not you, reset your password now.\n`,
  };
}
