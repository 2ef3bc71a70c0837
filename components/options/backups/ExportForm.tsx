/**
 * "Export an encrypted backup": the vault's envelope under a passphrase the user picks for the
 * file. The vault passphrase is asked again, as for revealing one account: someone at an
 * unlocked browser must not walk away with every secret.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol/errors';
import { request } from '../../../utils/client';
import { PassphraseField } from '../../shared/PassphraseField';
import { t } from '../../../utils/i18n';
import { Alert } from '../../shared/Alert';
import { datedFileName, saveTextFile } from './download';
import { counted, exportErrorText } from './text';

type Fields = { vault: string; passphrase: string; confirm: string };
const EMPTY: Fields = { vault: '', passphrase: '', confirm: '' };

/** The field to fix for each error, focused so the user lands where the problem is. */
const FIELD_OF: Partial<Record<AppError['code'], keyof Fields>> = {
  'wrong-passphrase': 'vault',
  'weak-passphrase': 'passphrase',
  'passphrase-mismatch': 'confirm',
};
const ID: Record<keyof Fields, string> = {
  vault: 'backup-export-vault',
  passphrase: 'backup-export-passphrase',
  confirm: 'backup-export-confirm',
};

export function ExportForm() {
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [done, setDone] = useState('');
  const [attempt, setAttempt] = useState(0);
  const invalid = error ? FIELD_OF[error.code] : undefined;

  useEffect(() => {
    if (invalid) document.getElementById(ID[invalid])?.focus();
  }, [attempt]);

  const set = (k: keyof Fields) => (v: string) => {
    setDone('');
    setFields((f) => ({ ...f, [k]: v }));
  };

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setDone('');
    const reply = await request('backup.export', {
      vaultPassphrase: fields.vault,
      passphrase: fields.passphrase,
      confirm: fields.confirm,
    });
    setBusy(false);
    if (!reply.ok) {
      setError(reply.error);
      // A wrong vault passphrase is retyped from scratch, as on the unlock form.
      if (reply.error.code === 'wrong-passphrase') setFields((f) => ({ ...f, vault: '' }));
      setAttempt((n) => n + 1);
      return;
    }
    const name = datedFileName('thingpark-autofill-backup', 'json');
    saveTextFile(name, reply.value.file, 'application/json');
    setFields(EMPTY);
    setDone(counted(reply.value.accounts, 'backupExportedOne', 'backupExportedMany', name));
  }

  const describedBy = (own: string | null) => [own, 'backup-export-error'].filter(Boolean).join(' ');
  return (
    <form class="backup-part" aria-labelledby="backup-export-title" onSubmit={(e) => void submit(e)}>
      <h3 id="backup-export-title">{t('backupExportTitle')}</h3>
      <PassphraseField
        id={ID.vault}
        label={t('backupVaultPassphrase')}
        value={fields.vault}
        onInput={set('vault')}
        autoComplete="current-password"
        describedBy={describedBy('backup-export-vault-hint')}
        invalid={invalid === 'vault'}
      />
      <p id="backup-export-vault-hint" class="hint">
        {t('backupVaultPassphraseHint')}
      </p>
      <PassphraseField
        id={ID.passphrase}
        label={t('backupPassphrase')}
        value={fields.passphrase}
        onInput={set('passphrase')}
        autoComplete="new-password"
        describedBy={describedBy('backup-export-passphrase-hint')}
        invalid={invalid === 'passphrase'}
      />
      <p id="backup-export-passphrase-hint" class="hint">
        {t('backupPassphraseHint')}
      </p>
      <PassphraseField
        id={ID.confirm}
        label={t('backupRepeatPassphrase')}
        value={fields.confirm}
        onInput={set('confirm')}
        autoComplete="new-password"
        describedBy={describedBy(null)}
        invalid={invalid === 'confirm'}
      />
      <Alert id="backup-export-error" text={error ? exportErrorText(error) : null} />
      <p role="status" class="ok">
        {done}
      </p>
      <button type="submit" disabled={busy} aria-busy={busy}>
        {busy ? t('working') : t('backupExport')}
      </button>
    </form>
  );
}
