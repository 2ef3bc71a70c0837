import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { RESET_CONFIRM, type VaultStatus } from '@/lib/protocol/messages';
import type { AppError } from '@/lib/protocol/errors';
import type { VaultErrorCode } from '@/lib/vault/envelope';
import { useVault } from './useVault';
import { CreateVaultForm, UnlockForm } from './VaultForms';
import { ErrorMessage } from './ErrorMessage';
import { request } from '../../utils/client';
import { datedFileName, saveTextFile } from '../options/backups/download';
import { t, type MessageKey } from '../../utils/i18n';

export type RunRequest = ReturnType<typeof useVault>['run'];

/**
 * The lock states shared by popup and options: no vault → create; locked → unlock; damaged →
 * explain, offer the stored data as a file and a deliberate reset, change nothing by itself;
 * unlocked → the page's content with a Lock button.
 */
export function VaultGate({ children }: { children: (status: VaultStatus, run: RunRequest) => ComponentChildren }) {
  const { status, loadError, refresh, run } = useVault();
  if (loadError) return <ErrorMessage id="load-error" error={loadError} />;
  if (!status) return <p aria-busy="true">{t('loading')}</p>;

  switch (status.state) {
    case 'none':
      return <CreateVaultForm create={(passphrase, confirm) => run('vault.create', { passphrase, confirm })} />;
    case 'locked':
      return (
        <UnlockForm
          unlock={async (passphrase) => {
            const error = await run('vault.unlock', { passphrase });
            // The right passphrase, data that does not decrypt: the background now reports the
            // vault as damaged, and this page shows what can be done about it.
            if (error?.code === 'corrupt') await refresh();
            return error;
          }}
        />
      );
    case 'damaged':
      return <DamagedVault code={status.damage ?? 'corrupt'} run={run} />;
    case 'unlocked':
      return (
        <>
          <div class="card unlocked">
            <p role="status">{t('unlockedState', String(status.settings.autoLockMinutes))}</p>
            <button type="button" onClick={() => void run('vault.lock', {})}>
              {t('lock')}
            </button>
          </div>
          {children(status, run)}
        </>
      );
  }
}

const WHY: Record<string, MessageKey> = {
  'unsupported-version': 'damagedWhyNewer',
  'not-a-vault': 'damagedWhyForeign',
};

/**
 * A stored vault that cannot be read: what happened, that nothing was deleted, and the two ways
 * out, both the user's own choice: a file of exactly what is stored (for support, or for a newer
 * version of the extension), and deleting it to start again, which is offered behind an inline
 * confirmation that names the loss, with a second check when no copy was downloaded. The
 * background refuses both for a vault that can be read.
 */
function DamagedVault({ code, run }: { code: VaultErrorCode; run: RunRequest }) {
  const [downloaded, setDownloaded] = useState<string | null>(null);
  const [downloadError, setDownloadError] = useState<AppError | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [withoutCopy, setWithoutCopy] = useState(false);
  const [resetError, setResetError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const resetButton = useRef<HTMLButtonElement>(null);
  const question = useRef<HTMLParagraphElement>(null);
  /** Where focus goes once the confirmation opened or closed (null: the page's first render). */
  const focusAfter = useRef<'question' | 'reset' | null>(null);
  useEffect(() => {
    // The question is read first and the controls follow it; Cancel returns to the button.
    if (focusAfter.current === 'question') question.current?.focus();
    if (focusAfter.current === 'reset') resetButton.current?.focus();
    focusAfter.current = null;
  }, [confirming]);
  const newer = code === 'unsupported-version';
  const onOptionsPage = location.href.startsWith(browser.runtime.getURL('/options.html'));

  async function download() {
    setDownloadError(null);
    const reply = await request('vault.exportRaw', {});
    if (!reply.ok) return setDownloadError(reply.error);
    const name = datedFileName('thingpark-autofill-damaged-vault', 'json');
    saveTextFile(name, reply.value.text, 'application/json');
    setDownloaded(name);
  }

  async function reset() {
    if (busy || !(downloaded || withoutCopy)) return;
    setBusy(true);
    setResetError(null);
    // On success the gate shows the form that creates a new vault in place of this one.
    const error = await run('vault.reset', { confirm: RESET_CONFIRM });
    setBusy(false);
    setResetError(error);
  }

  function openConfirm() {
    focusAfter.current = 'question';
    setConfirming(true);
    setWithoutCopy(false);
    setResetError(null);
  }

  function cancel() {
    focusAfter.current = 'reset';
    setConfirming(false);
    setWithoutCopy(false);
  }

  return (
    <div class="card damaged" role="region" aria-labelledby="damaged-title">
      <h2 id="damaged-title">{t('damagedTitle')}</h2>
      <p role="alert">
        {t(WHY[code] ?? 'damagedWhyCorrupt')} <strong>{t('damagedNothingDeleted')}</strong>
      </p>
      <h3>{t('damagedWhatToDo')}</h3>
      <ol class="damaged-steps">
        {newer && <li>{t('damagedDoUpdate')}</li>}
        <li>{t('damagedDoDownload')}</li>
        <li>{t(newer ? 'damagedDoResetNewer' : 'damagedDoReset')}</li>
      </ol>
      <div class="damaged-actions">
        <button type="button" onClick={() => void download()}>
          {t('damagedDownload')}
        </button>
        {!onOptionsPage && (
          <button type="button" class="damaged-secondary" onClick={() => void browser.runtime.openOptionsPage()}>
            {t('damagedOpenSettings')}
          </button>
        )}
      </div>
      <p class="ok" role="status">
        {downloaded ? t('damagedDownloaded', downloaded) : ''}
      </p>
      <ErrorMessage id="damaged-download-error" error={downloadError} />

      {!confirming ? (
        <button type="button" ref={resetButton} class="damaged-danger" onClick={openConfirm}>
          {t('damagedReset')}
        </button>
      ) : (
        <div class="damaged-confirm" role="group" aria-labelledby="damaged-question">
          <p id="damaged-question" class="damaged-question" tabIndex={-1} ref={question}>
            {t('damagedResetQuestion')}
          </p>
          <p id="damaged-consequence">{t('damagedResetConsequence')}</p>
          {!downloaded && (
            <div class="check">
              <input
                id="damaged-without-copy"
                type="checkbox"
                checked={withoutCopy}
                aria-describedby="damaged-consequence"
                onChange={(e) => setWithoutCopy(e.currentTarget.checked)}
              />
              <label for="damaged-without-copy">{t('damagedResetWithoutCopy')}</label>
            </div>
          )}
          <ErrorMessage id="damaged-reset-error" error={resetError} />
          <div class="damaged-actions">
            <button
              type="button"
              class="damaged-danger"
              disabled={busy || !(downloaded || withoutCopy)}
              aria-busy={busy}
              aria-describedby="damaged-consequence"
              onClick={() => void reset()}
            >
              {busy ? t('working') : t('damagedResetConfirm')}
            </button>
            <button type="button" class="damaged-secondary" onClick={cancel}>
              {t('damagedCancel')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
