import { onPlatform } from '@/lib/platforms/on-platform';
import { ErrorMessage } from '../shared/ErrorMessage';
import { CodeRow, ROW_HEIGHT } from './CodeRow';
import { RemoveConfirm } from './RemoveConfirm';
import { t } from '../../utils/i18n';
import { useAccountList, type AccountListOptions } from './useAccountList';

interface Props extends AccountListOptions {
  onAdd: () => void;
}

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
  const {
    loaded, loadError, query, search, total, note, confirming, searchRef, viewportRef, viewHeight, setScrollTop,
    filtered, first, last, selected, tabStop, setSel, codes, now,
    fill, copy, askRemove, cancelRemove, onRemoved, onSearchKey, onListKey,
  } = useAccountList({ current, onLocked, firstList });
  const tab = current.tab;

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
