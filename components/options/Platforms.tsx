/**
 * The options page's "Self-hosted platforms": ThingPark platforms at their own address (an
 * integrator's). Adding one asks the browser for that host only (optional_host_permissions); the
 * background then registers our content script there. Removing one unregisters it and gives the
 * permission back; the accounts bound to it stay in the vault.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { findSameHost, isBuiltIn, matchPatternFor, parsePlatformUrl } from '@/lib/platforms/self-hosted';
import type { AppError } from '@/lib/protocol/errors';
import type { PlatformSummary } from '@/lib/protocol/messages';
import type { SectionProps } from './Options';
import { request } from '../../utils/client';
import { Alert } from '../shared/Alert';
import { ErrorMessage } from '../shared/ErrorMessage';
import { errorText, t } from '../../utils/i18n';

/**
 * Asks the browser for access to `origin`'s host (true when granted; false when the user refused
 * or the request failed). Call it from the click or Enter handler itself, before any `await`:
 * Firefox grants a permission request only while it handles the user's click or Enter, so
 * everything before permissions.request must run synchronously.
 */
function askForHost(origin: string): Promise<boolean> {
  return browser.permissions.request({ origins: [matchPatternFor(origin)] }).catch(() => false);
}

/** The add form's outcome: an error of the address, or a sentence for the status region. */
type Notice = { error: AppError } | { done: string } | null;

export function Platforms({ revision, onChanged }: SectionProps) {
  const [platforms, setPlatforms] = useState<PlatformSummary[] | null>(null);
  const [listError, setListError] = useState<AppError | null>(null);
  const [url, setUrl] = useState('');
  const [notice, setNotice] = useState<Notice>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  // Only the newest load may set the list: a slow older reply must not overwrite it.
  const loads = useRef(0);

  const load = async () => {
    const n = ++loads.current;
    const reply = await request('platforms.list', {});
    if (n !== loads.current) return;
    if (reply.ok) setPlatforms(reply.value);
    setListError(reply.ok ? null : reply.error);
  };
  useEffect(() => {
    void load();
  }, [revision]);
  // The user can take access back (or give it) in the browser's own settings: follow it.
  useEffect(() => {
    const reload = () => void load();
    browser.permissions.onAdded.addListener(reload);
    browser.permissions.onRemoved.addListener(reload);
    return () => {
      browser.permissions.onAdded.removeListener(reload);
      browser.permissions.onRemoved.removeListener(reload);
    };
  }, []);

  /** A change went through: show the new list at once, and tell the other sections. */
  const changed = (list: PlatformSummary[]) => {
    loads.current++;
    setPlatforms(list);
    onChanged();
  };

  const fail = (error: AppError) => {
    setNotice({ error });
    input.current?.focus();
  };

  // Not async on purpose: everything up to askForHost must run synchronously (see askForHost).
  const add = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const parsed = parsePlatformUrl(url);
    if (!parsed.ok) return fail({ code: parsed.error.code });
    const origin = parsed.value;
    if (isBuiltIn(origin)) return fail({ code: 'built-in-platform' });
    if (findSameHost(platforms ?? [], origin)) return fail({ code: 'platform-exists' });
    setBusy(true);
    setNotice(null);
    void askForHost(origin).then(async (granted) => {
      // Refused by the user: nothing to store. Granted: the background checks it again.
      const reply = granted ? await request('platforms.add', { url: origin }) : null;
      setBusy(false);
      if (!reply) return fail({ code: 'permission-refused' });
      if (!reply.ok) return fail(reply.error);
      setUrl('');
      setNotice({ done: t('platformAdded', origin) });
      changed(reply.value);
    });
  };

  const urlError = notice && 'error' in notice ? notice.error : null;
  return (
    <section class="card platforms" aria-labelledby="platforms-title">
      <h2 id="platforms-title">{t('platformsTitle')}</h2>
      <p>{t('platformIntro')}</p>
      <form onSubmit={add} noValidate>
        <div class="field">
          <label for="platform-url">{t('platformUrl')}</label>
          <div class="platform-add-row">
            <input
              ref={input}
              id="platform-url"
              type="url"
              inputMode="url"
              autoComplete="url"
              spellcheck={false}
              placeholder="https://iot.example.com"
              value={url}
              aria-invalid={urlError ? 'true' : undefined}
              aria-describedby="platform-url-error platform-url-hint"
              onInput={(e) => {
                setUrl(e.currentTarget.value);
                if (urlError) setNotice(null);
              }}
            />
            <button type="submit" disabled={busy} aria-busy={busy}>
              {busy ? t('working') : t('platformAdd')}
            </button>
          </div>
          <ErrorMessage id="platform-url-error" error={urlError} />
          <p id="platform-url-hint" class="hint">
            {t('platformUrlHint')}
          </p>
        </div>
      </form>
      <p role="status" class="ok">
        {notice && 'done' in notice ? notice.done : ''}
      </p>

      <h3 id="platform-list-title">{t('platformListTitle')}</h3>
      <ErrorMessage id="platform-list-error" error={listError} />
      {platforms === null ? (
        listError ? null : <p aria-busy="true">{t('loading')}</p>
      ) : platforms.length === 0 ? (
        <p class="platform-none">{t('platformNone')}</p>
      ) : (
        <ul class="platform-list" aria-labelledby="platform-list-title">
          {platforms.map((p) => (
            <PlatformRow
              key={p.origin}
              platform={p}
              onChanged={changed}
              onRemoved={() => {
                setNotice({ done: t('platformRemoved', p.origin) });
                // The row and its buttons are gone: keep the keyboard user in this section.
                input.current?.focus();
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function accountsText(n: number): string {
  if (n === 0) return t('platformAccountsNone');
  if (n === 1) return t('platformAccountsOne');
  return t('platformAccountsMany', String(n));
}

interface RowProps {
  platform: PlatformSummary;
  onChanged: (list: PlatformSummary[]) => void;
  onRemoved: () => void;
}

function PlatformRow({ platform, onChanged, onRemoved }: RowProps) {
  const { origin, accounts, permitted, managed } = platform;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [allowed, setAllowed] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const removeButton = useRef<HTMLButtonElement>(null);
  const backToRemove = useRef(false);
  const id = `platform-${origin.replace(/[^a-z0-9]/gi, '-')}`;

  // Layout effect: focus moves in the same task as the buttons change, never via <body>.
  useLayoutEffect(() => {
    if (confirming) confirmButton.current?.focus();
    // Cancelled: back where the user was, once the confirmation's buttons are gone.
    else if (backToRemove.current) removeButton.current?.focus();
    backToRemove.current = false;
  }, [confirming]);

  const cancel = () => {
    backToRemove.current = true;
    setConfirming(false);
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    const reply = await request('platforms.remove', { origin });
    setBusy(false);
    if (!reply.ok) return setError(errorText(reply.error));
    onRemoved();
    onChanged(reply.value);
  };

  // Not async on purpose, like adding: synchronous up to askForHost.
  const allowAgain = () => {
    setError(null);
    setAllowed(false);
    void askForHost(origin).then(async (granted) => {
      if (!granted) return setError(t('platformAllowRefused', origin));
      // The background follows permissions.onAdded and registers the script again.
      const reply = await request('platforms.list', {});
      if (!reply.ok) return setError(errorText(reply.error));
      setAllowed(true);
      onChanged(reply.value);
    });
  };

  return (
    <li class="platform">
      <span class="platform-origin">
        {origin}
      </span>
      {accounts === null ? null : <span class="platform-meta">{accountsText(accounts)}</span>}
      {managed ? <span class="platform-meta">{t('policyPlatformManaged')}</span> : null}
      {permitted ? (
        <span class="platform-meta">{t('platformPermitted')}</span>
      ) : (
        // A preset platform was never allowed by the user: "access was removed" would be wrong.
        <span class="platform-revoked">{t(managed ? 'policyPlatformNotAllowed' : 'platformNotPermitted')}</span>
      )}
      <Alert text={error} />
      <p class="ok" role="status">
        {allowed && permitted ? t('platformAllowed', origin) : ''}
      </p>
      {confirming ? (
        <div
          class="platform-confirm"
          role="group"
          aria-labelledby={`${id}-question`}
          aria-describedby={`${id}-explain`}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && !busy) cancel();
          }}
        >
          <p id={`${id}-question`} class="platform-question">
            {t('platformRemoveQuestion', origin)}
          </p>
          <p id={`${id}-explain`}>{t('platformRemoveExplain')}</p>
          <div class="platform-actions">
            <button ref={confirmButton} type="button" class="platform-danger" disabled={busy} aria-busy={busy} onClick={() => void remove()}>
              {busy ? t('working') : t('platformRemoveConfirm')}
            </button>
            <button type="button" class="platform-secondary" disabled={busy} onClick={cancel}>
              {t('platformCancel')}
            </button>
          </div>
        </div>
      ) : (
        <div class="platform-actions">
          {permitted ? null : (
            <button type="button" aria-label={t('platformAllowAgainNamed', origin)} onClick={allowAgain}>
              {t('platformAllowAgain')}
            </button>
          )}
          {managed ? null : (
          <button
            ref={removeButton}
            type="button"
            class="platform-secondary"
            aria-label={t('platformRemoveNamed', origin)}
            onClick={() => {
              setError(null);
              setConfirming(true);
            }}
          >
            {t('platformRemove')}
          </button>
          )}
        </div>
      )}
    </li>
  );
}
