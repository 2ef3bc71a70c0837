import { useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol/errors';
import { request } from '../../../utils/client';
import { errorText, t } from '../../../utils/i18n';
import { Field } from '../../popup/add/Field';
import { onEscape, useFocusOnMount, type EditorProps } from './editor';

/** The background keeps at most this many characters of a label or device name. */
const MAX_LENGTH = 64;

/**
 * Edits the label (a display name only) or the recorded device name of one account. The account
 * name is not editable: it is the Keycloak user name the login page is matched against.
 */
export function TextEditor({ account, field, onClose, onSaved }: EditorProps & { field: 'label' | 'deviceName' }) {
  const [value, setValue] = useState(field === 'label' ? (account.label ?? '') : account.deviceName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const input = useFocusOnMount<HTMLInputElement>();
  const isLabel = field === 'label';
  const id = isLabel ? 'manage-label' : 'manage-device';

  const save = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const reply = await request('accounts.update', { id: account.id, changes: { [field]: value } });
    setBusy(false);
    if (!reply.ok) {
      setError(reply.error);
      input.current?.focus();
      return;
    }
    const saved = reply.value;
    onSaved(saved);
    const text = !isLabel
      ? t('manageDeviceSaved', saved.label ?? saved.accountName)
      : saved.label
        ? t('manageRenamed', saved.label)
        : t('manageLabelCleared', saved.accountName);
    onClose({ tone: 'ok', text });
  };

  return (
    <form
      id="manage-editor"
      class="acct-editor"
      aria-label={isLabel ? t('manageRenameFor', account.name) : t('manageEditDeviceFor', account.name)}
      onSubmit={(e) => void save(e)}
      onKeyDown={onEscape(() => onClose())}
    >
      <Field
        id={id}
        label={isLabel ? t('manageLabelField') : t('manageDeviceField')}
        hint={isLabel ? t('manageLabelHint', account.accountName) : t('manageDeviceHint')}
        error={error ? errorText(error) : null}
        announce
      >
        {(a11y) => (
          <input
            {...a11y}
            ref={input}
            type="text"
            maxLength={MAX_LENGTH}
            autoComplete="off"
            spellcheck={false}
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        )}
      </Field>
      <div class="acct-buttons">
        <button type="submit" disabled={busy} aria-busy={busy}>
          {busy ? t('working') : t('manageSave')}
        </button>
        <button type="button" class="secondary" onClick={() => onClose()}>
          {t('manageCancel')}
        </button>
      </div>
    </form>
  );
}
