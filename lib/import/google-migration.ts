/**
 * Google Authenticator's export ("Transfer accounts"): `otpauth-migration://offline?data=...`,
 * where `data` is the URL-encoded base64 of a protobuf `MigrationPayload` (its schema and its
 * reader: lib/import/migration-payload.ts). Google splits an export into QR codes of about ten
 * accounts each (`batch_size`/`batch_index`/`batch_id`); {@link combineBatches} puts them back
 * together.
 *
 * Every entry is rebuilt as an `otpauth://` URI and read back with {@link parseOtpauthUri}, so an
 * imported account is exactly what the background will accept again when it is added; entries
 * we cannot use are reported in `skipped` with a reason, never dropped silently.
 *
 * Pure: no browser globals.
 */
import { fromBase64 } from '../util/base64';
import { base32FromBytes, parseOtpauthUri, type Algorithm, type OtpAccount } from '../otp/otp';
import { checkedAccount, splitName, type SkipReason, type Skipped } from './skipped';
import { err, ok, type Result } from '../util/result';
import { readPayload, type RawEntry, type RawPayload } from './migration-payload';

/** One QR code of an export. */
export interface MigrationBatch {
  accounts: OtpAccount[];
  skipped: Skipped[];
  /** 0-based position of this QR code in the export. */
  batchIndex: number;
  /** How many QR codes the export has (at least 1; an absent field means a single one). */
  batchSize: number;
  /** Random id shared by the QR codes of one export; null when the payload has none. */
  batchId: number | null;
  version: number;
}

/**
 * `not-migration`: not an `otpauth-migration://offline` URI; `bad-base64`: the `data`
 * parameter is missing or not base64; `bad-protobuf`: the bytes are not a MigrationPayload
 * (truncated QR text, wrong wire types, inconsistent or implausible batch numbers); `empty`: no
 * entries at all.
 */
export type MigrationErrorCode = 'not-migration' | 'bad-base64' | 'bad-protobuf' | 'empty';

/** `detail` is a short English hint; it never contains key material. */
export interface MigrationError {
  code: MigrationErrorCode;
  detail?: string;
}

/**
 * More QR codes than any export has (Google puts about ten accounts in each, so this is 10,000
 * accounts). `batch_size` comes from the QR text: an int32 up to 2^31-1 would have
 * {@link combineBatches} list two billion missing codes and hang the page that asked.
 */
export const MAX_BATCH_SIZE = 1000;

const fail = (code: MigrationErrorCode, detail: string): { ok: false; error: MigrationError } => err({ code, detail });

const SCHEME = /^otpauth-migration:\/\//i;

/** True when the text is meant as a Google Authenticator export (whether or not it is valid). */
export function isMigrationUri(text: string): boolean {
  return SCHEME.test(text.trim());
}

/**
 * Parses one QR code of a Google Authenticator export. Never throws.
 *
 * The scheme and the `offline` host are matched in any case. The `data` value is
 * percent-decoded, then read as base64 in whichever spelling it reached us: `+` raw or as `%2B`
 * (or turned into a space by a form decoder), `-`/`_` of base64url, padding present or not.
 */
export function parseMigrationUri(text: string): Result<MigrationBatch, MigrationError> {
  const trimmed = text.trim();
  if (!SCHEME.test(trimmed)) return fail('not-migration', 'expected a URI starting with otpauth-migration://');
  const rest = trimmed.replace(SCHEME, '').split('#', 1)[0] ?? '';
  const questionMark = rest.indexOf('?');
  const host = questionMark < 0 ? rest : rest.slice(0, questionMark);
  if (host.replace(/\/$/, '').toLowerCase() !== 'offline') {
    return fail('not-migration', 'expected otpauth-migration://offline');
  }
  const query = questionMark < 0 ? '' : rest.slice(questionMark + 1);
  const data = query
    .split('&')
    .filter((pair) => /^data=/i.test(pair))
    .map((pair) => pair.slice('data='.length));
  if (data.length !== 1) {
    return fail('bad-base64', data.length === 0 ? 'the export has no data parameter' : 'data given twice');
  }
  const bytes = decodeBase64Loose(data[0] ?? '');
  if (bytes === null) return fail('bad-base64', 'the data parameter is not valid base64');
  return decodePayload(bytes);
}

/**
 * Base64 as found in export URIs. Canonical padded base64 is then checked by the strict decoder
 * of `lib/util/base64.ts`, so trailing garbage bits are still refused.
 */
function decodeBase64Loose(raw: string): Uint8Array | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  const standard = decoded
    .replace(/[\t\r\n]/g, '') // line breaks from copying a wrapped text
    .replace(/ /g, '+') // a form decoder turned an unescaped '+' into a space
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .replace(/=+$/, '');
  if (standard.length % 4 === 1) return null; // no byte string has such a length
  return fromBase64(standard + '='.repeat((4 - (standard.length % 4)) % 4));
}

/** A MigrationPayload with every exception of the reader turned into `bad-protobuf`. */
function decodePayload(bytes: Uint8Array): Result<MigrationBatch, MigrationError> {
  let payload: RawPayload;
  try {
    payload = readPayload(bytes);
  } catch (e) {
    return fail('bad-protobuf', `the export data is damaged or truncated (${e instanceof Error ? e.message : 'unreadable'})`);
  }
  const batchSize = payload.batchSize === 0 ? 1 : payload.batchSize;
  if (batchSize < 0 || batchSize > MAX_BATCH_SIZE || payload.batchIndex < 0 || payload.batchIndex >= batchSize) {
    return fail('bad-protobuf', `batch ${payload.batchIndex} of ${batchSize} is impossible`);
  }
  const accounts: OtpAccount[] = [];
  const skipped: Skipped[] = [];
  for (const entry of payload.entries) {
    const converted = toAccount(entry);
    if (converted.ok) accounts.push(converted.value);
    else skipped.push(converted.error);
  }
  if (accounts.length === 0 && skipped.length === 0) return fail('empty', 'the export contains no accounts');
  return ok({ accounts, skipped, batchIndex: payload.batchIndex, batchSize, batchId: payload.batchId, version: payload.version });
}

/** The export's enum values (lib/import/migration-payload.ts) as this extension's names. */
const ALGORITHMS: ReadonlyMap<number, Algorithm | 'MD5'> = new Map([
  [0, 'SHA1'], // unspecified: Google Authenticator computes SHA-1 codes for it
  [1, 'SHA1'],
  [2, 'SHA256'],
  [3, 'SHA512'],
  [4, 'MD5'],
]);
const DIGITS: ReadonlyMap<number, number> = new Map([
  [0, 6], // unspecified: Google Authenticator shows six digits
  [1, 6],
  [2, 8],
]);
const TYPES: ReadonlyMap<number, 'hotp' | 'totp'> = new Map([
  [1, 'hotp'],
  [2, 'totp'],
]);
/** RFC 4226 §4 asks for 128 bits; like {@link parseOtpauthUri} we still accept 80. */
const MIN_SECRET_BYTES = 10;

function toAccount(entry: RawEntry): Result<OtpAccount, Skipped> {
  const { issuer, name } = splitName(entry.name, entry.issuer);
  const skip = (reason: SkipReason) => err({ name, issuer, reason });

  const kind = TYPES.get(entry.type);
  if (kind === undefined) return skip('unknown-type');
  const algorithm = ALGORITHMS.get(entry.algorithm);
  if (algorithm === 'MD5') return skip('md5');
  if (algorithm === undefined) return skip('unknown-algorithm');
  const digits = DIGITS.get(entry.digits);
  if (digits === undefined) return skip('bad-digits');
  if (entry.secret.length < MIN_SECRET_BYTES) return skip('bad-secret');
  // int64 arrives as bigint (or a decimal string where BigInt is missing); TOTP ignores it.
  const counter = kind === 'hotp' ? Number(entry.counter) : 0;
  if (!Number.isSafeInteger(counter) || counter < 0) return skip('bad-counter');
  if (name === '') return skip('bad-name');

  const account: OtpAccount = {
    kind,
    secret: base32FromBytes(entry.secret),
    algorithm,
    digits,
    period: 30, // the export has no period: Google Authenticator only knows 30 s
    counter,
    issuer,
    accountName: name,
  };
  return checkedAccount(account);
}

/**
 * Merges the QR codes of one export, in batch order, and says which are missing so the UI can
 * ask for them. The export is the one of the first batch: batches with another `batchId` or
 * `batchSize` belong to another export and are left out (counted in `ignored`); a QR code
 * scanned twice counts once.
 */
export function combineBatches(batches: readonly MigrationBatch[]): {
  accounts: OtpAccount[];
  skipped: Skipped[];
  /** 0-based indexes of the QR codes not given yet. */
  missing: number[];
  batchSize: number;
  /** Batches left out because they belong to another export. */
  ignored: number;
} {
  const first = batches[0];
  if (first === undefined) return { accounts: [], skipped: [], missing: [], batchSize: 0, ignored: 0 };
  const byIndex = new Map<number, MigrationBatch>();
  let ignored = 0;
  for (const batch of batches) {
    if (batch.batchId !== first.batchId || batch.batchSize !== first.batchSize) ignored += 1;
    else if (!byIndex.has(batch.batchIndex)) byIndex.set(batch.batchIndex, batch);
  }
  const accounts: OtpAccount[] = [];
  const skipped: Skipped[] = [];
  const missing: number[] = [];
  for (let index = 0; index < first.batchSize; index++) {
    const batch = byIndex.get(index);
    if (batch === undefined) {
      missing.push(index);
      continue;
    }
    accounts.push(...batch.accounts);
    skipped.push(...batch.skipped);
  }
  return { accounts, skipped, missing, batchSize: first.batchSize, ignored };
}
