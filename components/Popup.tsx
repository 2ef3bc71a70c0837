import { useCallback, useEffect, useState } from 'preact/hooks';
import { VaultGate, type RunRequest } from './VaultGate';
import { AccountList } from './AccountList';
import { AddAccount } from './AddAccount';
import { useCurrentTab, type CurrentTabState } from './useCurrentTab';
import { t } from './i18n';

export function Popup() {
  useEffect(() => {
    document.title = t('popupTitle');
  }, []);
  const current = useCurrentTab();
  return (
    <main class="popup">
      <h1>{t('popupTitle')}</h1>
      <VaultGate>{(_status, run) => <Unlocked current={current} run={run} />}</VaultGate>
    </main>
  );
}

/** The list, or the "Add account" view in its place; back to a freshly loaded list when done. */
function Unlocked({ current, run }: { current: CurrentTabState; run: RunRequest }) {
  const [adding, setAdding] = useState(false);
  // A new list instance on return reloads the accounts (the view may have added some).
  const [generation, setGeneration] = useState(0);
  // The vault locked itself while the popup was open: show the unlock form again.
  const onLocked = useCallback(() => void run('vault.status', {}), [run]);
  if (adding) {
    const tab = current.tab;
    return (
      <AddAccount
        currentTab={tab?.origin ? { origin: tab.origin, realm: tab.realm } : null}
        onDone={() => {
          setAdding(false);
          setGeneration((g) => g + 1);
        }}
      />
    );
  }
  return <AccountList key={generation} current={current} onAdd={() => setAdding(true)} onLocked={onLocked} />;
}
