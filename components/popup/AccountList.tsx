import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AccountSummary, Reply } from '@/lib/protocol/messages';
import type { AppError } from '@/lib/protocol/errors';
import { onPlatform, platformFirst } from '@/lib/platforms/on-platform';
import { request } from '../../utils/client';
import { ErrorMessage } from '../shared/ErrorMessage';
import { CodeRow, ROW_HEIGHT, type ListedAccount } from './CodeRow';
import { RemoveConfirm } from './RemoveConfirm';
import { useCodes } from './useCodes';
import type { CurrentTab, CurrentTabState } from '@/lib/protocol/hand-off';
import { findCurrentTab } from './current-tab';
import { errorText, t } from '../../utils/i18n';
import { OVERSCAN, VISIBLE_ROWS } from './list-size';

const VIEWPORT_HEIGHT = VISIBLE_ROWS * ROW_HEIGHT;

/**
 * The accounts the popup asked for as it opened (components/popup/popup-start.ts): the first screen's,
 * in the popup's order, how many there are, and the whole list on its way when there are more.
 */
export interface FirstList {
  accounts: AccountSummary[];
  total: number;
  rest: Promise<Reply<'accounts.list'>> | null;
}

/** The accounts shown; `total` is more than `accounts` holds while the rest is on its way. */
interface Loaded {
  accounts: ListedAccount[];
  total: number;
}

interface Props {
  current: CurrentTabState;
  onAdd: () => void;
  /** The background says the vault is locked (auto-lock while the popup is open). */
  onLocked: () => void;
  /** The accounts the popup asked for as it opened, if not used yet (taken once); else the list asks. */
  firstList?: () => FirstList | null;
}

type Note = { tone: 'ok' | 'error'; text: string; seq: number } | null;
/** A row's buttons, left to right (Remove only on accounts ThingPark has not confirmed yet). */
type Column = 'fill' | 'copy' | 'remove';

/**
 * The unlocked popup: a search box, "Add account", and every account with its current code.
 * Built for a thousand accounts: the lowercase text each account is searched by is made once
 * when the list loads, a keystroke only runs `includes` over those strings, and only the rows in
 * view (plus a few) are in the DOM, placed at fixed heights inside a box of the full height.
 * Keyboard: `/` searches, ↑ ↓ Home End PageUp PageDown move (one tab stop: roving tabindex),
 * ← → go between a row's fill, copy and remove buttons, Enter fills. Remove (accounts not
 * confirmed by ThingPark yet) asks first, above the list; Escape closes the question.
 */
export function AccountList({ current, onAdd, onLocked, firstList }: Props) {
  const rest = useRef<Promise<Reply<'accounts.list'>> | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(() => {
    const first = firstList?.();
    if (!first) return null;
    rest.current = first.rest;
    return { accounts: first.accounts.map(listed), total: first.total };
  });
  const accounts = loaded?.accounts ?? null;
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [query, setQuery] = useState('');
  const [sel, setSel] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [note, setNote] = useState<Note>(null);
  const [confirming, setConfirming] = useState<ListedAccount | null>(null);
  // Removed here: kept out of a whole list that was on its way before the removal.
  const removed = useRef(new Set<string>());
  const searchRef = useRef<HTMLInputElement>(null);
  const viewportRef = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const pendingFocus = useRef<{ index: number; column: Column } | null>(null);

  const say = useCallback((tone: 'ok' | 'error', text: string) => setNote((n) => ({ tone, text, seq: (n?.seq ?? 0) + 1 })), []);
  const onError = useCallback(
    (error: AppError) => {
      if (error.code === 'locked') onLocked();
      else say('error', errorText(error));
    },
    [onLocked, say],
  );

  const lockedRef = useRef(onLocked);
  lockedRef.current = onLocked;
  const errorRef = useRef(onError);
  errorRef.current = onError;
  // The whole list: asked for here, or already on its way behind the first screen's rows.
  useEffect(() => {
    const shown = loaded !== null;
    const pending = shown ? rest.current : request('accounts.list', {});
    if (!pending) return;
    let live = true;
    void pending.then((reply) => {
      if (!live) return;
      if (reply.ok) {
        const all = removed.current.size ? reply.value.filter((a) => !removed.current.has(a.id)) : reply.value;
        setLoaded({ accounts: all.map(listed), total: all.length });
      }
      else if (reply.error.code === 'locked') lockedRef.current();
      // The first rows stay, with the error said, and the list no longer claims the rows that did
      // not come; with nothing shown yet, the error takes their place.
      else if (shown) {
        setLoaded((l) => l && { ...l, total: l.accounts.length });
        errorRef.current(reply.error);
      }
      else setLoadError(reply.error);
    });
    return () => void (live = false);
  }, []);

  useEffect(() => searchRef.current?.focus(), []);

  // "/" anywhere but in a text field goes to the search box, as on many sites.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || isTextField(e.target)) return;
      e.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const tab = current.tab;
  // The background sends the accounts in list order (lib/vault/accounts.ts, inListOrder), the first
  // screen's already in this order: the current platform's go first, then the rest. One pass.
  const sorted = useMemo(() => (accounts ? platformFirst(accounts, tab) : []), [accounts, tab?.origin, tab?.realm]);

  const filtered = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) return sorted;
    return sorted.filter((a) => words.every((w) => a.haystack.includes(w)));
  }, [sorted, query]);

  // Unfiltered, the list has the size and height of all the accounts, also while only the first
  // screen's have come (for a few ms): no scroll bar jump, screen readers hear the true count.
  const total = filtered === sorted && loaded ? Math.max(loaded.total, filtered.length) : filtered.length;
  const viewHeight = Math.min(total * ROW_HEIGHT, VIEWPORT_HEIGHT);
  const firstVisible = Math.floor(scrollTop / ROW_HEIGHT);
  const lastVisible = Math.min(total, Math.ceil((scrollTop + VIEWPORT_HEIGHT) / ROW_HEIGHT));
  const first = Math.max(0, firstVisible - OVERSCAN);
  const last = Math.min(total, lastVisible + OVERSCAN);
  const selected = Math.min(sel, Math.max(0, total - 1));
  const tabStop = selected >= first && selected < last ? selected : first;

  // Codes only for the rows a person can see.
  const visibleIds = useMemo(() => filtered.slice(firstVisible, lastVisible).map((a) => a.id), [filtered, firstVisible, lastVisible]);
  const { codes, now, codeNow } = useCodes(visibleIds, onError);

  useLayoutEffect(() => {
    const want = pendingFocus.current;
    pendingFocus.current = null;
    if (want) focusCell(want.index, want.column);
  });

  /** Selects row `index`, scrolls it into view and focuses its button in that column (see focusCell). */
  const moveTo = (index: number, column: Column) => {
    if (!total) return;
    const i = Math.max(0, Math.min(total - 1, index));
    let top = scrollTop;
    if (i * ROW_HEIGHT < top) top = i * ROW_HEIGHT;
    else if ((i + 1) * ROW_HEIGHT > top + VIEWPORT_HEIGHT) top = (i + 1) * ROW_HEIGHT - VIEWPORT_HEIGHT;
    if (viewportRef.current) viewportRef.current.scrollTop = top;
    pendingFocus.current = { index: i, column };
    setScrollTop(top);
    setSel(i);
    // Same row and scroll as before: nothing re-renders, so focus now.
    if (i === sel && top === scrollTop) {
      pendingFocus.current = null;
      focusCell(i, column);
    }
  };

  const fill = async (a: ListedAccount) => {
    // Looked up now: the tab in front when Enter is pressed is the one meant.
    const { tab: target, inTab } = await findCurrentTab().catch(() => ({ tab: null, inTab: current.inTab }));
    const refusal = whyNotFill(a, target);
    if (refusal || !target) return say('error', refusal ?? t('popupNoTab'));
    const reply = await request('tab.fillOtp', { tabId: target.tabId, accountId: a.id });
    if (!reply.ok) return onError(reply.error);
    say('ok', t('popupFilled'));
    // A real popup has done its job; a popup page shown in a tab stays.
    if (!inTab) window.close();
  };

  const copy = async (a: ListedAccount) => {
    const code = await codeNow(a.id);
    if (!code) return;
    try {
      await navigator.clipboard.writeText(code);
      say('ok', t('popupCopied', a.label ?? a.accountName));
    } catch {
      say('error', t('popupCopyFailed'));
    }
  };

  const askRemove = (a: ListedAccount) => {
    setNote(null);
    setConfirming(a);
  };

  /** Closes the question; the focus goes back to the Remove button that opened it, if still listed. */
  const cancelRemove = () => {
    const id = confirming?.id;
    setConfirming(null);
    const index = id ? filtered.findIndex((a) => a.id === id) : -1;
    if (index >= 0) moveTo(index, 'remove');
    else searchRef.current?.focus();
  };

  const onRemoved = (a: ListedAccount) => {
    removed.current.add(a.id);
    setConfirming(null);
    setLoaded((l) => l && { accounts: l.accounts.filter((x) => x.id !== a.id), total: Math.max(0, l.total - 1) });
    say('ok', t('popupRemoved', a.label ?? a.accountName));
    // The row and its buttons are gone: back to the search box, the list's start.
    searchRef.current?.focus();
  };

  const onSearchKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' && total) {
      e.preventDefault();
      moveTo(selected, 'fill');
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const a = filtered[selected];
      if (a) void fill(a);
    } else if (e.key === 'Escape' && query) {
      // Clears the search; a second Escape closes the popup as usual.
      e.preventDefault();
      search('');
    } else if (e.key === 'Escape' && confirming) {
      e.preventDefault();
      cancelRemove();
    }
  };

  const onListKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    const index = Number(target.dataset.index);
    if (!Number.isInteger(index)) return;
    const column: Column = target.classList.contains('copy') ? 'copy' : target.classList.contains('remove') ? 'remove' : 'fill';
    const page = Math.floor(VISIBLE_ROWS);
    const moves: Record<string, () => void> = {
      ArrowDown: () => moveTo(index + 1, column),
      ArrowUp: () => (index === 0 ? searchRef.current?.focus() : moveTo(index - 1, column)),
      Home: () => moveTo(0, column),
      End: () => moveTo(total - 1, column),
      PageDown: () => moveTo(index + page, column),
      PageUp: () => moveTo(index - page, column),
      ArrowRight: () => moveTo(index, column === 'fill' ? 'copy' : 'remove'),
      ArrowLeft: () => moveTo(index, column === 'remove' ? 'copy' : 'fill'),
      // The question above the list is open: Escape from a row closes it too.
      ...(confirming ? { Escape: cancelRemove } : {}),
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    move();
  };

  const search = (value: string) => {
    setQuery(value);
    setSel(0);
    setScrollTop(0);
    if (viewportRef.current) viewportRef.current.scrollTop = 0;
  };

  if (loadError) return <ErrorMessage id="accounts-error" error={loadError} />;

  return (
    <div class="codes">
      <div class="search-row">
        <input
          ref={searchRef}
          type="search"
          id="account-search"
          aria-label={t('popupSearchLabel')}
          aria-describedby="keys-hint"
          aria-controls={total ? 'account-list' : undefined}
          placeholder={t('popupSearchPlaceholder')}
          autoComplete="off"
          spellcheck={false}
          value={query}
          onInput={(e) => search(e.currentTarget.value)}
          onKeyDown={onSearchKey}
        />
        <button type="button" class="add" onClick={onAdd}>
          {t('popupAddAccount')}
        </button>
      </div>
      <p role="status" class="shown">
        {query && loaded?.total ? t('popupShown', [String(total), String(loaded.total)]) : ''}
      </p>
      <p role="status" class="ok note">
        {note?.tone === 'ok' ? <span key={note.seq}>{note.text}</span> : ''}
      </p>
      <p role="alert" class="error note">
        {note?.tone === 'error' ? <span key={note.seq}>{note.text}</span> : ''}
      </p>
      {confirming ? <RemoveConfirm account={confirming} onCancel={cancelRemove} onRemoved={onRemoved} onLocked={onLocked} /> : null}
      {!loaded ? (
        <p aria-busy="true">{t('loading')}</p>
      ) : loaded.total === 0 ? (
        <p class="card empty">{t('noAccounts')}</p>
      ) : total === 0 ? (
        <p class="card empty">{t('popupNoMatches', query.trim())}</p>
      ) : (
        <div
          ref={viewportRef}
          class="rows-viewport"
          style={{ height: `${viewHeight}px` }}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        >
          <ul
            ref={listRef}
            id="account-list"
            class="rows"
            aria-label={t('accountsLabel')}
            style={{ height: `${total * ROW_HEIGHT}px` }}
            onKeyDown={onListKey}
          >
            {filtered.slice(first, last).map((a, k) => {
              const index = first + k;
              return (
                <CodeRow
                  key={a.id}
                  account={a}
                  index={index}
                  total={total}
                  code={codes.get(a.id)}
                  now={now}
                  tabbable={index === tabStop}
                  selected={index === selected}
                  onCurrentTab={onPlatform(a, tab)}
                  onFill={(x) => void fill(x)}
                  onCopy={(x) => void copy(x)}
                  onRemove={askRemove}
                  onFocusRow={setSel}
                />
              );
            })}
          </ul>
        </div>
      )}
      <p id="keys-hint" class="hint keys">
        {t('popupKeysHint')}
      </p>
    </div>
  );
}

/** Prepared once per load: the host shown and the lowercase text that search looks in. */
function listed(a: AccountSummary): ListedAccount {
  const host = hostOf(a.origin);
  return { ...a, host, haystack: [a.issuer, a.label ?? '', a.accountName, host, a.deviceName].join('\n').toLowerCase() };
}

/** Hosts by origin: a thousand accounts share a few platforms, and URL parsing is not free. */
const hosts = new Map<string, string>();
const hostOf = (origin: string) => {
  let host = hosts.get(origin);
  if (host === undefined) {
    try {
      host = new URL(origin).host;
    } catch {
      host = origin;
    }
    hosts.set(origin, host);
  }
  return host;
};

/**
 * Why this account's code must not go into that tab, or null. The background's filler only ever
 * fills the code of an account bound to the page's own origin; saying so here tells the user why.
 */
function whyNotFill(a: ListedAccount, tab: CurrentTab | null): string | null {
  if (!tab) return t('popupNoTab');
  if (!tab.urlKnown) return t('popupTabHidden');
  if (!tab.origin || !tab.host) return t('popupNoTab');
  if (a.origin !== tab.origin) {
    // Same host on another scheme or port: show whole origins so the difference is visible.
    const same = a.host === tab.host;
    return t('popupWrongOrigin', [same ? a.origin : a.host, same ? tab.origin : tab.host]);
  }
  if (a.realm && tab.realm && a.realm !== tab.realm) return t('popupWrongRealm', [a.realm, a.host, tab.realm]);
  return null;
}

/**
 * Focuses a row's button in that column, or the nearest one to its left that the row has: copy
 * is disabled until the code came, and only accounts not confirmed yet have Remove.
 */
function focusCell(index: number, column: Column): void {
  const ids = { fill: [`row-${index}`], copy: [`copy-${index}`, `row-${index}`], remove: [`remove-${index}`, `copy-${index}`, `row-${index}`] }[column];
  for (const id of ids) {
    const button = document.getElementById(id) as HTMLButtonElement | null;
    if (button && !button.disabled) return button.focus();
  }
}

function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color'].includes(target.type);
}
