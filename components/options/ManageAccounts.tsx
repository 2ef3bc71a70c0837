import type { SectionProps } from '../Options';
import { t } from '../i18n';

// Being written (issue 6): replaced by the real section.
export function ManageAccounts(_props: SectionProps) {
  return (
    <section class="card" aria-labelledby="accounts-title">
      <h2 id="accounts-title">{t('manageTitle')}</h2>
    </section>
  );
}
