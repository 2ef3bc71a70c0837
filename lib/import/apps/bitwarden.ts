/**
 * Bitwarden's JSON export (web vault, desktop, browser extension, CLI `bw export --format json`).
 *
 * Unencrypted, a personal export is `{ encrypted: false, folders: [...], items: [...] }` and an
 * organization export `{ encrypted: false, collections: [...], items: [...] }`. An item of type 1
 * (login) has `login: { username, password, totp, uris: [{ uri, match }] }`; types 2 to 5 (secure
 * note, card, identity, SSH key) carry no TOTP key. `login.totp` is what the user pasted: an
 * `otpauth://` URI, a bare base32 key (TOTP, SHA-1, 6 digits, 30 s), or `steam://KEY` (Steam's
 * five-letter codes, which no Keycloak accepts).
 *
 * Encrypted exports cannot be read here: "account restricted" ones (`encrypted: true`,
 * `encKeyValidation_DO_NOT_EDIT`, and every string an EncString under the account's key) open
 * only in the Bitwarden account that made them, and "password protected" ones (`passwordProtected:
 * true`, `salt`, `kdfType`, `kdfIterations`, `data`) would need Bitwarden's KDF settings and
 * EncString format reimplemented. Both are `encrypted-export`: the UI asks for an unencrypted JSON
 * export instead.
 *
 * Field names from bitwarden/clients: libs/common/src/models/export/{cipher,login}.export.ts and
 * libs/tools/export/vault-export/vault-export-core (the export services and their types).
 *
 * Pure: no browser globals.
 */
import { parseBase32Secret, parseOtpauthUri, accountToUri, type OtpAccount } from '../../otp/otp';
import { checkedAccount, skipReasonFor, type SkipReason, type Skipped } from '../skipped';
import { err, isRecord, ok, type Result } from '../../util/result';
import type { AppFileError, AppFileErrorCode, AppFileImport } from './app-file';

/** Bitwarden's CipherType for a login, the only item type with a TOTP key. */
const LOGIN = 1;

/** Keys only an encrypted export has (account restricted: the first; password protected: all). */
const ENCRYPTED_MARKERS = ['encKeyValidation_DO_NOT_EDIT', 'passwordProtected', 'data', 'salt', 'kdfType'];

const has = (o: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

const fail = (code: AppFileErrorCode, detail: string): { ok: false; error: AppFileError } =>
  err({ code, format: 'bitwarden', detail });

/**
 * True for any Bitwarden JSON export, encrypted or not, well-formed or not: `encrypted` is a
 * boolean beside one of the keys Bitwarden writes with it. Converters that write Bitwarden's
 * format sometimes leave out `encrypted`; `items` beside `folders` or `collections` is then enough.
 */
export function isBitwarden(json: Record<string, unknown>): boolean {
  if (typeof json.encrypted === 'boolean') {
    return ['items', 'folders', 'collections', ...ENCRYPTED_MARKERS].some((key) => has(json, key));
  }
  return !has(json, 'encrypted') && Array.isArray(json.items) && (Array.isArray(json.folders) || Array.isArray(json.collections));
}

/**
 * The login items with a TOTP key, as `otpauth://` URIs in the file's order; items without one are
 * not accounts and are left out silently. All-or-nothing: `items` that is not a list, an item that
 * is not an object, or a field of the wrong JSON type makes the whole file `damaged`.
 */
export async function readBitwarden(json: Record<string, unknown>): Promise<Result<AppFileImport, AppFileError>> {
  // Nothing below should throw; if something does, the file is refused, never half read.
  try {
    return readExport(json);
  } catch {
    return fail('damaged', 'the file could not be read');
  }
}

function readExport(json: Record<string, unknown>): Result<AppFileImport, AppFileError> {
  // Any trace of encryption wins over `encrypted: false`: such strings would be read as keys.
  if (json.encrypted === true || ENCRYPTED_MARKERS.some((key) => has(json, key))) {
    const kind = json.passwordProtected === true ? 'password-protected' : 'account-restricted';
    return fail('encrypted-export', `this is an encrypted (${kind}) Bitwarden export`);
  }
  const { items } = json;
  if (!Array.isArray(items)) return fail('damaged', 'the export has no list of items');
  for (const list of ['folders', 'collections']) {
    if (json[list] != null && !Array.isArray(json[list])) return fail('damaged', `${list} is not a list`);
  }
  const uris: string[] = [];
  const skipped: Skipped[] = [];
  for (const [index, item] of items.entries()) {
    const read = readItem(item);
    if (!read.ok) return fail('damaged', `item ${index + 1}: ${read.error}`);
    if (read.value === null) continue;
    if (read.value.ok) uris.push(accountToUri(read.value.value));
    else skipped.push(read.value.error);
  }
  if (uris.length === 0 && skipped.length === 0) return fail('empty', 'no login in the export has a TOTP key');
  return ok({ format: 'bitwarden', uris, skipped });
}

/** A text field that may be absent or null (then ''); null when it is some other JSON type. */
function text(value: unknown): string | null {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : null;
}

/**
 * One item: null when it holds no TOTP key, else the account or why it is skipped; an error
 * (a short English phrase) when a field we read is broken. Fields we do not read are not checked:
 * a card with an odd field must not block the logins.
 */
function readItem(item: unknown): Result<Result<OtpAccount, Skipped> | null, string> {
  if (!isRecord(item)) return err('not an object');
  // Bitwarden ignores the login of other item types, and so do we.
  if (item.type !== LOGIN || item.login === undefined || item.login === null) return ok(null);
  if (!isRecord(item.login)) return err('login is not an object');
  const totp = text(item.login.totp);
  if (totp === null) return err('the TOTP key is not text');
  if (totp.trim() === '') return ok(null);
  const name = text(item.name);
  const username = text(item.login.username);
  if (name === null) return err('the name is not text');
  if (username === null) return err('the username is not text');
  return ok(toAccount(totp.trim(), name.trim(), username.trim()));
}

function toAccount(totp: string, itemName: string, username: string): Result<OtpAccount, Skipped> {
  // What the preview shows for an entry it cannot import: the item as the user named it.
  const skip = (reason: SkipReason) => err({ name: username || itemName, issuer: itemName, reason });

  if (/^steam:\/\//i.test(totp)) return skip('unknown-type');
  if (/^otpauth:\/\//i.test(totp)) {
    const parsed = parseOtpauthUri(totp);
    if (!parsed.ok) {
      // The URI parser knows no MD5 and calls it an unknown algorithm; say which it is.
      if (parsed.error.code === 'unknown-algorithm' && /[?&]algorithm=(?:hmac)?md5(?:&|#|$)/i.test(totp)) return skip('md5');
      return skip(skipReasonFor(parsed.error.code));
    }
    // The URI's own label and issuer win; Bitwarden shows the item's name beside codes without one.
    const account = parsed.value;
    return checkedAccount({ ...account, issuer: account.issuer || itemName });
  }
  // A bare key, as pasted: Bitwarden computes TOTP, SHA-1, 6 digits, 30 seconds from it.
  const secret = parseBase32Secret(totp);
  if (!secret.ok) return skip('bad-secret');
  return checkedAccount({
    kind: 'totp',
    secret: secret.value,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    counter: 0,
    issuer: itemName,
    accountName: username || itemName,
  });
}
