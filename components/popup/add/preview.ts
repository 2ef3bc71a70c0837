/**
 * Turns the background's dry-run answer and what the popup found unusable into the rows, summary
 * and warnings of the preview, in the user's language.
 */
import type { MigrationErrorCode } from '@/lib/import/google-migration';
import type { SkipReason } from '@/lib/import/skipped';
import { parseOtpauthUri } from '@/lib/otp/otp';
import type { AddOutcome, NewAccount } from '@/lib/protocol/messages';
import { errorText, t } from '../../../utils/i18n';
import type { Collected, LineError, LineProblem } from './sources';

export type RowTone = 'new' | 'skip' | 'bad';

export interface PreviewRow {
  key: string;
  issuer: string;
  /** Account name, or the line the problem is on. */
  name: string;
  status: string;
  tone: RowTone;
}

export interface Preview {
  rows: PreviewRow[];
  summary: string;
  warnings: string[];
  /** Only the accounts the dry run called new: what "Save" sends. */
  toSave: NewAccount[];
}

const MIGRATION_ERRORS: Record<MigrationErrorCode, () => string> = {
  'not-migration': () => t('errorMigration_not_migration'),
  'bad-base64': () => t('errorMigration_bad_base64'),
  'bad-protobuf': () => t('errorMigration_bad_protobuf'),
  empty: () => t('errorMigration_empty'),
};

const SKIP_REASONS: Record<SkipReason, () => string> = {
  md5: () => t('addReason_md5'),
  'unknown-type': () => t('addReason_unknown_type'),
  'bad-secret': () => t('addReason_bad_secret'),
  'bad-digits': () => t('addReason_bad_digits'),
  'unknown-algorithm': () => t('addReason_unknown_algorithm'),
  'bad-period': () => t('addReason_bad_period'),
  'bad-counter': () => t('addReason_bad_counter'),
  'bad-name': () => t('addReason_bad_name'),
  encrypted: () => t('addReason_encrypted'),
};

export function lineErrorText(error: LineError): string {
  switch (error.kind) {
    case 'otp':
      return errorText({ code: error.code });
    case 'migration':
      return MIGRATION_ERRORS[error.code]();
    case 'not-link':
      return t('addErrNotLink');
    case 'too-long':
      return t('addErrLineTooLong');
  }
}

export function problemText(p: LineProblem, describe: (e: LineError) => string = lineErrorText): string {
  const message = describe(p.error);
  return p.line === null ? message : t('addLineError', [String(p.line), message]);
}

export function buildPreview(collected: Collected, sent: NewAccount[], outcomes: AddOutcome[]): Preview {
  const rows: PreviewRow[] = [];
  const toSave: NewAccount[] = [];
  const counts = { new: 0, duplicate: 0, repeated: 0, invalid: 0 };
  // The dry run gives accounts new in this request an id; a duplicate of one of those was
  // listed twice by the user, not saved before.
  const newIds = new Set(outcomes.flatMap((o) => (o.status === 'new' && o.id ? [o.id] : [])));

  outcomes.forEach((o, i) => {
    const account = sent[i];
    const candidate = collected.candidates[i];
    if (!account || !candidate) return;
    if (o.status === 'invalid') {
      counts.invalid++;
      const local = parseOtpauthUri(account.uri);
      rows.push({
        key: `c${i}`,
        issuer: local.ok ? local.value.issuer : '',
        name: local.ok ? local.value.accountName : candidate.line !== null ? t('addLine', String(candidate.line)) : '',
        status: errorText(o.error),
        tone: 'bad',
      });
      return;
    }
    let status: string;
    let tone: RowTone = 'skip';
    if (o.status === 'new' || o.status === 'added') {
      counts.new++;
      toSave.push(account);
      status = t('addStatusNew');
      tone = 'new';
    } else if (o.status === 'duplicate' && newIds.has(o.id)) {
      counts.repeated++;
      status = t('addStatusRepeated');
    } else {
      counts.duplicate++;
      status = t('addStatusDuplicate');
    }
    rows.push({ key: `c${i}`, issuer: o.issuer, name: o.accountName, status, tone });
  });

  const skippedBy = new Map<SkipReason, number>();
  collected.skipped.forEach((s, i) => {
    skippedBy.set(s.reason, (skippedBy.get(s.reason) ?? 0) + 1);
    rows.push({ key: `s${i}`, issuer: s.issuer, name: s.name, status: t('addStatusSkipped', SKIP_REASONS[s.reason]()), tone: 'skip' });
  });

  collected.problems.forEach((p, i) => {
    counts.invalid++;
    rows.push({
      key: `p${i}`,
      issuer: '',
      name: p.line !== null ? t('addLine', String(p.line)) : '',
      status: lineErrorText(p.error),
      tone: 'bad',
    });
  });

  const parts: string[] = [];
  if (counts.new) parts.push(t('addSummaryNew', String(counts.new)));
  if (counts.duplicate) parts.push(t('addSummaryDuplicate', String(counts.duplicate)));
  if (counts.repeated) parts.push(t('addSummaryRepeated', String(counts.repeated)));
  for (const [reason, n] of skippedBy) parts.push(t('addSummarySkipped', [String(n), SKIP_REASONS[reason]()]));
  if (counts.invalid) parts.push(t('addSummaryInvalid', String(counts.invalid)));

  const warnings = collected.missing.map((m) => t('addMissingBatches', [String(m.total), m.numbers.join(', ')]));
  return { rows, summary: parts.join(', '), warnings, toSave };
}
