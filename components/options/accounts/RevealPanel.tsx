import { useEffect, useRef, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { AppError } from '@/lib/protocol/errors';
import { request } from '../../../utils/client';
import { t } from '../../../utils/i18n';
import { ErrorMessage } from '../../shared/ErrorMessage';
import { PassphraseField } from '../../shared/PassphraseField';
import { QrCode } from '../QrCode';
import { onEscape, type EditorProps } from './editor';
import { fullName } from './grouping';
import { eventType } from '@/lib/protocol/events';

const focusField = () => document.getElementById('manage-reveal-passphrase')?.focus();

/**
 * One account's QR code and `otpauth://` link, for adding it to a phone. The vault passphrase is
 * asked again even though the vault is open (`accounts.reveal` costs a full key derivation), so
 * that someone at an unlocked browser cannot walk away with the secret. The link lives only in
 * this component's state: Hide, closing the panel, leaving the page or the vault locking drop it.
 */
export function RevealPanel({ account, onClose, say }: EditorProps) {
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [uri, setUri] = useState<string | null>(null);
  const hideButton = useRef<HTMLButtonElement>(null);
  const mounted = useRef(true);
  useEffect(() => {
    focusField();
    return () => {
      mounted.current = false;
    };
  }, []);

  // Whoever locks the vault (auto-lock, the popup, another tab) also hides what it revealed here.
  useEffect(() => {
    if (!uri) return;
    hideButton.current?.focus();
    // The background tells open extension pages when the vault locks. (Polling vault.status
    // would count as use and keep the vault from ever locking by itself.)
    const onMessage = (message: unknown) => {
      if (eventType(message) !== 'vault.locked' || !mounted.current) return undefined;
      setUri(null);
      onClose({ tone: 'error', text: t('manageLockedHidden') });
      return undefined;
    };
    browser.runtime.onMessage.addListener(onMessage);
    return () => browser.runtime.onMessage.removeListener(onMessage);
  }, [uri]);

  const reveal = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    // The passphrase leaves the state as soon as it is sent, whatever the answer.
    const typed = passphrase;
    setPassphrase('');
    setBusy(true);
    setError(null);
    const reply = await request('accounts.reveal', { id: account.id, passphrase: typed });
    if (!mounted.current) return;
    setBusy(false);
    if (reply.ok) setUri(reply.value.uri);
    else {
      setError(reply.error);
      focusField();
    }
  };

  const hide = () => {
    setUri(null);
    onClose({ tone: 'ok', text: t('manageHidden') });
  };

  const copy = async () => {
    if (!uri) return;
    try {
      await navigator.clipboard.writeText(uri);
      say({ tone: 'ok', text: t('manageCopied') });
    } catch {
      say({ tone: 'error', text: t('manageCopyFailed') });
    }
  };

  if (uri) {
    const name = fullName(account);
    return (
      <div
        id="manage-editor"
        class="acct-editor acct-reveal"
        role="group"
        aria-label={t('manageShowQrFor', account.name)}
        onKeyDown={onEscape(hide)}
      >
        <p class="acct-warning">{t('manageRevealWarning')}</p>
        <QrCode text={uri} label={t('manageQrLabel', [name, account.issuer])} />
        <div class="field">
          <label for="manage-reveal-uri">{t('manageUriField')}</label>
          <textarea id="manage-reveal-uri" class="acct-uri" readOnly rows={3} spellcheck={false} autoComplete="off" value={uri} />
        </div>
        <div class="acct-buttons">
          <button type="button" onClick={() => void copy()}>
            {t('manageCopy')}
          </button>
          <button type="button" class="secondary" ref={hideButton} onClick={hide}>
            {t('manageHide')}
          </button>
        </div>
      </div>
    );
  }

  return (
    <form
      id="manage-editor"
      class="acct-editor"
      aria-label={t('manageShowQrFor', account.name)}
      onSubmit={(e) => void reveal(e)}
      onKeyDown={onEscape(() => onClose())}
    >
      <p id="manage-reveal-intro">{t('manageRevealIntro', fullName(account))}</p>
      <PassphraseField
        id="manage-reveal-passphrase"
        label={t('manageRevealPassphrase')}
        value={passphrase}
        onInput={setPassphrase}
        autoComplete="current-password"
        describedBy="manage-reveal-error manage-reveal-intro"
        invalid={error != null}
      />
      <ErrorMessage id="manage-reveal-error" error={error} />
      <div class="acct-buttons">
        <button type="submit" disabled={busy} aria-busy={busy}>
          {busy ? t('manageRevealBusy') : t('manageReveal')}
        </button>
        <button type="button" class="secondary" onClick={() => onClose()}>
          {t('manageCancel')}
        </button>
      </div>
    </form>
  );
}
