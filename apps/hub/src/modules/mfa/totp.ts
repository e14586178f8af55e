import { generateSecret, generateURI, verify } from 'otplib';

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) through otplib; a code is accepted one step either side
// for clock drift, and never at or before the last step already used (no replay within the window).
export const TOTP_PERIOD_S = 30;

export function newTotpSecret(): string {
  return generateSecret();
}

export function provisioningUri(secret: string, account: string): string {
  return generateURI({ issuer: 'Prometheus', label: account, secret });
}

/** The QR library loads at the first MFA enrolment, not at start. */
export async function qrCodeDataUrl(uri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toDataURL(uri, { type: 'image/png', errorCorrectionLevel: 'M', margin: 2, width: 256 });
}

/** Returns the accepted time step, or undefined when the code is wrong or replayed. */
export async function checkTotp(secret: string, code: string, now: Date, lastStep: number | null): Promise<number | undefined> {
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: TOTP_PERIOD_S,
    ...(lastStep !== null ? { afterTimeStep: lastStep } : {}),
  });
  if (!result.valid) return undefined;
  // The functional API's result type is a TOTP/HOTP union; the TOTP one carries the matched step.
  return 'timeStep' in result ? (result.timeStep as number) : undefined;
}
