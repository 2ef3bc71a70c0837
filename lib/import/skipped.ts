/**
 * One entry of an export or backup that cannot be imported, and why, whatever app wrote it
 * (Google Authenticator, Aegis, 2FAS, Bitwarden, the Authenticator extension): the preview lists
 * it with its reason, and the rest is imported.
 */
import type { Result } from '../util/result';
import { err } from '../util/result';
import { accountToUri, parseOtpauthUri, type OtpAccount, type OtpErrorCode } from '../otp/otp';

/**
 * `md5`: an MD5 key (Keycloak and RFC 6238 know none); `unknown-type`: neither HOTP nor TOTP
 * (Steam, Yandex, mOTP, an unspecified type: guessing would give wrong codes); `bad-secret`:
 * missing, not base32, or under 80 bits; `bad-digits`, `unknown-algorithm`, `bad-period`,
 * `bad-counter` (outside 0..2^53-1): what the code needs is out of range; `bad-name`: no account
 * name once the issuer prefix is removed; `encrypted`: this one entry is encrypted and the file
 * gives no way to open it.
 */
export type SkipReason =
  | 'md5'
  | 'unknown-type'
  | 'bad-secret'
  | 'bad-digits'
  | 'unknown-algorithm'
  | 'bad-period'
  | 'bad-counter'
  | 'bad-name'
  | 'encrypted';

export interface Skipped {
  name: string;
  issuer: string;
  reason: SkipReason;
}

/** Maps what {@link parseOtpauthUri} can still object to onto the skip reasons. */
const SKIP_FOR: Partial<Record<OtpErrorCode, SkipReason>> = {
  'missing-secret': 'bad-secret',
  'invalid-base32': 'bad-secret',
  'secret-too-short': 'bad-secret',
  'unknown-algorithm': 'unknown-algorithm',
  'unknown-type': 'unknown-type',
  'bad-digits': 'bad-digits',
  'bad-period': 'bad-period',
  'bad-counter': 'bad-counter',
  'bad-label': 'bad-name',
  'issuer-mismatch': 'bad-name',
};

/** Why an entry is skipped, for what {@link parseOtpauthUri} objects to in its URI. */
export const skipReasonFor = (code: OtpErrorCode): SkipReason => SKIP_FOR[code] ?? 'bad-secret';

/** A lone UTF-16 surrogate: JSON can carry one (`"\ud800"`), a URI cannot (encodeURIComponent throws). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The account as the background will see it: through the same URI parser, so that an imported
 * account is one the background accepts, or the reason it would not.
 */
export function checkedAccount(account: OtpAccount): Result<OtpAccount, Skipped> {
  const skip = (reason: SkipReason) => err({ name: account.accountName, issuer: account.issuer, reason });
  if (LONE_SURROGATE.test(account.issuer) || LONE_SURROGATE.test(account.accountName)) return skip('bad-name');
  const parsed = parseOtpauthUri(accountToUri(account));
  return parsed.ok ? parsed : skip(skipReasonFor(parsed.error.code));
}

/**
 * Splits a name as authenticator apps show it: an `Issuer:account` name without an issuer field
 * gives the issuer; with one, a repeated `Issuer:` prefix is removed.
 */
export function splitName(rawName: string, rawIssuer: string): { issuer: string; name: string } {
  const issuer = rawIssuer.trim();
  if (issuer !== '') {
    const name = rawName.startsWith(`${issuer}:`) ? rawName.slice(issuer.length + 1) : rawName;
    return { issuer, name: name.trim() };
  }
  const colon = rawName.indexOf(':');
  if (colon < 0) return { issuer: '', name: rawName.trim() };
  return { issuer: rawName.slice(0, colon).trim(), name: rawName.slice(colon + 1).trim() };
}
