/**
 * OTP core: Base32 secrets, `otpauth://` URIs and HOTP/TOTP codes.
 *
 * Pure: no browser globals, so it runs unchanged in the background script and in plain Node
 * for unit tests. The HMAC and dynamic truncation come from `otpauth`; everything around them
 * (parsing, validation) is done here so that every malformed input becomes a specific
 * {@link OtpError} value instead of an exception thrown from inside the library.
 *
 * One file for secrets, URIs and codes because they are one set of rules: {@link validateParams}
 * applies the URI parser's rules to params built elsewhere and {@link codeForStep} runs it before
 * every code, so the three sections share private helpers (`fail`, `parseAlgorithm`, the range
 * checks) and one error type.
 *
 * @see [RFC 4226 HOTP](https://datatracker.ietf.org/doc/html/rfc4226)
 * @see [RFC 6238 TOTP](https://datatracker.ietf.org/doc/html/rfc6238)
 * @see [RFC 4648 §6 Base32](https://datatracker.ietf.org/doc/html/rfc4648#section-6)
 * @see [Key URI format](https://github.com/google/google-authenticator/wiki/Key-Uri-Format)
 */
import { HOTP, Secret } from 'otpauth';
import { err, ok, type Result } from '../util/result';

/** HMAC hash of RFC 6238 §1.2; Keycloak offers exactly these three (RFC 4226 itself is SHA-1 only). */
export type Algorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** `totp` (RFC 6238, time-based, Keycloak's default) or `hotp` (RFC 4226, counter-based). */
export type OtpKind = 'totp' | 'hotp';

declare const base32Brand: unique symbol;

/**
 * An RFC 4648 Base32 secret in canonical form: upper case A-Z2-7 only, no spaces, no `=`
 * padding. Branded so that a raw secret (Keycloak's hidden `totpSecret`), a display string with
 * spaces, or any other string cannot be passed where the authenticator key is expected.
 * Obtain one from {@link parseBase32Secret} or {@link base32FromBytes}.
 */
export type Base32Secret = string & { readonly [base32Brand]: true };

/**
 * Everything needed to compute a code. `period` (seconds, default 30) is used by TOTP only and
 * `counter` (default 0) by HOTP only; the other one keeps its default.
 */
export interface OtpParams {
  kind: OtpKind;
  secret: Base32Secret;
  algorithm: Algorithm;
  digits: number;
  period: number;
  counter: number;
}

/**
 * One authenticator entry as described by an `otpauth://` URI. `issuer` is '' when the URI
 * names none (Keycloak always sets it to the realm's display name).
 */
export interface OtpAccount extends OtpParams {
  issuer: string;
  accountName: string;
}

/** Why a secret or URI was rejected; one code per thing the user (or the page) got wrong. */
export type OtpErrorCode =
  | 'not-otpauth'
  | 'unknown-type'
  | 'missing-secret'
  | 'invalid-base32'
  | 'secret-too-short'
  | 'unknown-algorithm'
  | 'bad-digits'
  | 'bad-period'
  | 'bad-counter'
  | 'bad-label'
  | 'issuer-mismatch';

/**
 * A rejected secret or URI. `detail` is a short English hint for the UI; it never contains the
 * secret (nor any character of it), because error messages end up in logs and screenshots.
 */
export interface OtpError {
  code: OtpErrorCode;
  detail?: string;
}

const fail = (code: OtpErrorCode, detail?: string): { ok: false; error: OtpError } =>
  err(detail === undefined ? { code } : { code, detail });

// ---------------------------------------------------------------------------------------------
// Base32 secrets
// ---------------------------------------------------------------------------------------------

const BASE32_ALPHABET = /^[A-Z2-7]$/;
/** Spaces, NBSP, tabs, newlines and hyphens are display grouping, not data. */
const SEPARATOR = /[\s-]/;
/** Remainders of (length mod 8) that no whole number of bytes produces (RFC 4648 §6). */
const IMPOSSIBLE_REMAINDERS = new Set([1, 3, 6]);
/** RFC 4226 §4 R6 requires 128 bits and recommends 160; 80 bits is the floor we still accept. */
const MIN_SECRET_CHARS = 16;

/**
 * Parses a Base32 authenticator key as typed or copied by a user into canonical form.
 *
 * Accepts what real pages show: Keycloak's manual mode groups the key in fours
 * (`IFYT G22Q HF3E ...`), other sites use hyphens or lower case, some add `=` padding.
 * Rejects an empty key (`missing-secret`), characters outside RFC 4648's A-Z2-7, misplaced or
 * wrong-length padding and lengths no byte string encodes to (`invalid-base32`), and keys under
 * 80 bits, i.e. fewer than 16 characters (`secret-too-short`), which are typing mistakes
 * rather than real keys (RFC 4226 §4 asks for at least 128 bits).
 */
export function parseBase32Secret(input: string): Result<Base32Secret, OtpError> {
  let data = '';
  let padding = 0;
  let position = 0;
  for (const char of input) {
    position += 1;
    if (SEPARATOR.test(char)) continue;
    if (char === '=') {
      padding += 1;
      continue;
    }
    const upper = char.toUpperCase();
    if (!BASE32_ALPHABET.test(upper)) {
      // Say where and what kind of character, never which one: it may be part of the secret.
      const hint = /[0189]/.test(char)
        ? 'base32 has no digits 0, 1, 8 or 9 (O, I, B are letters)'
        : 'only letters A-Z and digits 2-7 are allowed';
      return fail('invalid-base32', `character ${position} is not base32: ${hint}`);
    }
    if (padding > 0) return fail('invalid-base32', "'=' padding is only allowed at the end");
    data += upper;
  }
  if (data.length === 0) {
    return fail('missing-secret', padding > 0 ? 'the key contains only padding' : 'the key is empty');
  }
  const remainder = data.length % 8;
  if (IMPOSSIBLE_REMAINDERS.has(remainder)) {
    return fail('invalid-base32', `a base32 key cannot be ${data.length} characters long; a character is missing or extra`);
  }
  if (padding > 0 && padding !== (8 - remainder) % 8) {
    return fail('invalid-base32', "wrong number of '=' padding characters");
  }
  if (data.length < MIN_SECRET_CHARS) {
    return fail('secret-too-short', `the key has ${data.length * 5} bits; at least 80 (16 characters) are required`);
  }
  return ok(data as Base32Secret);
}

/**
 * Encodes raw key bytes as canonical Base32 (RFC 4648, no padding).
 *
 * Keycloak's enrollment form carries the RAW secret in the hidden `totpSecret` input (20 ASCII
 * characters); the authenticator key shown in the QR and in manual mode is Base32 of those
 * bytes. No length check: the caller decides whether the bytes are a plausible key.
 */
export function base32FromBytes(bytes: Uint8Array): Base32Secret {
  // slice() copies into a fresh ArrayBuffer of exactly this length (the input may be a view).
  return new Secret({ buffer: bytes.slice().buffer }).base32 as Base32Secret;
}

// ---------------------------------------------------------------------------------------------
// otpauth:// URIs
// ---------------------------------------------------------------------------------------------

const DEFAULTS = { algorithm: 'SHA1', digits: 6, period: 30, counter: 0 } as const;
const DECIMAL = /^[0-9]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Decodes a percent-encoded string; null when the encoding is malformed (decodeURIComponent throws). */
function percentDecode(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/**
 * Parses an algorithm name. Accepts SHA1/SHA256/SHA512 in any case and the `HmacSHA1` form
 * that older Keycloak versions put in the URI and manual mode (its Java `Mac` algorithm names).
 */
function parseAlgorithm(raw: string): Algorithm | null {
  const match = /^(?:hmac)?(sha1|sha256|sha512)$/i.exec(raw);
  return match?.[1] ? (match[1].toUpperCase() as Algorithm) : null;
}

/**
 * Reads one query parameter (undefined when absent). A duplicated value becomes an error with
 * `code`, a malformed percent-encoding one with `malformedCode` (default `code`).
 */
type ParamReader = (name: string, code: OtpErrorCode, malformedCode?: OtpErrorCode) => Result<string | undefined, OtpError>;

function readQuery(query: string): ParamReader {
  const params = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = percentDecode(eq < 0 ? pair : pair.slice(0, eq));
    if (name === null) continue; // an unknown parameter we could not even name: ignored
    const key = name.toLowerCase();
    const values = params.get(key) ?? [];
    values.push(eq < 0 ? '' : pair.slice(eq + 1));
    params.set(key, values);
  }
  return (name, code, malformedCode = code) => {
    const values = params.get(name);
    if (values === undefined) return ok(undefined);
    // Two values for one setting are ambiguous: taking either could yield wrong codes.
    if (values.length > 1) return fail(code, `${name} given twice`);
    // Query values are form-encoded: some generators write spaces in the issuer as '+'.
    const decoded = percentDecode((values[0] ?? '').replace(/\+/g, ' '));
    if (decoded === null) return fail(malformedCode, `${name} has malformed percent-encoding`);
    return ok(decoded);
  };
}

/**
 * Parses a key URI as found in a QR code (Google's Key URI format, as written by Keycloak:
 * `otpauth://totp/{issuer}:{account}?secret=...&digits=6&algorithm=SHA1&issuer=...&period=30`).
 *
 * Never throws. Rules, each failure with its own {@link OtpErrorCode}:
 * - scheme `otpauth://` in any case (`otpauth-migration://` is a Google Authenticator export,
 *   not an account: `not-otpauth`); type `totp`/`hotp` in any case;
 * - label percent-decoded, split as `Issuer:account` (a space after the colon is allowed);
 *   the `issuer` parameter wins, the label prefix is used when there is none, and both present
 *   but different is `issuer-mismatch` (the URI may be tampered with or mis-generated);
 * - `secret` required and given once, validated by {@link parseBase32Secret};
 * - `algorithm` default SHA1, `digits` integer 6..10 (default 6, RFC 4226 §5.3 needs at least 6
 *   and the 31-bit truncated value has at most 10), `period` integer 1..3600 s (default 30,
 *   RFC 6238 §5.2), HOTP `counter` required non-negative safe integer; TOTP ignores `counter`
 *   and HOTP ignores `period`;
 * - unknown parameters (e.g. `image`) are ignored.
 */
export function parseOtpauthUri(uri: string): Result<OtpAccount, OtpError> {
  const text = uri.trim();
  if (/^otpauth-migration:/i.test(text)) {
    return fail(
      'not-otpauth',
      'this is a Google Authenticator export (otpauth-migration://), not a single account: import it as an export',
    );
  }
  if (!/^otpauth:\/\//i.test(text)) return fail('not-otpauth', 'expected a URI starting with otpauth://');

  const withoutFragment = text.slice('otpauth://'.length).split('#', 1)[0] ?? '';
  const questionMark = withoutFragment.indexOf('?');
  const path = questionMark < 0 ? withoutFragment : withoutFragment.slice(0, questionMark);
  const query = questionMark < 0 ? '' : withoutFragment.slice(questionMark + 1);
  const slash = path.indexOf('/');
  const rawType = (slash < 0 ? path : path.slice(0, slash)).toLowerCase();
  const rawLabel = slash < 0 ? '' : path.slice(slash + 1);

  if (rawType !== 'totp' && rawType !== 'hotp') {
    return fail('unknown-type', 'the type after otpauth:// must be totp or hotp');
  }
  const kind: OtpKind = rawType;
  const param = readQuery(query);

  // Secret first: without it nothing else matters.
  const rawSecret = param('secret', 'invalid-base32');
  if (!rawSecret.ok) return rawSecret;
  if (rawSecret.value === undefined) return fail('missing-secret', 'the URI has no secret parameter');
  const secret = parseBase32Secret(rawSecret.value);
  if (!secret.ok) return secret;

  const rawAlgorithm = param('algorithm', 'unknown-algorithm');
  if (!rawAlgorithm.ok) return rawAlgorithm;
  const algorithm = parseAlgorithm(rawAlgorithm.value ?? DEFAULTS.algorithm);
  if (algorithm === null) return fail('unknown-algorithm', 'algorithm must be SHA1, SHA256 or SHA512');

  const rawDigits = param('digits', 'bad-digits');
  if (!rawDigits.ok) return rawDigits;
  const digits = rawDigits.value === undefined ? DEFAULTS.digits : decimalIn(rawDigits.value, 6, 10);
  if (digits === null) return fail('bad-digits', 'digits must be a whole number from 6 to 10');

  let period: number = DEFAULTS.period;
  let counter: number = DEFAULTS.counter;
  if (kind === 'totp') {
    const rawPeriod = param('period', 'bad-period');
    if (!rawPeriod.ok) return rawPeriod;
    const parsed = rawPeriod.value === undefined ? DEFAULTS.period : decimalIn(rawPeriod.value, 1, 3600);
    if (parsed === null) return fail('bad-period', 'period must be a whole number of seconds from 1 to 3600');
    period = parsed;
  } else {
    const rawCounter = param('counter', 'bad-counter');
    if (!rawCounter.ok) return rawCounter;
    if (rawCounter.value === undefined) return fail('bad-counter', 'an hotp URI needs a counter parameter');
    const parsed = decimalIn(rawCounter.value, 0, Number.MAX_SAFE_INTEGER);
    if (parsed === null) return fail('bad-counter', 'counter must be a whole number from 0 to 2^53-1');
    counter = parsed;
  }

  const label = percentDecode(rawLabel);
  if (label === null) return fail('bad-label', 'the label has malformed percent-encoding');
  // Two issuer parameters are a conflict; a malformed one is as broken as a malformed label.
  const rawIssuer = param('issuer', 'issuer-mismatch', 'bad-label');
  if (!rawIssuer.ok) return rawIssuer;
  const paramIssuer = rawIssuer.value?.trim() || undefined;
  const { labelIssuer, accountName } = splitLabel(label, paramIssuer);
  if (labelIssuer !== '' && paramIssuer !== undefined && labelIssuer !== paramIssuer) {
    return fail('issuer-mismatch', `the label says "${labelIssuer}" but the issuer parameter says "${paramIssuer}"`);
  }
  if (accountName === '') return fail('bad-label', 'the label has no account name');
  // A lone UTF-16 surrogate (possible unencoded in a raw URI) would make encodeURIComponent
  // throw in accountToUri later: reject it here, where it can still be reported.
  if (LONE_SURROGATE.test(label) || LONE_SURROGATE.test(paramIssuer ?? '')) {
    return fail('bad-label', 'the label or issuer contains an invalid character');
  }

  return ok({
    kind,
    secret: secret.value,
    algorithm,
    digits,
    period,
    counter,
    issuer: paramIssuer ?? labelIssuer,
    accountName,
  });
}

/** Parses decimal digits only (no sign, point, exponent or spaces) within [min, max]. */
function decimalIn(raw: string, min: number, max: number): number | null {
  if (!DECIMAL.test(raw)) return null;
  const value = Number(raw);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : null;
}

/**
 * Splits a decoded label `Issuer:account`. When the issuer parameter is known and the label
 * starts with it, split right after it, so an issuer that itself contains ':' still matches.
 */
function splitLabel(label: string, paramIssuer: string | undefined): { labelIssuer: string; accountName: string } {
  if (paramIssuer !== undefined && label.startsWith(`${paramIssuer}:`)) {
    return { labelIssuer: paramIssuer, accountName: label.slice(paramIssuer.length + 1).trim() };
  }
  const colon = label.indexOf(':');
  if (colon < 0) return { labelIssuer: '', accountName: label.trim() };
  return { labelIssuer: label.slice(0, colon).trim(), accountName: label.slice(colon + 1).trim() };
}

/**
 * Writes an account back as a key URI that {@link parseOtpauthUri} reads back to an equal
 * account (for accounts it produced): label `Issuer:accountName` percent-encoded (Keycloak
 * style, `@` as `%40`), then `secret`, `issuer`, `algorithm`, `digits` and `period` (TOTP) or
 * `counter` (HOTP). Without an issuer, an account name containing ':' gets an empty issuer
 * prefix (`:a%3Ab`) so that its colon is not mistaken for the separator.
 */
export function accountToUri(account: OtpAccount): string {
  const enc = encodeURIComponent;
  const name = enc(account.accountName);
  let label: string;
  if (account.issuer !== '') label = `${enc(account.issuer)}:${name}`;
  else label = account.accountName.includes(':') ? `:${name}` : name;
  const params = [`secret=${account.secret}`];
  if (account.issuer !== '') params.push(`issuer=${enc(account.issuer)}`);
  params.push(`algorithm=${account.algorithm}`, `digits=${account.digits}`);
  params.push(account.kind === 'totp' ? `period=${account.period}` : `counter=${account.counter}`);
  return `otpauth://${account.kind}/${label}?${params.join('&')}`;
}

// ---------------------------------------------------------------------------------------------
// Codes
// ---------------------------------------------------------------------------------------------

/**
 * Checks params built outside {@link parseOtpauthUri} (e.g. by an import format) against the
 * same rules, so that they can safely be passed to {@link codeAt} / {@link codeForStep}.
 */
export function validateParams(params: OtpParams): Result<OtpParams, OtpError> {
  if (params.kind !== 'totp' && params.kind !== 'hotp') return fail('unknown-type', 'kind must be totp or hotp');
  const secret = parseBase32Secret(params.secret);
  if (!secret.ok) return secret;
  if (secret.value !== params.secret) return fail('invalid-base32', 'the key is not in canonical form');
  if (parseAlgorithm(params.algorithm) !== params.algorithm) {
    return fail('unknown-algorithm', 'algorithm must be SHA1, SHA256 or SHA512');
  }
  if (!isIntIn(params.digits, 6, 10)) return fail('bad-digits', 'digits must be a whole number from 6 to 10');
  if (!isIntIn(params.period, 1, 3600)) return fail('bad-period', 'period must be a whole number of seconds from 1 to 3600');
  if (!isIntIn(params.counter, 0, Number.MAX_SAFE_INTEGER)) return fail('bad-counter', 'counter must be a whole number from 0 to 2^53-1');
  return ok(params);
}

const isIntIn = (n: number, min: number, max: number): boolean => Number.isSafeInteger(n) && n >= min && n <= max;

/**
 * The code for one moving factor: the TOTP time step T = floor(t / period) (RFC 6238 §4.2) or
 * the HOTP counter C (RFC 4226 §5.3), as an 8-byte big-endian counter, HMAC, dynamic
 * truncation, left-padded with zeros to `digits` (10 digits: the 31-bit value, zero-padded).
 * Steps beyond 2^32 (year 2106 and later for 30 s, RFC 6238's t=20000000000 vector) are encoded
 * on all 8 bytes by otpauth.
 *
 * Throws RangeError (without the secret in the message) only for a programming error: params
 * that {@link validateParams} would reject, or a step that is not a safe non-negative integer.
 */
export function codeForStep(params: OtpParams, step: number): string {
  const valid = validateParams(params);
  if (!valid.ok) throw new RangeError(`invalid OTP params: ${valid.error.code}`);
  if (!isIntIn(step, 0, Number.MAX_SAFE_INTEGER)) throw new RangeError('step must be a safe non-negative integer');
  return HOTP.generate({
    secret: Secret.fromBase32(params.secret),
    algorithm: params.algorithm,
    digits: params.digits,
    counter: step,
  });
}

/**
 * The moving factor in effect at `nowMs` (Unix milliseconds): for TOTP the time step
 * floor(nowMs / 1000 / period) (RFC 6238 §4.2, T0 = 0); for HOTP the stored counter, so that
 * `codeForStep(p, stepAt(p, now) + 1)` is the next code for both kinds (Keycloak 20+ rejects a
 * reused code, so a second login inside one step needs the next one).
 */
export function stepAt(params: OtpParams, nowMs: number): number {
  if (params.kind === 'hotp') return params.counter;
  return Math.floor(nowMs / 1000 / params.period);
}

/**
 * The code to type at `nowMs`: TOTP code for the step containing `nowMs`, HOTP code for
 * `params.counter` (the caller advances the counter after use; RFC 4226 §7.2).
 */
export function codeAt(params: OtpParams, nowMs: number): string {
  return codeForStep(params, stepAt(params, nowMs));
}

/**
 * Whole seconds until the next TOTP step starts, rounded up: an integer in 1..period (exactly
 * `period` on a step boundary, 1 during the last second). For HOTP, which has no expiry, it is
 * computed the same way from `period` and has no meaning for the code.
 */
export function secondsLeft(params: OtpParams, nowMs: number): number {
  const periodMs = params.period * 1000;
  const intoStep = ((nowMs % periodMs) + periodMs) % periodMs; // also correct before 1970
  return Math.max(1, Math.min(params.period, Math.ceil((periodMs - intoStep) / 1000)));
}
