import { useEffect, useRef, useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol/errors';
import { normalizeOrigin } from '@/lib/import/additions';
import { isBuiltIn } from '@/lib/platforms/self-hosted';
import { request } from '../../../utils/client';
import { errorText, t } from '../../../utils/i18n';
import { ErrorMessage } from '../../shared/ErrorMessage';
import { Field } from '../../popup/add/Field';
import { onEscape, useFocusOnMount, type EditorProps } from './editor';
import { fullName } from './grouping';

/** The select's value for "Another address…" (no origin is empty). */
const OTHER = '';

interface Props extends EditorProps {
  /** Platforms the user already has, other than this account's: other accounts' and added ones. */
  targets: string[];
  /** Origins of the self-hosted platforms the extension runs on. */
  added: ReadonlySet<string>;
}

/**
 * Binds an account to another platform (the origin its codes are filled on): pick a known one
 * or type an address, then confirm a sentence that names both platforms. The secret, the user
 * name and the device stay; only where the extension fills the code changes.
 */
export function MoveEditor({ account, targets, added, onClose, onSaved }: Props) {
  const [choice, setChoice] = useState(targets[0] ?? OTHER);
  const [address, setAddress] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [target, setTarget] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const select = useFocusOnMount<HTMLSelectElement>();
  const url = useRef<HTMLInputElement>(null);
  const focusChoice = () => (url.current ?? select.current)?.focus();
  const confirmRef = useRef<HTMLDivElement>(null);
  const backTo = useRef(false);

  // The confirmation takes the focus so that its question is read first; Back returns to the choice.
  useEffect(() => {
    if (target) confirmRef.current?.focus();
    else if (backTo.current) focusChoice();
  }, [target]);

  // Without known platforms there is no list: the address field is the first control.
  useEffect(() => {
    if (!targets.length) url.current?.focus();
  }, []);

  const cont = (e: Event) => {
    e.preventDefault();
    let origin: string | null = choice;
    if (choice === OTHER) {
      const typed = address.trim();
      // "iot.example.com" as pasted from an e-mail means https.
      origin = normalizeOrigin(/^[a-z][a-z0-9+.-]*:/i.test(typed) ? typed : `https://${typed}`);
      if (!typed || !origin) {
        setFieldError(errorText({ code: 'bad-origin' }));
        focusChoice();
        return;
      }
    }
    if (origin === account.origin) {
      setFieldError(t('manageMoveSame'));
      focusChoice();
      return;
    }
    setFieldError(null);
    setError(null);
    setTarget(origin);
  };

  const move = async () => {
    if (!target || busy) return;
    setBusy(true);
    setError(null);
    const reply = await request('accounts.update', { id: account.id, changes: { origin: target } });
    setBusy(false);
    if (!reply.ok) {
      setError(reply.error);
      confirmRef.current?.focus();
      return;
    }
    onSaved(reply.value);
    onClose({ tone: 'ok', text: t('manageMoved', [account.name, reply.value.origin]) });
  };

  const back = () => {
    backTo.current = true;
    setError(null);
    setTarget(null);
  };

  if (target) {
    const covered = isBuiltIn(target) || added.has(target);
    return (
      <div
        id="manage-editor"
        class="acct-editor acct-confirm"
        role="group"
        tabIndex={-1}
        ref={confirmRef}
        aria-labelledby="manage-move-question"
        aria-describedby={`manage-move-explain${covered ? '' : ' manage-move-note'} manage-move-error`}
        onKeyDown={onEscape(() => onClose())}
      >
        <p id="manage-move-question" class="acct-question">
          {t('manageMoveConfirm', [fullName(account), account.origin, target])}
        </p>
        <p id="manage-move-explain">{t('manageMoveExplain', [target, account.origin])}</p>
        {covered ? null : (
          <p id="manage-move-note" class="acct-warning">
            {t('manageMoveNotCovered', target)}
          </p>
        )}
        <ErrorMessage id="manage-move-error" error={error} />
        <div class="acct-buttons">
          <button type="button" disabled={busy} aria-busy={busy} onClick={() => void move()}>
            {busy ? t('working') : t('manageMoveYes')}
          </button>
          <button type="button" class="secondary" onClick={back}>
            {t('manageBack')}
          </button>
          <button type="button" class="secondary" onClick={() => onClose()}>
            {t('manageCancel')}
          </button>
        </div>
      </div>
    );
  }

  const other = choice === OTHER;
  return (
    <form
      id="manage-editor"
      class="acct-editor"
      aria-label={t('manageMoveFor', account.name)}
      noValidate
      onSubmit={cont}
      onKeyDown={onEscape(() => onClose())}
    >
      {targets.length > 0 ? (
        <Field id="manage-move-choice" label={t('manageMoveField')}>
          {(a11y) => (
            <select
              {...a11y}
              ref={select}
              value={choice}
              onChange={(e) => {
                setFieldError(null);
                setChoice(e.currentTarget.value);
              }}
            >
              {targets.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
              <option value={OTHER}>{t('manageMoveOther')}</option>
            </select>
          )}
        </Field>
      ) : null}
      {other ? (
        <Field id="manage-move-url" label={t('manageMoveUrl')} hint={t('manageMoveUrlHint')} error={fieldError} announce>
          {(a11y) => (
            <input
              {...a11y}
              ref={url}
              type="url"
              inputMode="url"
              autoComplete="off"
              spellcheck={false}
              placeholder="https://"
              value={address}
              onInput={(e) => {
                setFieldError(null);
                setAddress(e.currentTarget.value);
              }}
            />
          )}
        </Field>
      ) : null}
      <div class="acct-buttons">
        <button type="submit">{t('manageMoveContinue')}</button>
        <button type="button" class="secondary" onClick={() => onClose()}>
          {t('manageCancel')}
        </button>
      </div>
    </form>
  );
}
