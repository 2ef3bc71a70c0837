import type { SectionProps } from '../Options';
import { t } from '../i18n';

// Being written (issue 6): replaced by the real section.
export function Platforms(_props: SectionProps) {
  return (
    <section class="card" aria-labelledby="platforms-title">
      <h2 id="platforms-title">{t('platformsTitle')}</h2>
    </section>
  );
}
