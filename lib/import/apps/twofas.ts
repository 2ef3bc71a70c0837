/**
 * 2FAS Authenticator's backup (`.2fas`, written by twofas/2fas-android and 2fas-ios):
 * `{services, groups, updatedAt, schemaVersion, appVersionCode, appVersionName, appOrigin}` with
 * `services: [{name, secret, otp: {link, label, account, issuer, digits, period, algorithm,
 * counter, tokenType, source}, order, icon, groupId, ...}]`.
 *
 * A password-protected backup has `services: []` and instead
 * `servicesEncrypted: "<base64 ciphertext+tag>:<base64 salt>:<base64 iv>"`: AES-256-GCM with the key
 * PBKDF2-HMAC-SHA256(password UTF-8, salt, 10,000 iterations, 256 bits), the plaintext being the
 * services as a JSON array. `reference` is a fixed text encrypted the same way (same salt, its
 * own iv), which 2FAS decrypts first to tell a wrong password from a damaged file.
 *
 * The file is all-or-nothing: a broken structure is `damaged`; a well-formed service we cannot use
 * (Steam, MD5, no name, a bad key) is skipped with its reason. Pure: Web Crypto only.
 */
import { accountToUri, parseBase32Secret, type Algorithm, type OtpAccount, type OtpKind } from '../../otp/otp';
import { fromBase64 } from '../../util/base64';
import type { Result } from '../../util/result';
import { err, isRecord, ok } from '../../util/result';
import { checkedAccount, splitName, type SkipReason, type Skipped } from '../skipped';
import { aesGcmOpen, AES_KEY_BYTES, GCM_NONCE_BYTES, GCM_TAG_BYTES, jsonFromBytes } from './app-crypto';
import type { AppFileError, AppFileErrorCode, AppFileImport } from './app-file';

/** The newest schema 2FAS writes (BackupContent.CurrentSchema in 2fas-android); older ones read alike. */
export const TWOFAS_SCHEMA_VERSION = 4;
/** 2FAS's fixed iteration count (BackupKeyGeneratorPbkdf); a file does not say it. */
export const TWOFAS_PBKDF2_ITERATIONS = 10_000;
/**
 * The text 2FAS encrypts into `reference` (BackupContent.Reference in 2fas-android): a public
 * constant of the format, not a secret. Anything else behind a valid tag is not a 2FAS file.
 */
export const TWOFAS_REFERENCE =
  'tRViSsLKzd86Hprh4ceC2OP7xazn4rrt4xhfEUbOjxLX8Rc3mkISXE0lWbmnWfggogbBJhtYgpK6fMl1D6m' +
  'tsy92R3HkdGfwuXbzLebqVFJsR7IZ2w58t938iymwG4824igYy1wi6n2WDpO1Q1P69zwJGs2F5a1qP4MyIiDSD7NCV2OvidX' +
  'QCBnDlGfmz0f1BQySRkkt4ryiJeCjD2o4QsveJ9uDBUn8ELyOrESv5R5DMDkD4iAF8TXU7KyoJujd';
/** 2FAS's salts are 256 bytes; a longer one has no use but costs hashing time. */
const MAX_SALT_BYTES = 1024;

const fail = (code: AppFileErrorCode, detail?: string): { ok: false; error: AppFileError } =>
  err(detail === undefined ? { code, format: '2fas' } : { code, format: '2fas', detail });

/**
 * 2FAS's structure: a `services` list or a `servicesEncrypted` text, with the `schemaVersion` or
 * `appVersionCode` every 2FAS backup carries (a bare `services` list is too common a name).
 */
export function isTwoFas(json: Record<string, unknown>): boolean {
  const content = Array.isArray(json.services) || typeof json.servicesEncrypted === 'string';
  return content && (typeof json.schemaVersion === 'number' || typeof json.appVersionCode === 'number');
}

/** One `"<base64 ciphertext+tag>:<base64 salt>:<base64 iv>"` field. */
interface Encrypted {
  data: Uint8Array<ArrayBuffer>;
  salt: Uint8Array<ArrayBuffer>;
  iv: Uint8Array<ArrayBuffer>;
}

function encrypted(value: unknown): Encrypted | null {
  if (typeof value !== 'string') return null;
  const parts = value.split(':');
  if (parts.length !== 3) return null;
  const [data, salt, iv] = parts.map(fromBase64);
  if (!data || data.length < GCM_TAG_BYTES || !salt || salt.length === 0 || salt.length > MAX_SALT_BYTES) return null;
  if (iv?.length !== GCM_NONCE_BYTES) return null;
  return { data, salt, iv };
}

async function pbkdf2(password: Uint8Array<ArrayBuffer>, salt: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: TWOFAS_PBKDF2_ITERATIONS }, base, 8 * AES_KEY_BYTES);
  return new Uint8Array(bits);
}

/**
 * Reads a 2FAS backup; `password` is needed only when it is encrypted (null or empty:
 * `password-needed`, 2FAS sets no empty password). Never throws. A schema newer than
 * {@link TWOFAS_SCHEMA_VERSION} is `unsupported-version`.
 */
export async function readTwoFas(json: Record<string, unknown>, password: string | null): Promise<Result<AppFileImport, AppFileError>> {
  try {
    if (!isTwoFas(json)) return err({ code: 'unknown-format' });
    const { schemaVersion } = json;
    if (schemaVersion !== undefined && !(Number.isSafeInteger(schemaVersion) && (schemaVersion as number) >= 1)) {
      return fail('damaged', 'schemaVersion is not a positive whole number');
    }
    if (typeof schemaVersion === 'number' && schemaVersion > TWOFAS_SCHEMA_VERSION) {
      return fail('unsupported-version', `schema version ${schemaVersion} is newer than this extension reads`);
    }
    if (json.services !== undefined && !Array.isArray(json.services)) return fail('damaged', 'services is not a list');
    if (json.servicesEncrypted === undefined || json.servicesEncrypted === null) return readServices(json.services);
    const services = await decryptServices(json, password);
    return services.ok ? readServices(services.value) : services;
  } catch {
    // Nothing above is expected to throw; a Result is promised all the same.
    return fail('damaged', 'the file could not be read');
  }
}

/** The decrypted services list (a JSON value, not yet checked) of a password-protected backup. */
async function decryptServices(json: Record<string, unknown>, password: string | null): Promise<Result<unknown, AppFileError>> {
  const services = encrypted(json.servicesEncrypted);
  if (services === null) return fail('damaged', 'servicesEncrypted is not ciphertext:salt:iv in base64');
  const hasReference = json.reference !== undefined && json.reference !== null;
  const reference = hasReference ? encrypted(json.reference) : null;
  if (hasReference && reference === null) return fail('damaged', 'reference is not ciphertext:salt:iv in base64');
  if (password === null || password === '') return fail('password-needed', 'this 2FAS backup is encrypted');

  const secret = new TextEncoder().encode(password);
  const keys = new Map<string, Uint8Array<ArrayBuffer>>(); // 2FAS uses one salt for both fields: derive once
  const keyFor = async (salt: Uint8Array<ArrayBuffer>) => {
    const id = salt.join(',');
    const known = keys.get(id);
    if (known) return known;
    const key = await pbkdf2(secret, salt);
    keys.set(id, key);
    return key;
  };
  try {
    if (reference !== null) {
      const check = await aesGcmOpen(await keyFor(reference.salt), reference.iv, reference.data);
      if (check === null) return fail('wrong-password', 'the password does not open the backup');
      if (new TextDecoder().decode(check) !== TWOFAS_REFERENCE) return fail('damaged', 'reference holds an unexpected text');
    }
    const plain = await aesGcmOpen(await keyFor(services.salt), services.iv, services.data);
    // Without a reference a wrong password and a damaged ciphertext cannot be told apart; a wrong
    // password is far more likely. With one, the password was proven right.
    if (plain === null && reference === null) return fail('wrong-password', 'the password does not open the backup');
    if (plain === null) return fail('damaged', 'the services do not decrypt although the password is right');
    const list = jsonFromBytes(plain);
    plain.fill(0);
    if (list === undefined) return fail('damaged', 'the decrypted services are not JSON');
    return ok(list);
  } finally {
    secret.fill(0); // best effort: the password string itself cannot be wiped
    for (const key of keys.values()) key.fill(0);
  }
}

function readServices(services: unknown): Result<AppFileImport, AppFileError> {
  if (!Array.isArray(services)) return fail('damaged', 'services is not a list');
  const uris: string[] = [];
  const skipped: Skipped[] = [];
  for (const [index, service] of services.entries()) {
    const otp = isRecord(service) ? (service.otp ?? {}) : null;
    if (!isRecord(service) || !isRecord(otp)) return fail('damaged', `service ${index + 1} is not a service with an otp object`);
    const converted = toAccount(service, otp);
    if (converted.ok) uris.push(accountToUri(converted.value));
    else skipped.push(converted.error);
  }
  if (uris.length === 0 && skipped.length === 0) return fail('empty', 'the backup contains no services');
  return ok({ format: '2fas', uris, skipped });
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
/** An optional field: absent or null gives the default, a value of another type gives null. */
const optional = <T>(v: unknown, fallback: T, is: (x: unknown) => x is T): T | null =>
  v === undefined || v === null ? fallback : is(v) ? v : null;
const isString = (x: unknown): x is string => typeof x === 'string';
const isNumber = (x: unknown): x is number => typeof x === 'number';

function algorithm(v: unknown): Algorithm | 'MD5' | null {
  const name = optional(v, 'SHA1', isString)?.toUpperCase();
  return name === 'SHA1' || name === 'SHA256' || name === 'SHA512' || name === 'MD5' ? name : null;
}

/**
 * The names as 2FAS shows them: the issuer from `otp.issuer`, else the service's `name`; the
 * account from `otp.account`, else the account part of `otp.label`, else the service's name (a
 * service added by hand may have no account, and 2FAS then shows only its name).
 */
function names(service: Record<string, unknown>, otp: Record<string, unknown>): { issuer: string; name: string } {
  const serviceName = text(service.name).trim();
  const issuer = text(otp.issuer).trim() || serviceName;
  let account = text(otp.account).trim();
  if (account === '' && text(otp.label).trim() !== '') account = splitName(text(otp.label), issuer).name;
  return splitName(account || serviceName, issuer);
}

function toAccount(service: Record<string, unknown>, otp: Record<string, unknown>): Result<OtpAccount, Skipped> {
  const { issuer, name } = names(service, otp);
  const skip = (reason: SkipReason) => err({ name, issuer, reason });

  const type = optional(otp.tokenType, 'TOTP', isString)?.toUpperCase();
  const kind: OtpKind | null = type === 'TOTP' ? 'totp' : type === 'HOTP' ? 'hotp' : null; // STEAM has its own code
  if (kind === null) return skip('unknown-type');
  const algo = algorithm(otp.algorithm);
  if (algo === 'MD5') return skip('md5');
  if (algo === null) return skip('unknown-algorithm');
  const digits = optional(otp.digits, 6, isNumber);
  if (digits === null) return skip('bad-digits');
  const period = kind === 'totp' ? optional(otp.period, 30, isNumber) : 30;
  if (period === null) return skip('bad-period');
  const counter = kind === 'hotp' ? optional(otp.counter, 0, isNumber) : 0;
  if (counter === null) return skip('bad-counter');
  const secret = typeof service.secret === 'string' ? parseBase32Secret(service.secret) : null;
  if (secret === null || !secret.ok) return skip('bad-secret');
  if (name === '') return skip('bad-name');

  return checkedAccount({ kind, secret: secret.value, algorithm: algo, digits, period, counter, issuer, accountName: name });
}
