/**
 * Reads a file another authenticator wrote (Aegis, 2FAS, Bitwarden, the Authenticator extension;
 * lib/import/apps/) into what the preview shows, in the popup: nothing leaves the extension page
 * before the background's dry run, which parses every account again. A text file of `otpauth://`
 * links (the Authenticator extension's other export) goes the pasted links' way.
 */
import type { AppFileErrorCode, AppFormat } from '@/lib/import/apps/app-file';
import { t, type MessageKey } from '../../../utils/i18n';
import { collectFromText, isEmpty, type Collected } from './sources';

export type FileRead =
  | { ok: true; format: AppFormat | 'links'; collected: Collected }
  | { ok: false; code: AppFileErrorCode; format: AppFormat | null };

/** The file's accounts; `password` only for an encrypted Aegis or 2FAS file (else null). */
export async function readAccountsFile(file: Blob, password: string | null): Promise<FileRead> {
  // Loaded on first use: the readers and scrypt are not part of the popup's first load.
  const { readAppFile, MAX_APP_FILE_BYTES } = await import('@/lib/import/apps/app-file');
  // Checked before reading: a huge file is refused without holding it in memory.
  if (file.size > MAX_APP_FILE_BYTES) return { ok: false, code: 'too-large', format: null };
  let text: string;
  try {
    text = await file.text();
  } catch {
    return { ok: false, code: 'damaged', format: null };
  }
  const read = await readAppFile(text, password);
  if (read.ok) {
    const { format, uris, skipped } = read.value;
    return { ok: true, format, collected: { candidates: uris.map((uri) => ({ uri, line: null })), problems: [], skipped, missing: [] } };
  }
  if (read.error.code === 'not-json') {
    const links = collectFromText(text);
    if (!isEmpty(links)) return { ok: true, format: 'links', collected: links };
    // JSON that stops short (a download cut off, an edit gone wrong) is a damaged export, not a
    // foreign file: say so, and that exporting again helps.
    return { ok: false, code: /^\s*[[{]/.test(text.replace(/^\uFEFF/, '')) ? 'damaged' : 'unknown-format', format: null };
  }
  return { ok: false, code: read.error.code, format: read.error.format ?? null };
}

export const APP_NAMES: Record<AppFormat | 'links', string> = {
  aegis: 'Aegis',
  '2fas': '2FAS',
  bitwarden: 'Bitwarden',
  authenticator: 'Authenticator',
  links: 'otpauth://',
};

/** What is wrong with the file, in the user's words, naming the app once it is known. */
export function fileErrorText(code: AppFileErrorCode, format: AppFormat | null): string {
  const app = format ? APP_NAMES[format] : '';
  if (code === 'encrypted-export') return t(format === 'bitwarden' ? 'addErrFile_encrypted_bitwarden' : 'addErrFile_encrypted_export', app);
  return t(`addErrFile_${code.replace(/-/g, '_')}` as MessageKey, app);
}
