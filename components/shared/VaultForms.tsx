import { useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol/errors';
import { PassphraseField } from './PassphraseField';
import { ErrorMessage } from './ErrorMessage';
import { t } from '../../utils/i18n';

type Run = (payload: Record<string, string>) => Promise<AppError | null>;

/** Shared submit logic: one request at a time, the error kept until the next attempt. */
function useSubmit(run: Run) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const submit = async (payload: Record<string, string>, onOk?: () => void) => {
    setBusy(true);
    setError(null);
    const failure = await run(payload);
    setBusy(false);
    setError(failure);
    if (!failure) onOk?.();
  };
  return { busy, error, submit };
}

export function CreateVaultForm({ create }: { create: (passphrase: string, confirm: string) => Promise<AppError | null> }) {
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const { busy, error, submit } = useSubmit((p) => create(p.passphrase ?? '', p.confirm ?? ''));
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void submit({ passphrase, confirm });
      }}
    >
      <p>{t('createIntro')}</p>
      <PassphraseField
        id="create-passphrase"
        label={t('passphrase')}
        value={passphrase}
        onInput={setPassphrase}
        autoComplete="new-password"
        describedBy="passphrase-rule create-error"
        invalid={error?.code === 'weak-passphrase'}
        autoFocus
      />
      <p id="passphrase-rule" class="hint">
        {t('passphraseRule')}
      </p>
      <PassphraseField
        id="create-confirm"
        label={t('confirmPassphrase')}
        value={confirm}
        onInput={setConfirm}
        autoComplete="new-password"
        describedBy="create-error"
        invalid={error?.code === 'passphrase-mismatch'}
      />
      <ErrorMessage id="create-error" error={error} />
      <button type="submit" disabled={busy} aria-busy={busy}>
        {busy ? t('working') : t('createVault')}
      </button>
    </form>
  );
}

export function UnlockForm({ unlock }: { unlock: (passphrase: string) => Promise<AppError | null> }) {
  const [passphrase, setPassphrase] = useState('');
  const { busy, error, submit } = useSubmit((p) => unlock(p.passphrase ?? ''));
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        // A failed attempt clears the field so the next try starts clean.
        void submit({ passphrase }).then(() => setPassphrase(''));
      }}
    >
      <p>{t('unlockIntro')}</p>
      <PassphraseField
        id="unlock-passphrase"
        label={t('passphrase')}
        value={passphrase}
        onInput={setPassphrase}
        autoComplete="current-password"
        describedBy="unlock-error"
        invalid={error != null}
        autoFocus
      />
      <ErrorMessage id="unlock-error" error={error} />
      <button type="submit" disabled={busy} aria-busy={busy}>
        {busy ? t('working') : t('unlock')}
      </button>
    </form>
  );
}

export function ChangePassphraseForm({
  change,
}: {
  change: (oldPassphrase: string, newPassphrase: string, confirm: string) => Promise<AppError | null>;
}) {
  const [fields, setFields] = useState({ old: '', next: '', confirm: '' });
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useSubmit((p) => change(p.old ?? '', p.next ?? '', p.confirm ?? ''));
  const set = (k: keyof typeof fields) => (v: string) => {
    setDone(false);
    setFields((f) => ({ ...f, [k]: v }));
  };
  return (
    <form
      class="card"
      aria-labelledby="change-title"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(fields, () => {
          setFields({ old: '', next: '', confirm: '' });
          setDone(true);
        });
      }}
    >
      <h2 id="change-title">{t('changePassphraseTitle')}</h2>
      <PassphraseField id="change-old" label={t('currentPassphrase')} value={fields.old} onInput={set('old')} autoComplete="current-password" describedBy="change-error" invalid={error?.code === 'wrong-passphrase'} />
      <PassphraseField id="change-new" label={t('newPassphrase')} value={fields.next} onInput={set('next')} autoComplete="new-password" describedBy="passphrase-rule-change change-error" invalid={error?.code === 'weak-passphrase'} />
      <p id="passphrase-rule-change" class="hint">
        {t('passphraseRule')}
      </p>
      <PassphraseField id="change-confirm" label={t('confirmNewPassphrase')} value={fields.confirm} onInput={set('confirm')} autoComplete="new-password" describedBy="change-error" invalid={error?.code === 'passphrase-mismatch'} />
      <ErrorMessage id="change-error" error={error} />
      <p role="status" class="ok">
        {done ? t('passphraseChanged') : ''}
      </p>
      <button type="submit" disabled={busy} aria-busy={busy}>
        {busy ? t('working') : t('changePassphrase')}
      </button>
    </form>
  );
}
