import type { ListedAccount } from './CodeRow';
import { DeleteQuestion } from '../shared/DeleteQuestion';
import { t } from '../../utils/i18n';

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
 * The popup's question before removing an account ThingPark has not confirmed yet, above the
 * list: the list's rows are windowed at a fixed height, so it cannot open under its row. It
 * names the account and says what removing costs: ThingPark most likely has this authenticator
 * already, and without it the user may be locked out until an administrator resets theirs.
 */
export function RemoveConfirm({ account, onCancel, onRemoved, onLocked }: Props) {
  const name = account.label ? `${account.label} (${account.accountName})` : account.accountName;
  return (
    <DeleteQuestion
      accountId={account.id}
      ids={{ group: 'remove-confirm', question: 'remove-question', warning: 'remove-warning', error: 'remove-error' }}
      classes={{ group: 'remove-confirm', question: 'remove-question', warning: 'remove-warning', buttons: 'remove-buttons' }}
      question={t('popupRemoveConfirm', [name, account.host])}
      warning={t('unconfirmedRemoveWarning', account.host)}
      yes={t('popupRemove')}
      cancel={t('popupRemoveCancel')}
      onCancel={onCancel}
      onDeleted={() => onRemoved(account)}
      onLocked={onLocked}
    />
  );
}
