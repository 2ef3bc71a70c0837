import type { SectionProps } from '../Options';
import { t } from '../i18n';

// Being written (issue 6): replaced by the real section.
export function Backups(_props: SectionProps) {
  return (
    <section class="card" aria-labelledby="backups-title">
      <h2 id="backups-title">{t('backupsTitle')}</h2>
    </section>
  );
}
