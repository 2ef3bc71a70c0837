/** What an import did with each account of the backup: added, already there, or in conflict. */
import type { ImportedAccount, ImportReport } from '@/lib/protocol/messages';
import { t, type MessageKey } from '../../../utils/i18n';
import { platformText } from './text';

const REASON: Record<ImportReport['conflicts'][number]['reason'], MessageKey> = {
  'same-key-elsewhere': 'backupConflict_same_key_elsewhere',
  'different-key': 'backupConflict_different_key',
};

/**
 * The counts are a live region (announced once, short); the lists below are ordinary content
 * that a screen reader user reads at their pace, however long the backup.
 */
export function Report({ report }: { report: ImportReport | null }) {
  return (
    <div class="backup-report">
      <p role="status" class="ok">
        {report
          ? t('backupReportSummary', [String(report.added.length), String(report.skipped.length), String(report.conflicts.length)])
          : ''}
      </p>
      {report ? (
        <>
          <Group id="added" title={t('backupReportAdded')} accounts={report.added} />
          <Group id="skipped" title={t('backupReportSkipped')} accounts={report.skipped} />
          <Group
            id="conflicts"
            title={t('backupReportConflicts')}
            accounts={report.conflicts}
            reason={(i) => t(REASON[report.conflicts[i]!.reason])}
          />
          {report.conflicts.length > 0 ? <p class="hint">{t('backupReportConflictHint')}</p> : null}
        </>
      ) : null}
    </div>
  );
}

function Group({
  id,
  title,
  accounts,
  reason,
}: {
  id: string;
  title: string;
  accounts: ImportedAccount[];
  reason?: (index: number) => string;
}) {
  if (accounts.length === 0) return null;
  const headingId = `backup-report-${id}`;
  return (
    <>
      <h4 id={headingId}>
        {title} ({accounts.length})
      </h4>
      <ul class="backup-report-list" aria-labelledby={headingId}>
        {accounts.map((a, i) => (
          <li key={`${a.origin} ${a.realm ?? ''} ${a.accountName} ${i}`}>
            <span class="backup-report-issuer">{a.issuer}</span>
            <span>{a.accountName}</span>
            <span class="backup-report-meta">{platformText(a.origin, a.realm)}</span>
            {reason ? <span class="backup-report-reason">{reason(i)}</span> : null}
          </li>
        ))}
      </ul>
    </>
  );
}
