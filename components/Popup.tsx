import { useEffect } from 'preact/hooks';
import { VaultGate } from './VaultGate';
import { t } from './i18n';

export function Popup() {
  useEffect(() => {
    document.title = t('popupTitle');
  }, []);
  return (
    <main class="popup">
      <h1>{t('popupTitle')}</h1>
      <VaultGate>
        {(status) => (
          <section class="card" aria-live="polite">
            <p>{status.accounts ? t('accountCount', String(status.accounts)) : t('noAccounts')}</p>
          </section>
        )}
      </VaultGate>
    </main>
  );
}
