/**
 * Aegis Authenticator's vault export (docs/vault.md in beemdevelopment/Aegis):
 * `{version, header: {slots, params}, db}`. Plain: `slots` and `params` are null and `db` is the
 * content object; encrypted: `db` is its base64 ciphertext (opened in ./aegis-crypto.ts). The
 * content is `{version, entries: [{type, uuid, name, issuer, note, favorite, icon, info: {secret,
 * algo, digits, period, counter}}], groups}`.
 *
 * The file is all-or-nothing: a broken structure (entries not a list, an entry or its `info` not an
 * object) is `damaged`; a well-formed entry we cannot use (Steam, MD5, no name, a bad key) is
 * skipped with its reason. Pure: no browser globals.
 */
import { accountToUri, parseBase32Secret, type Algorithm, type OtpAccount, type OtpKind } from '../../otp/otp';
import type { Result } from '../../util/result';
import { err, isRecord, ok } from '../../util/result';
import { checkedAccount, splitName, type SkipReason, type Skipped } from '../skipped';
import { openAegisVault } from './aegis-crypto';
import type { AppFileError, AppFileErrorCode, AppFileImport } from './app-file';

/** The file format version we know (VaultFile.VERSION); Aegis refuses newer ones too. */
export const AEGIS_FILE_VERSION = 1;
/**
 * The content version we know (Vault.VERSION). The entry fields read here are the same in every
 * version up to it (the later ones changed groups and icons, which are not imported).
 */
export const AEGIS_DB_VERSION = 3;

const fail = (code: AppFileErrorCode, detail?: string): { ok: false; error: AppFileError } =>
  err(detail === undefined ? { code, format: 'aegis' } : { code, format: 'aegis', detail });

/** Aegis's structure: a numeric `version`, a `header` with `slots` and `params` (null when plain), and `db`. */
export function isAegis(json: Record<string, unknown>): boolean {
  const { header } = json;
  return typeof json.version === 'number' && isRecord(header) && 'slots' in header && 'params' in header && 'db' in json;
}

const isVersion = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1;

/**
 * Reads an Aegis export; `password` is needed only when it is encrypted. Never throws. Versions
 * newer than {@link AEGIS_FILE_VERSION} / {@link AEGIS_DB_VERSION} are `unsupported-version`.
 */
export async function readAegis(json: Record<string, unknown>, password: string | null): Promise<Result<AppFileImport, AppFileError>> {
  try {
    if (!isAegis(json)) return err({ code: 'unknown-format' });
    if (!isVersion(json.version)) return fail('damaged', 'the file version is not a positive whole number');
    if (json.version > AEGIS_FILE_VERSION) return fail('unsupported-version', `file version ${json.version} is newer than this extension reads`);
    const header = json.header as Record<string, unknown>;
    let db: unknown = json.db;
    if (header.slots !== null || header.params !== null) {
      const opened = await openAegisVault(header, json.db, password);
      if (!opened.ok) return fail(opened.error.code, opened.error.detail);
      db = opened.value;
    }
    return readContent(db);
  } catch {
    // Nothing above is expected to throw; a Result is promised all the same.
    return fail('damaged', 'the file could not be read');
  }
}

/** The vault content, plain or decrypted. */
function readContent(db: unknown): Result<AppFileImport, AppFileError> {
  if (!isRecord(db)) return fail('damaged', 'db is not an object');
  if (!isVersion(db.version)) return fail('damaged', 'db.version is not a positive whole number');
  if (db.version > AEGIS_DB_VERSION) return fail('unsupported-version', `content version ${db.version} is newer than this extension reads`);
  if (!Array.isArray(db.entries)) return fail('damaged', 'db.entries is not a list');
  const uris: string[] = [];
  const skipped: Skipped[] = [];
  for (const [index, entry] of db.entries.entries()) {
    if (!isRecord(entry) || !isRecord(entry.info)) return fail('damaged', `entry ${index + 1} is not an entry with an info object`);
    const converted = toAccount(entry, entry.info);
    if (converted.ok) uris.push(accountToUri(converted.value));
    else skipped.push(converted.error);
  }
  if (uris.length === 0 && skipped.length === 0) return fail('empty', 'the export contains no entries');
  return ok({ format: 'aegis', uris, skipped });
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Aegis's own reading: an optional `Hmac` prefix, any case. */
function algorithm(v: unknown): Algorithm | 'MD5' | null {
  if (typeof v !== 'string') return null;
  const name = v.replace(/^hmac/i, '').toUpperCase();
  return name === 'SHA1' || name === 'SHA256' || name === 'SHA512' || name === 'MD5' ? name : null;
}

/** One entry, or why it is skipped. Steam, Yandex and mOTP entries have their own algorithms. */
function toAccount(entry: Record<string, unknown>, info: Record<string, unknown>): Result<OtpAccount, Skipped> {
  const { issuer, name } = splitName(text(entry.name), text(entry.issuer));
  const skip = (reason: SkipReason) => err({ name, issuer, reason });

  const kind: OtpKind | null = entry.type === 'totp' || entry.type === 'hotp' ? entry.type : null;
  if (kind === null) return skip('unknown-type');
  const algo = algorithm(info.algo);
  if (algo === 'MD5') return skip('md5');
  if (algo === null) return skip('unknown-algorithm');
  if (typeof info.digits !== 'number') return skip('bad-digits');
  // Aegis writes `period` for TOTP only and `counter` for HOTP only.
  if (kind === 'totp' && typeof info.period !== 'number') return skip('bad-period');
  if (kind === 'hotp' && typeof info.counter !== 'number') return skip('bad-counter');
  const secret = typeof info.secret === 'string' ? parseBase32Secret(info.secret) : null;
  if (secret === null || !secret.ok) return skip('bad-secret');
  if (name === '') return skip('bad-name');

  return checkedAccount({
    kind,
    secret: secret.value,
    algorithm: algo,
    digits: info.digits,
    period: kind === 'totp' ? (info.period as number) : 30,
    counter: kind === 'hotp' ? (info.counter as number) : 0,
    issuer,
    accountName: name,
  });
}
