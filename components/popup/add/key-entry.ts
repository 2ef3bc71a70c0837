/**
 * The "Enter a key" form's fields checked one by one with the same rules as `otpauth://` URIs
 * (lib/otp/otp.ts), so each mistake is reported next to the field that holds it, then written as a
 * URI with accountToUri: the background receives the same thing as a pasted link.
 */
import { accountToUri, parseBase32Secret, parseOtpauthUri, validateParams, type Algorithm, type OtpAccount, type OtpErrorCode, type OtpKind } from '@/lib/otp/otp';

export interface KeyFields {
  secret: string;
  issuer: string;
  accountName: string;
  algorithm: Algorithm;
  digits: string;
  period: string;
  kind: OtpKind;
  counter: string;
}

export const DEFAULT_KEY_FIELDS: KeyFields = {
  secret: '',
  issuer: '',
  accountName: '',
  algorithm: 'SHA1',
  digits: '6',
  period: '30',
  kind: 'totp',
  counter: '0',
};

export type KeyField = 'secret' | 'issuer' | 'accountName' | 'digits' | 'period' | 'counter';
/** An OTP error code, or 'missing-account-name' (the URI parser calls that a bad label). */
export type KeyFieldError = OtpErrorCode | 'missing-account-name';
export type KeyErrors = Partial<Record<KeyField, KeyFieldError>>;

/** Whole decimal number in [min, max], or null (no sign, point, exponent). */
function wholeIn(raw: string, min: number, max: number): number | null {
  const text = raw.trim();
  if (!/^[0-9]+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

/** False for text encodeURIComponent throws on (a lone UTF-16 surrogate): it cannot go in a URI. */
function encodable(text: string): boolean {
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

export function buildKeyUri(f: KeyFields): { ok: true; uri: string } | { ok: false; errors: KeyErrors } {
  const errors: KeyErrors = {};
  const secret = parseBase32Secret(f.secret);
  if (!secret.ok) errors.secret = secret.error.code;
  const accountName = f.accountName.trim();
  if (accountName === '') errors.accountName = 'missing-account-name';
  else if (!encodable(accountName)) errors.accountName = 'bad-label';
  const issuer = f.issuer.trim();
  // accountToUri below would throw on these instead of the read-back reporting them.
  if (!encodable(issuer)) errors.issuer = 'bad-label';
  const digits = wholeIn(f.digits, 6, 10);
  if (digits === null) errors.digits = 'bad-digits';
  const period = f.kind === 'totp' ? wholeIn(f.period, 1, 3600) : 30;
  if (period === null) errors.period = 'bad-period';
  const counter = f.kind === 'hotp' ? wholeIn(f.counter, 0, Number.MAX_SAFE_INTEGER) : 0;
  if (counter === null) errors.counter = 'bad-counter';
  if (Object.keys(errors).length > 0 || !secret.ok || digits === null || period === null || counter === null) return { ok: false, errors };

  const account: OtpAccount = {
    kind: f.kind,
    secret: secret.value,
    algorithm: f.algorithm,
    digits,
    period,
    counter,
    issuer,
    accountName,
  };
  const valid = validateParams(account);
  if (!valid.ok) return { ok: false, errors: { secret: valid.error.code } };
  const uri = accountToUri(account);
  // Read back as the background will: catches what only the URI form can get wrong (an
  // invalid character in a name).
  const back = parseOtpauthUri(uri);
  if (!back.ok) {
    const field: KeyField = back.error.code === 'issuer-mismatch' ? 'issuer' : back.error.code === 'bad-label' ? 'accountName' : 'secret';
    return { ok: false, errors: { [field]: back.error.code } };
  }
  return { ok: true, uri };
}
