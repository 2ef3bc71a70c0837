/**
 * Enrollment: turn what Keycloak's TOTP setup page shows (QR code, hidden raw secret, manual-mode
 * key and policy) into one account, and refuse when they disagree. Reading both the QR and the
 * hidden field and cross-checking them is stronger than trusting either: a page that changed
 * under us, or a script that swapped the image, cannot make us store a secret the server did
 * not issue.
 */
import {
  base32FromBytes,
  parseBase32Secret,
  parseOtpauthUri,
  type Algorithm,
  type OtpAccount,
  type OtpErrorCode,
} from '../otp/otp';
import { err, ok, type Result } from '../util/result';

/** Manual mode ("Unable to scan?") text, as shown by `#kc-totp-secret-key` and `li#kc-totp-*`. */
export interface ManualInfo {
  key: string;
  type: string | null;
  algorithm: string | null;
  digits: string | null;
  period: string | null;
  counter: string | null;
}

export interface EnrollmentEvidence {
  /** Text decoded from the QR image, or null when there is no image (manual mode). */
  qrText: string | null;
  /** True when an image was there but could not be decoded. */
  qrUnreadable: boolean;
  /** Keycloak's hidden `totpSecret`: the RAW secret whose base32 is the authenticator key. */
  hiddenSecret: string | null;
  manual: ManualInfo | null;
  /** Account name to use when the page shows none (manual mode has no URI label). */
  fallbackAccountName: string | null;
  /** Issuer to use when the page shows none (manual mode): the realm. */
  fallbackIssuer: string;
}

export type EnrollErrorCode =
  | 'qr-unreadable'
  | 'qr-not-otpauth'
  | 'no-secret'
  | 'secret-mismatch'
  | 'policy-mismatch'
  | 'no-account-name'
  | OtpErrorCode;

export interface EnrollError {
  code: EnrollErrorCode;
  /** Short English detail for logs and tests; never contains the secret. */
  detail?: string;
}

const ALGORITHMS: Record<string, Algorithm> = {
  SHA1: 'SHA1',
  HMACSHA1: 'SHA1',
  SHA256: 'SHA256',
  HMACSHA256: 'SHA256',
  SHA512: 'SHA512',
  HMACSHA512: 'SHA512',
};

/** Manual mode's list items read like "Algorithm: SHA1": keep the value after the label. */
function valueOf(text: string | null): string | null {
  if (text == null) return null;
  const v = text.includes(':') ? text.slice(text.lastIndexOf(':') + 1) : text;
  return v.trim() || null;
}

/** The first integer in a list item ("Interval: 30", "Digits: 8"), or null. */
function numberOf(text: string | null): number | null {
  const match = /\d+/.exec(valueOf(text) ?? '');
  return match ? Number(match[0]) : null;
}

export function crossCheck(e: EnrollmentEvidence): Result<OtpAccount, EnrollError> {
  if (e.hiddenSecret == null || e.hiddenSecret === '') {
    return err({ code: 'no-secret', detail: 'the setup form has no totpSecret field' });
  }
  // Keycloak's hidden field is the raw secret in ASCII; the authenticator key is its base32.
  const fromHidden = base32FromBytes(new TextEncoder().encode(e.hiddenSecret));

  let account: OtpAccount;
  if (e.qrText != null) {
    const parsed = parseOtpauthUri(e.qrText);
    if (!parsed.ok) {
      return err(
        parsed.error.code === 'not-otpauth'
          ? { code: 'qr-not-otpauth', detail: 'the QR code is not an authenticator (otpauth) code' }
          : parsed.error,
      );
    }
    account = parsed.value;
  } else if (e.qrUnreadable) {
    return err({ code: 'qr-unreadable', detail: 'the QR code image could not be read' });
  } else if (e.manual) {
    const fromManual = manualAccount(e.manual, e.fallbackIssuer, e.fallbackAccountName);
    if (!fromManual.ok) return fromManual;
    account = fromManual.value;
  } else {
    return err({ code: 'qr-unreadable', detail: 'the page shows neither a QR code nor a key' });
  }

  if (account.secret !== fromHidden) {
    return err({ code: 'secret-mismatch', detail: 'the QR code and the form carry different secrets' });
  }
  if (e.manual) {
    const mismatch = manualMismatch(e.manual, account);
    if (mismatch) return err({ code: 'policy-mismatch', detail: mismatch });
  }
  return ok(account);
}

function manualAccount(m: ManualInfo, issuer: string, accountName: string | null): Result<OtpAccount, EnrollError> {
  const secret = parseBase32Secret(m.key);
  if (!secret.ok) return err(secret.error);
  if (!accountName) return err({ code: 'no-account-name', detail: 'manual mode shows no user name' });
  // The type's wording is translated ("Time-based", "Basé sur le temps"); which list item is
  // present (period or counter) is not.
  const kind = m.counter != null && m.period == null ? 'hotp' : 'totp';
  const algorithm = ALGORITHMS[(valueOf(m.algorithm) ?? 'SHA1').toUpperCase()];
  if (!algorithm) return err({ code: 'unknown-algorithm', detail: 'manual mode lists an unknown algorithm' });
  const digits = numberOf(m.digits) ?? 6;
  const period = numberOf(m.period) ?? 30;
  const counter = numberOf(m.counter) ?? 0;
  // Re-validate through the URI parser: one set of rules for digits, period and counter.
  let uri: string;
  try {
    uri =
      `otpauth://${kind}/${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}` +
      `?secret=${secret.value}&issuer=${encodeURIComponent(issuer)}&algorithm=${algorithm}&digits=${digits}` +
      (kind === 'hotp' ? `&counter=${counter}` : `&period=${period}`);
  } catch {
    // encodeURIComponent throws on a lone UTF-16 surrogate: the user name comes from the page.
    return err({ code: 'bad-label', detail: 'the user name or issuer contains an invalid character' });
  }
  const parsed = parseOtpauthUri(uri);
  return parsed.ok ? ok(parsed.value) : err(parsed.error);
}

/** Names the first manual-mode value that contradicts the account, or null when all agree. */
function manualMismatch(m: ManualInfo, a: OtpAccount): string | null {
  const key = parseBase32Secret(m.key);
  if (!key.ok || key.value !== a.secret) return 'the displayed key differs from the secret';
  const algorithm = valueOf(m.algorithm);
  if (algorithm && ALGORITHMS[algorithm.toUpperCase()] !== a.algorithm) return 'the displayed algorithm differs';
  const digits = numberOf(m.digits);
  if (digits != null && digits !== a.digits) return 'the displayed number of digits differs';
  const period = numberOf(m.period);
  if (a.kind === 'totp' && period != null && period !== a.period) return 'the displayed period differs';
  const counter = numberOf(m.counter);
  if (a.kind === 'hotp' && counter != null && counter !== a.counter) return 'the displayed counter differs';
  return null;
}
