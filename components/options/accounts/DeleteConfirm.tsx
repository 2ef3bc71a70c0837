import { useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol';
import { request } from '../../client';
import { t } from '../../i18n';
import { ErrorMessage } from '../../ErrorMessage';
import { onEscape, useFocusOnMount, type EditorProps } from './editor';
import { fullName } from './grouping';

/**
 * Asks before deleting, naming the account and its platform. Deleting here does not remove the
 * authenticator from Keycloak, which would then ask for codes nobody can make any more: the
 * explanation says so (issue 6). For an account ThingPark has not confirmed yet it
 * says more: ThingPark most likely has it already (it was saved as its setup form was filled),
 * and removing it can lock the user out until an administrator resets their authenticator.
 */
export function DeleteConfirm({ account, onClose, onDeleted }: EditorProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  // The question takes the focus, so it is read first; the buttons are the next tab stops.
  const group = useFocusOnMount<HTMLDivElement>();

  const remove = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    const reply = await request('accounts.delete', { id: account.id });
    setBusy(false);
    if (!reply.ok) {
      setError(reply.error);
      group.current?.focus();
      return;
    }
    onDeleted(account.id);
  };

  return (
    <div
      id="manage-editor"
      class="acct-editor acct-confirm"
      role="group"
      tabIndex={-1}
      ref={group}
      aria-labelledby="manage-delete-question"
      aria-describedby="manage-delete-explain manage-delete-error"
      onKeyDown={onEscape(() => onClose())}
    >
      <p id="manage-delete-question" class="acct-question">
        {t('manageDeleteConfirm', [fullName(account), account.origin])}
      </p>
      <p id="manage-delete-explain" class="acct-warning">
        {account.unconfirmed ? t('unconfirmedRemoveWarning', account.origin) : t('manageDeleteExplain')}
      </p>
      <ErrorMessage id="manage-delete-error" error={error} />
      <div class="acct-buttons">
        <button type="button" class="danger" disabled={busy} aria-busy={busy} onClick={() => void remove()}>
          {busy ? t('working') : t('manageDeleteYes')}
        </button>
        <button type="button" class="secondary" onClick={() => onClose()}>
          {t('manageCancel')}
        </button>
      </div>
    </div>
  );
}
