/**
 * Shared pieces of the property-based suites (`*.property.test.ts`: input from pages, QR
 * codes, files and storage, which anyone can shape):
 * hostile string generators, a string mutator, the documented error-code unions as runtime lists
 * (checked against the TypeScript unions, so a new code cannot be forgotten here), and the run
 * counts.
 *
 * Seeds: fast-check picks a random seed per run and prints it with the shrunk counterexample on
 * failure; replay with `FC_SEED=<seed> npx vitest run tests/unit/<file>`. `FC_RUNS_SCALE` scales
 * every case count (e.g. 10 for a long local fuzzing session, 0.1 for a quick check).
 */
import fc from 'fast-check';
import type { OtpErrorCode } from '../../lib/otp/otp';
import type { VaultErrorCode } from '../../lib/vault/envelope';
import type { EnrollErrorCode } from '../../lib/keycloak/setup-check';
import type { MigrationErrorCode } from '../../lib/import/google-migration';
import type { SkipReason } from '../../lib/import/skipped';
import type { AppErrorCode } from '../../lib/protocol/errors';
import type { QrErrorCode } from '../../lib/otp/qr';

const scale = Number(process.env.FC_RUNS_SCALE ?? '1');
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

/** fast-check parameters for `n` cases (scaled by FC_RUNS_SCALE, replayable with FC_SEED). */
export function runs(n: number): { numRuns: number; seed?: number } {
  const numRuns = Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
  return seed === undefined ? { numRuns } : { numRuns, seed };
}

// ---------------------------------------------------------------------------------------------
// Error codes as runtime lists, each checked both ways against its union.

/** Compile-time check that the list holds every member of `U` and nothing else. */
type Complete<U, T extends readonly U[]> = [Exclude<U, T[number]>] extends [never] ? unknown : { missing: Exclude<U, T[number]> };
const exactly =
  <U extends string>() =>
  <const T extends readonly U[]>(list: T & Complete<U, T>): ReadonlySet<string> =>
    new Set<string>(list);

export const OTP_CODES = exactly<OtpErrorCode>()([
  'not-otpauth', 'unknown-type', 'missing-secret', 'invalid-base32', 'secret-too-short', 'unknown-algorithm',
  'bad-digits', 'bad-period', 'bad-counter', 'bad-label', 'issuer-mismatch',
]);
export const VAULT_CODES = exactly<VaultErrorCode>()([
  'weak-passphrase', 'wrong-passphrase', 'corrupt', 'unsupported-version', 'not-a-vault',
]);
export const ENROLL_CODES = exactly<EnrollErrorCode>()([
  'qr-unreadable', 'qr-not-otpauth', 'no-secret', 'secret-mismatch', 'policy-mismatch', 'no-account-name',
  'not-otpauth', 'unknown-type', 'missing-secret', 'invalid-base32', 'secret-too-short', 'unknown-algorithm',
  'bad-digits', 'bad-period', 'bad-counter', 'bad-label', 'issuer-mismatch',
]);
export const MIGRATION_CODES = exactly<MigrationErrorCode>()(['not-migration', 'bad-base64', 'bad-protobuf', 'empty']);
export const SKIP_REASONS = exactly<SkipReason>()([
  'md5', 'unknown-type', 'bad-secret', 'bad-digits', 'unknown-algorithm', 'bad-period', 'bad-counter', 'bad-name', 'encrypted',
]);
export const QR_CODES = exactly<QrErrorCode>()(['too-large', 'empty-image', 'not-found']);
export const APP_CODES = exactly<AppErrorCode>()([
  'weak-passphrase', 'wrong-passphrase', 'corrupt', 'unsupported-version', 'not-a-vault',
  'qr-unreadable', 'qr-not-otpauth', 'no-secret', 'secret-mismatch', 'policy-mismatch', 'no-account-name',
  'not-otpauth', 'unknown-type', 'missing-secret', 'invalid-base32', 'secret-too-short', 'unknown-algorithm',
  'bad-digits', 'bad-period', 'bad-counter', 'bad-label', 'issuer-mismatch',
  'not-keycloak', 'bad-origin', 'locked', 'no-vault', 'vault-exists', 'passphrase-mismatch', 'bad-request',
  'forbidden', 'storage-failed', 'not-found', 'invalid-url', 'not-https', 'platform-exists', 'built-in-platform',
  'permission-refused', 'backup-too-large', 'account-exists',
  'policy-enforced', 'not-damaged', 'internal',
]);

/**
 * A `Result` that failed must be exactly `{ ok: false, error: { code, detail? } }` with a code from
 * `codes`; one that succeeded, `{ ok: true, value }`. Returns a description of what is wrong, or null.
 */
export function badResult(r: unknown, codes: ReadonlySet<string>): string | null {
  if (typeof r !== 'object' || r === null) return `not an object: ${String(r)}`;
  const o = r as Record<string, unknown>;
  if (o.ok === true) return 'value' in o ? null : 'ok without value';
  if (o.ok !== false) return `ok is ${String(o.ok)}`;
  const e = o.error as Record<string, unknown> | undefined;
  if (typeof e !== 'object' || e === null) return 'error is not an object';
  if (typeof e.code !== 'string' || !codes.has(e.code)) return `unknown error code ${String(e.code)}`;
  if (e.detail !== undefined && typeof e.detail !== 'string') return 'detail is not a string';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Hostile strings

/** Characters that break parsers: separators of URIs and JSON, encodings, invisible and bidi marks. */
const NASTY = [
  '%', '%%', '%0', '%ZZ', '%00', '%0A', '%E2%82', '%ED%A0%80', '%C0%AF', '%FF', '%2F', '%3A', '%40', '%25', '%2B',
  '?', '&', '=', '#', ':', '/', '//', '\\', '+', ' ', '\t', '\n', '\r\n', '\u0000', '\u007f', '\u0085', '\u00a0',
  '\u200b', '\u200e', '\u202e', '\u2028', '\ufeff', '\ufffd', '\u{1f600}', 'é', 'e\u0301', 'ß', 'İ', 'ﬃ',
  '"', "'", '<', '>', '`', '${', '{', '}', '[', ']', '__proto__', 'constructor', 'null', 'NaN', '-0', '1e309',
];

/** One unit: any code point, a lone surrogate, a C0/C1 control, or a nasty token. */
export const hostileUnit: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f).map((c) => String.fromCharCode(c)), weight: 1 },
  { arbitrary: fc.constantFrom(...NASTY), weight: 3 },
);

/** A short hostile string (units, not UTF-16 code units, are counted). */
export const hostileString = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: hostileUnit, maxLength });

/** Sometimes huge: a hostile string repeated up to `maxRepeat` times (megabytes are not needed to find bugs). */
export const maybeHuge = (arb: fc.Arbitrary<string>, maxRepeat = 5000): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: arb, weight: 9 },
    { arbitrary: fc.tuple(arb, fc.integer({ min: 100, max: maxRepeat })).map(([s, n]) => (s || 'A').repeat(n)), weight: 1 },
  );

/** One edit of a string; `pos`/`len` are reduced modulo the string's length when applied. */
export type Edit =
  | { op: 'insert'; pos: number; text: string }
  | { op: 'delete'; pos: number; len: number }
  | { op: 'replace'; pos: number; len: number; text: string }
  | { op: 'duplicate'; pos: number; len: number }
  | { op: 'percent'; pos: number; len: number }
  | { op: 'case'; pos: number; len: number; upper: boolean }
  | { op: 'truncate'; pos: number }
  | { op: 'huge'; pos: number; len: number; times: number };

export const editArb = (text: fc.Arbitrary<string> = hostileString(8)): fc.Arbitrary<Edit> => {
  const pos = fc.nat({ max: 1 << 16 });
  const len = fc.nat({ max: 64 });
  const w = <T>(arbitrary: fc.Arbitrary<T>, weight: number) => ({ arbitrary, weight });
  return fc.oneof(
    w(fc.record({ op: fc.constant('insert' as const), pos, text }), 4),
    w(fc.record({ op: fc.constant('delete' as const), pos, len }), 3),
    w(fc.record({ op: fc.constant('replace' as const), pos, len, text }), 4),
    w(fc.record({ op: fc.constant('duplicate' as const), pos, len }), 2),
    w(fc.record({ op: fc.constant('percent' as const), pos, len }), 2),
    w(fc.record({ op: fc.constant('case' as const), pos, len, upper: fc.boolean() }), 2),
    w(fc.record({ op: fc.constant('truncate' as const), pos }), 1),
    w(fc.record({ op: fc.constant('huge' as const), pos, len: fc.integer({ min: 1, max: 8 }), times: fc.integer({ min: 10, max: 2000 }) }), 1),
  );
};

/** Percent-encodes every UTF-16 unit as UTF-8 bytes (lone surrogates as their WTF-8 bytes). */
function percentAll(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const bytes =
      c < 0x80 ? [c] : c < 0x800 ? [0xc0 | (c >> 6), 0x80 | (c & 63)] : [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)];
    out += bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

export function applyEdit(s: string, e: Edit): string {
  const at = e.pos % (s.length + 1);
  const end = 'len' in e ? Math.min(s.length, at + e.len) : at;
  switch (e.op) {
    case 'insert':
      return s.slice(0, at) + e.text + s.slice(at);
    case 'delete':
      return s.slice(0, at) + s.slice(end);
    case 'replace':
      return s.slice(0, at) + e.text + s.slice(end);
    case 'duplicate':
      return s.slice(0, end) + s.slice(at, end) + s.slice(end);
    case 'percent':
      return s.slice(0, at) + percentAll(s.slice(at, end)) + s.slice(end);
    case 'case': {
      const part = s.slice(at, end);
      return s.slice(0, at) + (e.upper ? part.toUpperCase() : part.toLowerCase()) + s.slice(end);
    }
    case 'truncate':
      return s.slice(0, at);
    case 'huge':
      return s.slice(0, end) + s.slice(at, end).repeat(e.times) + s.slice(end);
  }
}

/** A string with 1 to `max` random edits applied. */
export const mutated = (base: fc.Arbitrary<string>, max = 4, text?: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(base, fc.array(editArb(text), { minLength: 1, maxLength: max })).map(([s, edits]) => edits.reduce(applyEdit, s));

// ---------------------------------------------------------------------------------------------
// Encodings of a secret, to scan replies and logs for it

/** Every spelling of a key we look for: base32 (any case), hex, base64/base64url of its bytes. */
export function secretSpellings(base32: string, bytes: Uint8Array): string[] {
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  const b64 = Buffer.from(bytes).toString('base64');
  const b64url = Buffer.from(bytes).toString('base64url');
  return [base32, base32.toLowerCase(), hex, hex.toUpperCase(), b64.replace(/=+$/, ''), b64url];
}
