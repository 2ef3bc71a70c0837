import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { VaultGate, type RunRequest } from '../shared/VaultGate';
import { AccountList } from './AccountList';
import type { FirstList } from './useAccountList';
import type { AddAccount as AddAccountView } from './add/AddAccount';
import { useCurrentTab } from './useCurrentTab';
import type { CurrentTabState, PopupStart } from '@/lib/protocol/hand-off';
import { FirstVaultStatus } from '../shared/useVault';
import { t } from '../../utils/i18n';
import { browser } from 'wxt/browser';

/**
 * `start`: what the popup asked for as it opened (components/popup/popup-start.ts), so that the first
 * render already shows the accounts; without it, each part asks for itself on mount.
 */
export function Popup({ start = null }: { start?: PopupStart | null }) {
  useEffect(() => {
    document.title = t('popupTitle');
  }, []);
  const current = useCurrentTab(start?.current ?? null);
  // The first list is used once: a list shown later (after an unlock, after adding) is fresh.
  const firstAccounts = useRef<FirstList | null>(start?.head.ok ? { ...start.head.value, rest: start.rest } : null);
  const takeFirst = useCallback(() => {
    const first = firstAccounts.current;
    firstAccounts.current = null;
    return first;
  }, []);
  const firstStatus = start?.status.ok ? start.status.value : null;
  return (
    <main class="popup">
      <h1>{t('popupTitle')}</h1>
      <FirstVaultStatus.Provider value={firstStatus}>
        <VaultGate>{(_status, run) => <Unlocked current={current} run={run} first={takeFirst} />}</VaultGate>
      </FirstVaultStatus.Provider>
    </main>
  );
}

/**
 * The "Add account" view is loaded apart from the list (its parsers, forms and image reading
 * are most of the popup's code, and most opens never use them): the popup's first render does
 * not wait for it. It is fetched once the list has rendered, so a click finds it there.
 */
let addAccountModule: Promise<typeof import('./add/AddAccount')> | null = null;
const loadAddAccount = () => (addAccountModule ??= import('./add/AddAccount'));

function AddAccount(props: Parameters<typeof AddAccountView>[0]) {
  const [view, setView] = useState<{ AddAccount: typeof AddAccountView } | null>(null);
  useEffect(() => {
    let live = true;
    void loadAddAccount().then((m) => live && setView(m));
    return () => void (live = false);
  }, []);
  return view ? <view.AddAccount {...props} /> : <p role="status">{t('loading')}</p>;
}

/**
 * `popup.html#add-file` / `#add-image`: the Add view opened in a tab on one of its file methods
 * (Firefox closes a real popup when a native file dialog opens, so the popup offers this tab).
 */
const startMethod = (): 'file' | 'image' | null => (location.hash === '#add-file' ? 'file' : location.hash === '#add-image' ? 'image' : null);

/**
 * In a real Firefox popup, a file dialog would close the popup and lose the file: the file panels
 * offer to choose the file in a tab instead. Elsewhere (Chrome, or the popup page in a tab): null.
 */
function pickInTabFor(current: CurrentTabState & { ready?: boolean }): ((method: 'file' | 'image') => void) | null {
  if (!import.meta.env.FIREFOX || current.ready === false || current.inTab) return null;
  return (method) => {
    void browser.tabs.create({ url: browser.runtime.getURL(`/popup.html#add-${method}`) }).then(() => window.close());
  };
}

/** The list, or the "Add account" view in its place; back to a freshly loaded list when done. */
function Unlocked({ current, run, first }: { current: CurrentTabState & { ready?: boolean }; run: RunRequest; first: () => FirstList | null }) {
  const [initialMethod] = useState(startMethod);
  const [adding, setAdding] = useState(initialMethod !== null);
  // A new list instance on return reloads the accounts (the view may have added some).
  const [generation, setGeneration] = useState(0);
  // The vault locked itself while the popup was open: show the unlock form again.
  const onLocked = useCallback(() => void run('vault.status', {}), [run]);
  // After the list's first render, while the user reads it.
  useEffect(() => {
    const id = setTimeout(() => void loadAddAccount(), 200);
    return () => clearTimeout(id);
  }, []);
  if (adding) {
    const tab = current.tab;
    return (
      <AddAccount
        currentTab={tab?.origin ? { origin: tab.origin, realm: tab.realm } : null}
        initialMethod={initialMethod ?? undefined}
        pickInTab={pickInTabFor(current)}
        onDone={() => {
          setAdding(false);
          setGeneration((g) => g + 1);
        }}
      />
    );
  }
  return <AccountList key={generation} current={current} onAdd={() => setAdding(true)} onLocked={onLocked} firstList={first} />;
}
