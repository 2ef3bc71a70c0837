/**
 * A file another authenticator wrote (Aegis, 2FAS, Bitwarden, the Authenticator extension),
 * recognised by its structure and read into the accounts it holds, as `otpauth://` URIs the
 * background parses again, plus the entries that cannot be imported with their reasons. The file
 * itself is all-or-nothing: a damaged, foreign or wrongly unlocked file is an error, never a
 * partial list. Pure: no browser globals (Web Crypto is a global of Node too).
 */
import type { Result } from '../../util/result';
import { err, isRecord } from '../../util/result';
import type { Skipped } from '../skipped';
import { isAegis, readAegis } from './aegis';
import { isAuthenticator, readAuthenticator } from './authenticator';
import { isBitwarden, readBitwarden } from './bitwarden';
import { isTwoFas, readTwoFas } from './twofas';

export type AppFormat = 'aegis' | '2fas' | 'bitwarden' | 'authenticator';

export interface AppFileImport {
  format: AppFormat;
  /** The accounts that can be imported, as `otpauth://` URIs, in the file's order. */
  uris: string[];
  skipped: Skipped[];
}

/**
 * `too-large`: over {@link MAX_APP_FILE_BYTES}; `not-json`: not a JSON document; `unknown-format`:
 * JSON, but none of the formats we read; `damaged`: the format's structure, but broken (or its
 * ciphertext does not decrypt with a password whose check passed); `password-needed`: encrypted,
 * and no password given; `wrong-password`; `encrypted-export`: an encryption we cannot open
 * (Bitwarden's encrypted exports, the Authenticator extension's encrypted backups: export again
 * without encryption); `unsupported-version`: a version of the format newer than we know;
 * `empty`: no entries at all.
 */
export type AppFileErrorCode =
  | 'too-large'
  | 'not-json'
  | 'unknown-format'
  | 'damaged'
  | 'password-needed'
  | 'wrong-password'
  | 'encrypted-export'
  | 'unsupported-version'
  | 'empty';

/** `detail` is a short English hint for logs and tests; never key material, never a secret. */
export interface AppFileError {
  code: AppFileErrorCode;
  /** The format, once recognised (the UI names the app: "This Aegis file needs its password"). */
  format?: AppFormat;
  detail?: string;
}

/** Larger than any authenticator's export of a few thousand accounts, small enough to parse at once. */
export const MAX_APP_FILE_BYTES = 10 * 1024 * 1024;

/** Which format a parsed JSON document is, or null. */
export function detectAppFormat(json: unknown): AppFormat | null {
  if (!isRecord(json)) return null;
  if (isAegis(json)) return 'aegis';
  if (isTwoFas(json)) return '2fas';
  if (isBitwarden(json)) return 'bitwarden';
  if (isAuthenticator(json)) return 'authenticator';
  return null;
}

/**
 * Reads a file's text. `password` is used only by encrypted formats (Aegis, 2FAS); without one,
 * an encrypted file answers `password-needed` so that the UI can ask for it and call again.
 */
export async function readAppFile(text: string, password: string | null): Promise<Result<AppFileImport, AppFileError>> {
  // A string's UTF-16 length never exceeds its UTF-8 size: the first test spares encoding a huge one.
  if (text.length > MAX_APP_FILE_BYTES || new TextEncoder().encode(text).length > MAX_APP_FILE_BYTES) {
    return err({ code: 'too-large' });
  }
  let json: unknown;
  try {
    // A byte-order mark from some Windows editors is not part of the JSON.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return err({ code: 'not-json' });
  }
  switch (detectAppFormat(json)) {
    case 'aegis':
      return readAegis(json as Record<string, unknown>, password);
    case '2fas':
      return readTwoFas(json as Record<string, unknown>, password);
    case 'bitwarden':
      return readBitwarden(json as Record<string, unknown>);
    case 'authenticator':
      return readAuthenticator(json as Record<string, unknown>);
    case null:
      return err({ code: 'unknown-format' });
  }
}
