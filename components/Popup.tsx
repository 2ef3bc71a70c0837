import { useEffect } from 'preact/hooks';
import { VaultGate } from './VaultGate';
import { AccountList } from './AccountList';
import { t } from './i18n';

export function Popup() {
  useEffect(() => {
    document.title = t('popupTitle');
  }, []);
  return (
    <main class="popup">
      <h1>{t('popupTitle')}</h1>
      <VaultGate>
        {() => <AccountList />}
      </VaultGate>
    </main>
  );
}
