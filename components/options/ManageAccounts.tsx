import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AccountSummary } from '@/lib/protocol/messages';
import type { AppError } from '@/lib/protocol/errors';
import type { SectionProps } from './Options';
import { request } from '../../utils/client';
import { ErrorMessage } from '../shared/ErrorMessage';
import { t } from '../../utils/i18n';
import { AccountRow, type RowContext } from './accounts/AccountRow';
import type { Action, Note } from './accounts/editor';
import { filterGroups, fullName, groupByOrigin, keepUnchanged, prepare, type ManagedAccount } from './accounts/grouping';

/** Above this many accounts a filter box helps find one. */
const FILTER_FROM = 6;

type Open = { id: string; action: Action } | null;
/** Where the focus goes after the next render: a row's button, or the section's title. */
type FocusTarget = { id: string; action: Action } | 'title' | null;

/**
 * The options page's "Accounts" section: every account grouped by platform, and per account:
 * rename (label), device name, move to another platform, delete, and show its QR code.
 * One editor is open at a time, inline under its row; Escape or Cancel closes it and the focus
 * returns to the button that opened it. Rows are memoised, so a list of hundreds of accounts
 * only redraws the row whose editor opens or closes.
 */
export function ManageAccounts(props: SectionProps) {
  const [accounts, setAccounts] = useState<ManagedAccount[] | null>(null);
  const [added, setAdded] = useState<ReadonlySet<string>>(new Set());
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState<Open>(null);
  const [note, setNote] = useState<(Note & { seq: number }) | null>(null);
  const titleRef = useRef<HTMLHeadingElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const focusAfter = useRef<FocusTarget>(null);
  const loads = useRef(0);

  // Reload whenever any section changed the vault (this one included: it also saw its own change).
  useEffect(() => {
    const seq = ++loads.current;
    void Promise.all([request('accounts.list', {}), request('platforms.list', {})]).then(([list, platforms]) => {
      if (seq !== loads.current) return;
      if (!list.ok) return setLoadError(list.error);
      setLoadError(null);
      setAccounts((old) => keepUnchanged(old, prepare(list.value)));
      setAdded(new Set(platforms.ok ? platforms.value.map((p) => p.origin) : []));
    });
  }, [props.revision]);

  const groups = useMemo(() => (accounts ? groupByOrigin(accounts) : []), [accounts]);
  const shown = useMemo(() => filterGroups(groups, query), [groups, query]);
  const shownCount = useMemo(() => shown.reduce((n, g) => n + g.accounts.length, 0), [shown]);

  // Rows read the latest lists through this ref, so the context object below never changes.
  const latest = useRef({ accounts, added, onChanged: props.onChanged });
  latest.current = { accounts, added, onChanged: props.onChanged };

  const ctx = useMemo<RowContext>(() => {
    const say = (n: Note) => setNote((old) => ({ ...n, seq: (old?.seq ?? 0) + 1 }));
    return {
      say,
      toggle: (id, action) => {
        setNote(null);
        setOpen((o) => (o?.id === id && o.action === action ? null : { id, action }));
      },
      close: (id, action, n) => {
        focusAfter.current = { id, action };
        setOpen((o) => (o?.id === id && o.action === action ? null : o));
        if (n) say(n);
      },
      saved: (account: AccountSummary) => {
        const [fresh] = prepare([account]);
        setAccounts((list) => list && list.map((a) => (a.id === account.id && fresh ? fresh : a)));
        latest.current.onChanged();
      },
      deleted: (id) => {
        const gone = latest.current.accounts?.find((a) => a.id === id);
        setAccounts((list) => list && list.filter((a) => a.id !== id));
        setOpen(null);
        // The row and its buttons are gone: the section's title is the nearest stable place.
        focusAfter.current = 'title';
        if (gone) say({ tone: 'ok', text: t('manageDeleted', fullName(gone)) });
        latest.current.onChanged();
      },
      moveTargets: (from) => {
        const origins = new Set([...(latest.current.accounts ?? []).map((a) => a.origin), ...latest.current.added]);
        origins.delete(from);
        return [...origins].sort();
      },
      added: () => latest.current.added,
    };
  }, []);

  useLayoutEffect(() => {
    const target = focusAfter.current;
    if (!target) return;
    focusAfter.current = null;
    if (target === 'title') return titleRef.current?.focus();
    const row = listRef.current?.querySelector(`li[data-account-id="${CSS.escape(target.id)}"]`);
    (row?.querySelector(`button[data-action="${target.action}"]`) as HTMLButtonElement | null)?.focus();
  });

  const total = accounts?.length ?? 0;
  return (
    <section class="card manage" aria-labelledby="accounts-title">
      <h2 id="accounts-title" ref={titleRef} tabIndex={-1}>
        {t('manageTitle')}
      </h2>
      <p class="hint">{t('manageIntro')}</p>
      {total >= FILTER_FROM ? (
        <div class="field manage-filter">
          <label for="manage-filter">{t('manageFilter')}</label>
          <input
            id="manage-filter"
            type="search"
            autoComplete="off"
            spellcheck={false}
            aria-describedby="manage-filter-hint"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
          <p id="manage-filter-hint" class="hint">
            {t('manageFilterHint')}
          </p>
        </div>
      ) : null}
      <p role="status" class="manage-shown">
        {query.trim() && total ? t('manageShown', [String(shownCount), String(total)]) : ''}
      </p>
      <ErrorMessage id="manage-load-error" error={loadError} />
      {!accounts ? (
        loadError ? null : <p aria-busy="true">{t('loading')}</p>
      ) : total === 0 ? (
        <p class="manage-empty">{t('noAccounts')}</p>
      ) : shownCount === 0 ? (
        <p class="manage-empty">{t('manageNoMatches', query.trim())}</p>
      ) : (
        <div ref={listRef} class="manage-groups">
          {shown.map((g, i) => (
            <div key={g.origin} class="manage-group">
              <h3 id={`manage-group-${i}`}>
                <span class="manage-origin">{g.origin}</span>{' '}
                <span class="manage-count">
                  {g.accounts.length === 1 ? t('manageGroupOne') : t('manageGroupMany', String(g.accounts.length))}
                </span>
              </h3>
              <ul class="acct-list" aria-labelledby={`manage-group-${i}`}>
                {g.accounts.map((a) => (
                  <AccountRow key={a.id} account={a} open={open?.id === a.id ? open.action : null} ctx={ctx} />
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
      {/* Kept at the bottom of the viewport while the section is in view, next to long lists. */}
      <div class="manage-note">
        <p role="status" class="ok">
          {note?.tone === 'ok' ? <span key={note.seq}>{note.text}</span> : ''}
        </p>
        <p role="alert" class="error">
          {note?.tone === 'error' ? <span key={note.seq}>{note.text}</span> : ''}
        </p>
      </div>
    </section>
  );
}
