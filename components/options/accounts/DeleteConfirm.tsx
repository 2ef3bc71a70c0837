import { t } from '../../../utils/i18n';
import { DeleteQuestion } from '../../shared/DeleteQuestion';
import type { EditorProps } from './editor';
import { fullName } from './grouping';

/**
 * Asks before deleting, naming the account and its platform. Deleting here does not remove the
 * authenticator from Keycloak, which would then ask for codes nobody can make any more: the
 * explanation says so. For an account ThingPark has not confirmed yet it says more: ThingPark
 * most likely has it already (it was saved as its setup form was filled), and removing it can
 * lock the user out until an administrator resets their authenticator.
 */
export function DeleteConfirm({ account, onClose, onDeleted }: EditorProps) {
  return (
    <DeleteQuestion
      accountId={account.id}
      ids={{ group: 'manage-editor', question: 'manage-delete-question', warning: 'manage-delete-explain', error: 'manage-delete-error' }}
      classes={{ group: 'acct-editor acct-confirm', question: 'acct-question', warning: 'acct-warning', buttons: 'acct-buttons' }}
      question={t('manageDeleteConfirm', [fullName(account), account.origin])}
      warning={account.unconfirmed ? t('unconfirmedRemoveWarning', account.origin) : t('manageDeleteExplain')}
      yes={t('manageDeleteYes')}
      cancel={t('manageCancel')}
      onCancel={() => onClose()}
      onDeleted={onDeleted}
    />
  );
}
