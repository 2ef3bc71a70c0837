/**
 * "Import a backup": a backup file read in the page and sent once to the background, which
 * merges it (nothing stored is ever replaced) and answers with what it did to each account.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { MAX_BACKUP_BYTES } from '@/lib/vault/backup';
import type { AppError } from '@/lib/protocol/errors';
import type { ImportReport } from '@/lib/protocol/messages';
import { request } from '../../../utils/client';
import { PassphraseField } from '../../shared/PassphraseField';
import { errorText, t } from '../../../utils/i18n';
import { Alert } from '../../shared/Alert';
import { Report } from './Report';
import { importErrorText } from './text';

type Problem = { field: 'file' | 'passphrase' | null; text: string };

export function ImportForm({ onChanged }: { onChanged: () => void }) {
  // The File object only: its text is read when the user imports and is not kept afterwards.
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [attempt, setAttempt] = useState(0);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (problem?.field === 'file') fileInput.current?.focus();
    else if (problem?.field === 'passphrase') document.getElementById('backup-import-passphrase')?.focus();
  }, [attempt]);

  const fail = (p: Problem) => {
    setProblem(p);
    setAttempt((n) => n + 1);
  };

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setProblem(null);
    setReport(null);
    if (!file) return fail({ field: 'file', text: t('backupError_no_file') });
    // Checked before reading: a huge file would only be refused by the background after being
    // read and copied across the message channel.
    if (file.size > MAX_BACKUP_BYTES) return fail({ field: 'file', text: errorText({ code: 'backup-too-large' }) });
    setBusy(true);
    let text: string;
    try {
      text = await file.text();
    } catch {
      setBusy(false);
      return fail({ field: 'file', text: t('backupError_unreadable') });
    }
    const reply = await request('backup.import', { file: text, passphrase });
    setBusy(false);
    setPassphrase('');
    if (!reply.ok) return fail(problemOf(reply.error));
    setFile(null);
    if (fileInput.current) fileInput.current.value = '';
    setReport(reply.value);
    if (reply.value.added.length > 0) onChanged();
  }

  const fileInvalid = problem?.field === 'file';
  return (
    <form class="backup-part" aria-labelledby="backup-import-title" onSubmit={(e) => void submit(e)}>
      <h3 id="backup-import-title">{t('backupImportTitle')}</h3>
      <p>{t('backupImportIntro')}</p>
      <div class="field">
        <label for="backup-import-file">{t('backupFile')}</label>
        <input
          ref={fileInput}
          id="backup-import-file"
          type="file"
          accept=".json,application/json"
          aria-describedby="backup-import-file-hint backup-import-error"
          aria-invalid={fileInvalid ? 'true' : undefined}
          onChange={(e) => {
            setFile(e.currentTarget.files?.[0] ?? null);
            setProblem(null);
            setReport(null);
          }}
        />
      </div>
      <p id="backup-import-file-hint" class="hint">
        {t('backupFileHint')}
      </p>
      <PassphraseField
        id="backup-import-passphrase"
        label={t('backupPassphrase')}
        value={passphrase}
        onInput={setPassphrase}
        autoComplete="current-password"
        describedBy="backup-import-passphrase-hint backup-import-error"
        invalid={problem?.field === 'passphrase'}
      />
      <p id="backup-import-passphrase-hint" class="hint">
        {t('backupImportPassphraseHint')}
      </p>
      <Alert id="backup-import-error" text={problem?.text ?? null} />
      <button type="submit" disabled={busy} aria-busy={busy}>
        {busy ? t('working') : t('backupImport')}
      </button>
      <Report report={report} />
    </form>
  );
}

function problemOf(error: AppError): Problem {
  const text = importErrorText(error);
  if (error.code === 'wrong-passphrase') return { field: 'passphrase', text };
  if (['not-a-vault', 'corrupt', 'unsupported-version', 'backup-too-large'].includes(error.code)) return { field: 'file', text };
  return { field: null, text };
}
