/**
 * The unencrypted `otpauth://` list (for moving accounts to a phone app), kept out of the way: a
 * closed disclosure, a warning, and a checkbox that must be ticked before the passphrase field
 * and the button can be reached at all.
 */
import { useRef, useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol/errors';
import { request } from '../../../utils/client';
import { PassphraseField } from '../../shared/PassphraseField';
import { t } from '../../../utils/i18n';
import { Alert } from '../../shared/Alert';
import { datedFileName, saveTextFile } from './download';
import { counted, exportErrorText } from './text';

export function PlainExport() {
  const [open, setOpen] = useState(false);
  const [understood, setUnderstood] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [done, setDone] = useState('');
  const checkbox = useRef<HTMLInputElement>(null);

  const reset = () => {
    setUnderstood(false);
    setPassphrase('');
    setError(null);
  };

  async function submit(e: Event) {
    e.preventDefault();
    if (busy || !understood) return;
    setBusy(true);
    setError(null);
    setDone('');
    const reply = await request('backup.exportPlain', { vaultPassphrase: passphrase });
    setBusy(false);
    setPassphrase('');
    if (!reply.ok) {
      setError(reply.error);
      document.getElementById('backup-plain-vault')?.focus();
      return;
    }
    const name = datedFileName('thingpark-autofill-otpauth', 'txt');
    saveTextFile(name, reply.value.text, 'text/plain');
    // The next export asks for the acknowledgement again.
    setUnderstood(false);
    // The button just got disabled: focus goes back to the acknowledgement, not to the page's top.
    checkbox.current?.focus();
    setDone(counted(reply.value.accounts, 'backupPlainExportedOne', 'backupPlainExportedMany', name));
  }

  return (
    <details
      class="backup-part backup-plain"
      open={open}
      onToggle={(e) => {
        const nowOpen = e.currentTarget.open;
        setOpen(nowOpen);
        if (!nowOpen) {
          reset();
          setDone('');
        }
      }}
    >
      <summary id="backup-plain-title">{t('backupPlainSummary')}</summary>
      <form aria-labelledby="backup-plain-title" onSubmit={(e) => void submit(e)}>
        <p id="backup-plain-warning" class="backup-warning">
          <strong>{t('backupPlainWarningLead')}</strong> {t('backupPlainWarning')}
        </p>
        <div class="check">
          <input
            id="backup-plain-understood"
            ref={checkbox}
            type="checkbox"
            checked={understood}
            aria-describedby="backup-plain-warning"
            onChange={(e) => {
              setUnderstood(e.currentTarget.checked);
              setDone('');
              if (!e.currentTarget.checked) setPassphrase('');
            }}
          />
          <label for="backup-plain-understood">{t('backupPlainUnderstand')}</label>
        </div>
        {/* Disabled, the fieldset takes its passphrase field and button out of the tab order. */}
        <fieldset class="backup-plain-step" disabled={!understood}>
          {understood ? null : <p class="hint">{t('backupPlainLocked')}</p>}
          <PassphraseField
            id="backup-plain-vault"
            label={t('backupVaultPassphrase')}
            value={passphrase}
            onInput={setPassphrase}
            autoComplete="current-password"
            describedBy="backup-plain-error"
            invalid={error?.code === 'wrong-passphrase'}
          />
          <Alert id="backup-plain-error" text={error ? exportErrorText(error) : null} />
          <button type="submit" disabled={busy || !understood} aria-busy={busy}>
            {busy ? t('working') : t('backupPlainExport')}
          </button>
        </fieldset>
        <p role="status" class="ok">
          {done}
        </p>
      </form>
    </details>
  );
}
