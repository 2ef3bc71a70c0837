/**
 * The popup list's state and behaviour, drawn by AccountList.tsx: the accounts (the first
 * screen's, then the whole list), the search, which rows are in view, the keyboard moves between
 * rows and their buttons, and fill, copy and remove with what they say.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AccountSummary, Reply } from '@/lib/protocol/messages';
import type { AppError } from '@/lib/protocol/errors';
import { platformFirst } from '@/lib/platforms/on-platform';
import type { CurrentTabState } from '@/lib/protocol/hand-off';
import { request } from '../../utils/client';
import { errorText, t } from '../../utils/i18n';
import { ROW_HEIGHT, type ListedAccount } from './CodeRow';
import { useCodes } from './useCodes';
import { findCurrentTab } from './current-tab';
import { listed, whyNotFill } from './listed';
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

type Note = { tone: 'ok' | 'error'; text: string; seq: number } | null;
/** A row's buttons, left to right (Remove only on accounts ThingPark has not confirmed yet). */
type Column = 'fill' | 'copy' | 'remove';

export interface AccountListOptions {
  current: CurrentTabState;
  /** The background says the vault is locked (auto-lock while the popup is open). */
  onLocked: () => void;
  /** The accounts the popup asked for as it opened, if not used yet (taken once); else the list asks. */
  firstList?: () => FirstList | null;
}

export function useAccountList({ current, onLocked, firstList }: AccountListOptions) {
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

  return {
    loaded, loadError, query, search, total, note, confirming, searchRef, viewportRef, viewHeight, setScrollTop,
    filtered, first, last, selected, tabStop, setSel, codes, now,
    fill, copy, askRemove, cancelRemove, onRemoved, onSearchKey, onListKey,
  };
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
