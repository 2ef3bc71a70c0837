/**
 * The options page's "Backups" section: an encrypted backup to export and to import into any
 * profile, and, behind a warning, the plain `otpauth://` list.
 */
import type { SectionProps } from './Options';
import { t } from '../../utils/i18n';
import { ExportForm } from './backups/ExportForm';
import { ImportForm } from './backups/ImportForm';
import { PlainExport } from './backups/PlainExport';

export function Backups(props: SectionProps) {
  return (
    <section class="card backups" aria-labelledby="backups-title">
      <h2 id="backups-title">{t('backupsTitle')}</h2>
      <p>{t('backupIntro')}</p>
      <ExportForm />
      <ImportForm onChanged={props.onChanged} />
      {props.status.policy.disablePlainExport ? <p class="policy-note">{t('policyPlainExportDisabled')}</p> : <PlainExport />}
    </section>
  );
}
