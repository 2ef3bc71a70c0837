/**
 * What the user pasted (or a QR image held): `otpauth://` links and Google Authenticator exports,
 * one per line, turned into the accounts to send to the background's dry run, plus everything that
 * could not be used, each with its line and reason. No browser globals: the UI formats the result.
 *
 * The popup checks here only to say precisely what is wrong before anything is sent; the
 * background parses every URI again and alone decides what is saved.
 */
import { combineBatches, isMigrationUri, parseMigrationUri, type MigrationBatch, type MigrationErrorCode } from '@/lib/import/google-migration';
import type { Skipped } from '@/lib/import/skipped';
import { accountToUri, parseOtpauthUri, type OtpErrorCode } from '@/lib/otp/otp';

/** The protocol accepts URIs up to this length (lib/protocol/validation.ts). */
export const MAX_URI_LENGTH = 4096;
/** The protocol accepts at most this many accounts in one request. */
export const MAX_ACCOUNTS = 5000;

export interface Candidate {
  uri: string;
  /** 1-based line of the pasted text; null for accounts that came out of an export. */
  line: number | null;
}

export type LineError =
  | { kind: 'otp'; code: OtpErrorCode }
  | { kind: 'migration'; code: MigrationErrorCode }
  | { kind: 'not-link' }
  | { kind: 'too-long' };

export interface LineProblem {
  /** 1-based; null when the text was a single line (nothing to point at). */
  line: number | null;
  error: LineError;
}

export interface MissingBatches {
  /** How many QR codes the export has. */
  total: number;
  /** 1-based numbers of the QR codes not given. */
  numbers: number[];
}

export interface Collected {
  candidates: Candidate[];
  problems: LineProblem[];
  /** Export entries that cannot be imported (MD5, unknown type...). */
  skipped: Skipped[];
  missing: MissingBatches[];
}

/** True when there is nothing at all to show in a preview. */
export const isEmpty = (c: Collected) => c.candidates.length === 0 && c.skipped.length === 0;

export function collectFromText(text: string): Collected {
  const lines = text
    .split(/\r\n|\r|\n/)
    .map((raw, i) => ({ value: raw.trim(), number: i + 1 }))
    .filter((l) => l.value !== '');
  const single = lines.length === 1;
  const candidates: Candidate[] = [];
  const problems: LineProblem[] = [];
  const batches: MigrationBatch[] = [];

  for (const { value, number } of lines) {
    const line = single ? null : number;
    if (isMigrationUri(value)) {
      const batch = parseMigrationUri(value);
      if (batch.ok) batches.push(batch.value);
      else problems.push({ line, error: { kind: 'migration', code: batch.error.code } });
      continue;
    }
    if (!/^otpauth:/i.test(value)) {
      problems.push({ line, error: { kind: 'not-link' } });
      continue;
    }
    if (value.length > MAX_URI_LENGTH) {
      problems.push({ line, error: { kind: 'too-long' } });
      continue;
    }
    const parsed = parseOtpauthUri(value);
    if (parsed.ok) candidates.push({ uri: value, line });
    else problems.push({ line, error: { kind: 'otp', code: parsed.error.code } });
  }

  const skipped: Skipped[] = [];
  const missing: MissingBatches[] = [];
  // Several exports may be pasted together: combine the QR codes of each one separately
  // (combineBatches keeps only the export of the first batch it is given).
  for (const group of groupExports(batches)) {
    const combined = combineBatches(group);
    for (const account of combined.accounts) candidates.push({ uri: accountToUri(account), line: null });
    skipped.push(...combined.skipped);
    if (combined.missing.length > 0) {
      missing.push({ total: combined.batchSize, numbers: combined.missing.map((i) => i + 1) });
    }
  }
  return { candidates, problems, skipped, missing };
}

/** Batches of the same export share batchId and batchSize; order of first appearance is kept. */
function groupExports(batches: readonly MigrationBatch[]): MigrationBatch[][] {
  const groups = new Map<string, MigrationBatch[]>();
  batches.forEach((batch, i) => {
    // Without an id, batches cannot be matched: each stands alone.
    const key = batch.batchId === null ? `single:${i}` : `${batch.batchId}/${batch.batchSize}`;
    const group = groups.get(key);
    if (group) group.push(batch);
    else groups.set(key, [batch]);
  });
  return [...groups.values()];
}
