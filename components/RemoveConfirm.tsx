import { useEffect, useRef, useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol';
import { request } from './client';
import { ErrorMessage } from './ErrorMessage';
import type { ListedAccount } from './CodeRow';
import { t } from './i18n';

interface Props {
  account: ListedAccount;
  /** Cancel, or Escape anywhere in it. */
  onCancel: () => void;
  /** The background deleted the account. */
  onRemoved: (account: ListedAccount) => void;
  /** The background says the vault is locked. */
  onLocked: () => void;
}

/**
 * The popup's question before removing an account ThingPark has not confirmed yet,
 * above the list: the list's rows are windowed at a fixed height, so it cannot open under its
 * row. It names the account and says what removing costs: ThingPark most likely has this
 * authenticator already, and without it the user may be locked out until an administrator
 * resets theirs. It takes the focus as it opens, so the question is read first.
 */
export function RemoveConfirm({ account, onCancel, onRemoved, onLocked }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const group = useRef<HTMLDivElement>(null);
  useEffect(() => group.current?.focus(), [account.id]);

  const remove = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    const reply = await request('accounts.delete', { id: account.id });
    setBusy(false);
    if (reply.ok) return onRemoved(account);
    if (reply.error.code === 'locked') return onLocked();
    setError(reply.error);
    group.current?.focus();
  };

  const name = account.label ? `${account.label} (${account.accountName})` : account.accountName;
  return (
    <div
      id="remove-confirm"
      class="remove-confirm"
      role="group"
      tabIndex={-1}
      ref={group}
      aria-labelledby="remove-question"
      aria-describedby="remove-warning remove-error"
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        // Handled here: the browser would close the popup.
        e.preventDefault();
        e.stopPropagation();
        onCancel();
      }}
    >
      <p id="remove-question" class="remove-question">
        {t('popupRemoveConfirm', [name, account.host])}
      </p>
      <p id="remove-warning" class="remove-warning">
        {t('unconfirmedRemoveWarning', account.host)}
      </p>
      <ErrorMessage id="remove-error" error={error} />
      <div class="remove-buttons">
        <button type="button" class="danger" disabled={busy} aria-busy={busy} onClick={() => void remove()}>
          {busy ? t('working') : t('popupRemove')}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          {t('popupRemoveCancel')}
        </button>
      </div>
    </div>
  );
}
