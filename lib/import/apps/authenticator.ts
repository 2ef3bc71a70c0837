/**
 * The backup file of the "Authenticator" browser extension (authenticator.cc, repository
 * Authenticator-Extension/Authenticator), `authenticator.json`: its storage as one JSON object,
 * each account under its hash (a UUID, an MD5 hex in old versions):
 *
 *   { "<hash>": { "dataType": "OTPStorage", "encrypted": false, "hash": "<hash>", "index": 0,
 *                 "type": "totp", "secret": "JBSW...", "issuer": "...", "account": "...",
 *                 "counter": 3, "period": 60, "digits": 8, "algorithm": "SHA256", "pinned": true } }
 *
 * Facts from its source (src/models/storage.ts `getOTPStorageFromEntry`, `backupGetExport`,
 * `import`; src/models/otp.ts; src/models/key-utilities.ts; src/components/Popup/BackupPage.vue):
 * `type` is the name of its OTPType (totp, hotp, battle, steam, hex, hhex); `algorithm` the name of
 * its OTPAlgorithm (SHA1, SHA256, SHA512, GOST3411_2012_256, GOST3411_2012_512), left out for SHA1;
 * `counter` only for hotp/hhex, `period` left out when 30 and used for totp only, `digits` left out
 * when 6, a missing or zero value meaning the default. `hex`/`hhex` are TOTP/HOTP whose secret is
 * the key in hexadecimal. `battle` (Battle.net) and `steam` are read as unknown types.
 *
 * Encrypted backups hold `{ dataType: "EncOTPStorage", keyId, data, index }` entries (version 3)
 * or entries with `encrypted: true` whose secret is ciphertext (version 2), plus the key material
 * (`key: { enc, hash }`, or `{ dataType: "Key", id, salt, ... }` records). Opening them would mean
 * reimplementing the extension's key derivation; the user can export again without encryption
 * (the extension offers it, and its otpauth text export, which the popup already imports).
 *
 * Pure: no browser globals.
 */
import { accountToUri, base32FromBytes, parseBase32Secret, type Algorithm, type Base32Secret, type OtpAccount } from '../../otp/otp';
import { checkedAccount, splitName, type SkipReason, type Skipped } from '../skipped';
import { err, isRecord, ok, type Result } from '../../util/result';
import type { AppFileError, AppFileErrorCode, AppFileImport } from './app-file';
import { fromHex } from './app-crypto';

/** Top-level keys that are settings or key material, never accounts. */
const NOT_ACCOUNTS = new Set(['key', 'UserSettings', 'LocalStorage']);

const fail = (code: AppFileErrorCode, detail: string): { ok: false; error: AppFileError } =>
  err({ code, format: 'authenticator', detail });

/** An account in clear (`secret` is text) or with a version 2 encrypted secret. */
const isPlainEntry = (v: unknown): v is Record<string, unknown> =>
  isRecord(v) && typeof v.secret === 'string' && (typeof v.type === 'string' || typeof v.encrypted === 'boolean');

/** A version 3 encrypted account: everything but its position is ciphertext. */
const isSealedEntry = (v: unknown): v is Record<string, unknown> =>
  isRecord(v) && v.dataType === 'EncOTPStorage' && typeof v.data === 'string';

const isKeyRecord = (v: unknown): boolean => isRecord(v) && v.dataType === 'Key';

/**
 * True when the object is this backup: every value (settings and key material aside) is an
 * object, and at least one is shaped like an account. Other formats have a number, a list or a
 * boolean at the top (Aegis' and our backup's `version`, 2FAS' `services`, Bitwarden's `encrypted`).
 */
export function isAuthenticator(json: Record<string, unknown>): boolean {
  let accounts = 0;
  for (const [key, value] of Object.entries(json)) {
    if (NOT_ACCOUNTS.has(key)) continue;
    if (!isRecord(value)) return false;
    if (isPlainEntry(value) || isSealedEntry(value)) accounts += 1;
  }
  return accounts > 0;
}

interface Row {
  index: number;
  result: Result<OtpAccount, Skipped>;
}

/**
 * The accounts in the extension's own order (`index`; those without one after, in file order).
 * All-or-nothing: a value that is not an account, or an account field of the wrong JSON type,
 * makes the file `damaged`. Encrypted accounts are skipped as `encrypted`; when all are, the
 * file is `encrypted-export`.
 */
export async function readAuthenticator(json: Record<string, unknown>): Promise<Result<AppFileImport, AppFileError>> {
  // Nothing below should throw; if something does, the file is refused, never half read.
  try {
    return readBackup(json);
  } catch {
    return fail('damaged', 'the file could not be read');
  }
}

function readBackup(json: Record<string, unknown>): Result<AppFileImport, AppFileError> {
  const rows: Row[] = [];
  let encrypted = 0;
  let position = 0;
  for (const [key, value] of Object.entries(json)) {
    if (NOT_ACCOUNTS.has(key) || isKeyRecord(value)) continue;
    position += 1;
    const index = isRecord(value) && typeof value.index === 'number' && Number.isFinite(value.index) ? value.index : Infinity;
    if (isSealedEntry(value)) {
      encrypted += 1;
      rows.push({ index, result: err({ name: '', issuer: '', reason: 'encrypted' }) });
      continue;
    }
    if (!isPlainEntry(value)) return fail('damaged', `entry ${position} is not an account`);
    const read = readEntry(value);
    if (!read.ok) return fail('damaged', `entry ${position}: ${read.error}`);
    if (!read.value.ok && read.value.error.reason === 'encrypted') encrypted += 1;
    rows.push({ index, result: read.value });
  }
  if (rows.length === 0) return fail('empty', 'the backup contains no accounts');
  if (encrypted === rows.length) return fail('encrypted-export', 'every account in this backup is encrypted');
  rows.sort((a, b) => (a.index === b.index ? 0 : a.index < b.index ? -1 : 1)); // stable: ties keep file order
  const uris: string[] = [];
  const skipped: Skipped[] = [];
  for (const { result } of rows) {
    if (result.ok) uris.push(accountToUri(result.value));
    else skipped.push(result.error);
  }
  return ok({ format: 'authenticator', uris, skipped });
}

// ---------------------------------------------------------------------------------------------
// One account

/** A text field that may be absent or null (then ''); null when it is some other JSON type. */
function text(value: unknown): string | null {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : null;
}

/**
 * A whole-number field: absent, null or 0 give `fallback` (the extension's `value || default`);
 * null when it is neither a number nor decimal text (the extension coerces "8" with Number()).
 */
function count(value: unknown, fallback: number): number | null {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : null;
  if (n === null) return null;
  return n === 0 ? fallback : n;
}

/**
 * Its OTPAlgorithm by name (as it writes it) or by enum value (as hand-made files may); it has no
 * MD5, but a hand-made file saying so gets the reason that says so.
 */
const ALGORITHMS: ReadonlyMap<string | number, Algorithm | 'GOST' | 'MD5'> = new Map<string | number, Algorithm | 'GOST' | 'MD5'>([
  ['MD5', 'MD5'],
  ['SHA1', 'SHA1'],
  ['SHA256', 'SHA256'],
  ['SHA512', 'SHA512'],
  ['GOST3411_2012_256', 'GOST'],
  ['GOST3411_2012_512', 'GOST'],
  [1, 'SHA1'],
  [2, 'SHA256'],
  [3, 'SHA512'],
  [4, 'GOST'],
  [5, 'GOST'],
]);

function readEntry(entry: Record<string, unknown>): Result<Result<OtpAccount, Skipped>, string> {
  const rawIssuer = text(entry.issuer);
  const rawAccount = text(entry.account);
  if (rawIssuer === null || rawAccount === null) return err('the issuer or account name is not text');
  const { issuer, name } = splitName(rawAccount, rawIssuer);
  const skip = (reason: SkipReason) => ok(err({ name, issuer, reason }));

  if (entry.encrypted !== undefined && entry.encrypted !== null && typeof entry.encrypted !== 'boolean') {
    return err('encrypted is not true or false');
  }
  if (entry.encrypted === true) return skip('encrypted');

  const rawType = text(entry.type);
  const digits = count(entry.digits, 6);
  const period = count(entry.period, 30);
  const counter = count(entry.counter, 0);
  if (rawType === null) return err('the type is not text');
  if (digits === null || period === null || counter === null) return err('digits, period or counter is not a number');
  const rawAlgorithm = entry.algorithm ?? 'SHA1';
  if (typeof rawAlgorithm !== 'string' && typeof rawAlgorithm !== 'number') return err('the algorithm is not text');
  const algorithm = ALGORITHMS.get(typeof rawAlgorithm === 'string' ? rawAlgorithm.toUpperCase() : rawAlgorithm);

  const secret = (entry.secret as string).replace(/\s/g, '');
  const type = kindOf(rawType || 'totp', secret);
  if (type === 'battle' || type === 'steam' || type === null) return skip('unknown-type');
  if (algorithm === 'MD5') return skip('md5');
  if (algorithm === 'GOST' || algorithm === undefined) return skip('unknown-algorithm');
  const key = type === 'hex' || type === 'hhex' ? hexKey(secret) : base32Key(secret);
  if (key === null) return skip('bad-secret');
  const kind = type === 'totp' || type === 'hex' ? 'totp' : 'hotp';
  return ok(
    checkedAccount({
      kind,
      secret: key,
      algorithm,
      digits,
      // The extension times only `totp` entries by their period; `hex` ones always by 30 s.
      period: type === 'totp' ? period : 30,
      counter: kind === 'hotp' ? counter : 0,
      issuer,
      accountName: name,
    }),
  );
}

type EntryType = 'totp' | 'hotp' | 'battle' | 'steam' | 'hex' | 'hhex';

/**
 * The type the extension computes codes for. Its import turns `stm-` and `blz-`/`bliz-` secrets
 * into Steam and Battle.net entries, and TOTP/HOTP secrets that are hex but not base32 into
 * `hex`/`hhex`; an unknown name is null (the extension would guess TOTP: wrong codes, maybe).
 */
function kindOf(rawType: string, secret: string): EntryType | null {
  if (/^stm-/i.test(secret)) return 'steam';
  if (/^(?:blz|bliz)-/i.test(secret)) return 'battle';
  const type = (['totp', 'hotp', 'battle', 'steam', 'hex', 'hhex'] as const).find((t) => t === rawType);
  if (type === undefined) return null;
  const hexOnly = !/^[a-z2-7]+=*$/i.test(secret) && /^[0-9a-f]+$/i.test(secret);
  if (hexOnly && type === 'totp') return 'hex';
  if (hexOnly && type === 'hotp') return 'hhex';
  return type;
}

function base32Key(secret: string): Base32Secret | null {
  const parsed = parseBase32Secret(secret);
  return parsed.ok ? parsed.value : null;
}

/**
 * A hexadecimal key as the extension reads it: an odd number of digits loses a final '0' or
 * gains one (key-utilities.ts), so that the codes are the ones it showed.
 */
function hexKey(secret: string): Base32Secret | null {
  if (!/^[0-9a-f]+$/i.test(secret)) return null;
  const hex = secret.length % 2 === 0 ? secret : secret.endsWith('0') ? secret.slice(0, -1) : `${secret}0`;
  const bytes = hex === '' ? null : fromHex(hex);
  return bytes && base32FromBytes(bytes);
}
