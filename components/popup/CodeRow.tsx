import type { AccountSummary } from '@/lib/protocol/messages';
import type { ShownCode } from './useCodes';
import { t } from '../../utils/i18n';
import { UnconfirmedMark } from '../shared/UnconfirmedMark';

/** Height of one row in px: fixed, so the list can place and window rows without measuring. */
export const ROW_HEIGHT = 68;

/** An account prepared once when the list loads: its host and the lowercase text search looks in. */
export interface ListedAccount extends AccountSummary {
  host: string;
  haystack: string;
}

/** "123 456", "1234 5678", "123 456 789": digits in groups that are read (and typed) at a glance. */
export function groupDigits(code: string): string {
  if (code.length === 9) return code.replace(/(\d{3})(?=\d)/g, '$1 ');
  if (code.length < 6) return code;
  const half = Math.floor(code.length / 2);
  return `${code.slice(0, half)} ${code.slice(half)}`;
}

interface Props {
  account: ListedAccount;
  index: number;
  total: number;
  code: ShownCode | undefined;
  now: number;
  /** Holds the list's single tab stop (roving tabindex). */
  tabbable: boolean;
  selected: boolean;
  onCurrentTab: boolean;
  onFill: (account: ListedAccount) => void;
  onCopy: (account: ListedAccount) => void;
  /** Asks to remove an account not confirmed by ThingPark yet (the list asks for confirmation). */
  onRemove: (account: ListedAccount) => void;
  onFocusRow: (index: number) => void;
}

/**
 * One account: a button that fills its code into the current tab (named by what it shows:
 * issuer, user, platform, device), the current code with its countdown, and a copy button.
 * An account ThingPark has not confirmed yet also shows so, with since when, under
 * them, and a Remove button: the fill button's description starts with that mark.
 */
export function CodeRow(p: Props) {
  const a = p.account;
  const codeId = `code-${p.index}`;
  const markId = a.unconfirmed ? `unconfirmed-${p.index}` : null;
  return (
    <li
      class={`code-row${p.selected ? ' selected' : ''}${a.unconfirmed ? ' unconfirmed' : ''}`}
      style={{ top: `${p.index * ROW_HEIGHT}px` }}
      aria-posinset={p.index + 1}
      aria-setsize={p.total}
      data-account-id={a.id}
      data-user={a.accountName}
    >
      <button
        type="button"
        class="fill"
        id={`row-${p.index}`}
        data-index={p.index}
        tabIndex={p.tabbable ? 0 : -1}
        aria-describedby={`${markId ? `${markId} ` : ''}${codeId} keys-hint`}
        onClick={() => p.onFill(a)}
        onFocus={() => p.onFocusRow(p.index)}
      >
        <span class="issuer">
          {a.issuer}
          {p.onCurrentTab && <span class="here">{t('popupThisTab')}</span>}
        </span>
        <span class="user">{a.label ?? a.accountName}</span>
        <span class="meta">{[a.label ? a.accountName : null, a.host, a.deviceName || null].filter(Boolean).join(' · ')}</span>
      </button>
      <Code id={codeId} code={p.code} now={p.now} />
      <button
        type="button"
        class="copy"
        id={`copy-${p.index}`}
        data-index={p.index}
        tabIndex={p.tabbable ? 0 : -1}
        aria-label={t('popupCopyFor', a.label ?? a.accountName)}
        disabled={!p.code}
        onClick={() => p.onCopy(a)}
        onFocus={() => p.onFocusRow(p.index)}
      >
        {t('popupCopy')}
      </button>
      {a.unconfirmed && markId ? (
        <div class="unconfirmed-line">
          <UnconfirmedMark id={markId} class="mark" unconfirmed={a.unconfirmed} now={p.now} />
          <button
            type="button"
            class="remove"
            id={`remove-${p.index}`}
            data-index={p.index}
            tabIndex={p.tabbable ? 0 : -1}
            aria-label={t('popupRemoveFor', a.label ?? a.accountName)}
            aria-describedby={markId}
            onClick={() => p.onRemove(a)}
            onFocus={() => p.onFocusRow(p.index)}
          >
            {t('popupRemove')}
          </button>
        </div>
      ) : null}
    </li>
  );
}

function Code({ id, code, now }: { id: string; code: ShownCode | undefined; now: number }) {
  if (!code) {
    return (
      <div class="otp" id={id} aria-busy="true">
        <span class="digits pending">{t('loading')}</span>
      </div>
    );
  }
  const digits = (
    <span class="digits">
      <span class="sr-only">{t('popupCurrentCode')} </span>
      {groupDigits(code.code)}
    </span>
  );
  if (code.expiresAt === null) {
    // HOTP: valid until used, so nothing counts down.
    return (
      <div class="otp" id={id}>
        {digits}
        <span class="left">{t('popupCounterCode')}</span>
      </div>
    );
  }
  const left = Math.max(0, Math.ceil((code.expiresAt - now) / 1000));
  const fraction = Math.min(1, left / code.period);
  return (
    <div class={`otp${left <= 5 ? ' ending' : ''}`} id={id}>
      {digits}
      <span class="left">
        <span aria-hidden="true">{t('popupSecondsShort', String(left))}</span>
        <span class="sr-only">{t('popupSecondsLong', String(left))}</span>
        <span class="bar" aria-hidden="true">
          <span style={{ width: `${fraction * 100}%` }} />
        </span>
      </span>
    </div>
  );
}
