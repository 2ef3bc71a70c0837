/**
 * The popup's "Add account" view: an account from a pasted `otpauth://` link or Google
 * Authenticator export, a typed key, or a QR code image, bound to a platform address. Every input
 * goes through the background's dry run first and is shown for review; only after the user
 * confirms are the new accounts sent again, and the background saves them in one write.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { normalizeOrigin } from '@/lib/import/additions';
import { realmFromUrl } from '@/lib/keycloak/page-detection';
import type { AppError } from '@/lib/protocol/errors';
import type { NewAccount } from '@/lib/protocol/messages';
import { request } from '../../../utils/client';
import { ErrorMessage } from '../../shared/ErrorMessage';
import { t } from '../../../utils/i18n';
import { Field } from './Field';
import { ImagePanel } from './ImagePanel';
import { KeyForm, keyErrorText } from './KeyForm';
import { buildKeyUri, DEFAULT_KEY_FIELDS, type KeyField, type KeyFields } from './key-entry';
import { buildPreview, lineErrorText, problemText, type Preview } from './preview';
import { firstImage, readQrFromImage, type ImageReadError } from './qr-image';
import { collectFromText, isEmpty, MAX_ACCOUNTS, type Collected, type LineError } from './sources';

export interface AddAccountProps {
  currentTab: { origin: string; realm: string | null } | null;
  onDone: () => void;
}

type Method = 'link' | 'key' | 'image';
const METHODS: readonly Method[] = ['link', 'key', 'image'];
const METHOD_LABEL: Record<Method, () => string> = {
  link: () => t('addTabLink'),
  key: () => t('addTabKey'),
  image: () => t('addTabImage'),
};

type ErrorField = 'origin' | 'link' | 'image' | KeyField;
type Errors = Partial<Record<ErrorField, string>>;

interface Place {
  origin: string;
  realm: string;
  deviceName: string;
}

const IMAGE_ERRORS: Record<ImageReadError, () => string> = {
  'not-image': () => t('addErrNotImage'),
  'no-qr': () => t('addErrNoQr'),
  'empty-image': () => t('addErrEmptyImage'),
};

/** In a QR code, text that is no link at all means the code is not an authenticator's. */
const imageLineError = (e: LineError) => (e.kind === 'not-link' ? t('error_qr_not_otpauth') : lineErrorText(e));

const placeFrom = (tab: AddAccountProps['currentTab']) => ({
  origin: (tab && normalizeOrigin(tab.origin)) ?? '',
  realm: tab?.realm ?? '',
});

export function AddAccount({ currentTab, onDone }: AddAccountProps) {
  const [step, setStep] = useState<'input' | 'preview' | 'saved'>('input');
  const [method, setMethod] = useState<Method>('link');
  const [place, setPlace] = useState<Place>(() => ({ ...placeFrom(currentTab), deviceName: '' }));
  const placeEdited = useRef(false);
  const [link, setLink] = useState('');
  const [key, setKey] = useState<KeyFields>(DEFAULT_KEY_FIELDS);
  const [image, setImage] = useState<{ name: string; text: string | null }>({ name: '', text: null });
  const [reading, setReading] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [requestError, setRequestError] = useState<AppError | null>(null);
  const [preview, setPreview] = useState<(Preview & { origin: string; realm: string | null }) | null>(null);
  const [savedText, setSavedText] = useState('');
  /** Bumped after a failed review: focus goes to the first invalid field. */
  const [invalidAttempt, setInvalidAttempt] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const stepHeading = useRef<HTMLElement>(null);
  const tabRefs = useRef<Partial<Record<Method, HTMLButtonElement | null>>>({});

  // The current tab is looked up asynchronously: take it as the default until the user edits.
  useEffect(() => {
    if (!placeEdited.current) setPlace((p) => ({ ...p, ...placeFrom(currentTab) }));
  }, [currentTab?.origin, currentTab?.realm]);

  useEffect(() => {
    if (invalidAttempt > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [invalidAttempt]);

  useEffect(() => {
    if (step !== 'input') stepHeading.current?.focus();
  }, [step]);

  const clearError = (field: ErrorField) =>
    setErrors((e) => {
      if (!(field in e)) return e;
      const { [field]: _removed, ...rest } = e;
      return rest;
    });

  const editPlace = (patch: Partial<Place>, field: ErrorField | null) => {
    placeEdited.current = true;
    setPlace((p) => ({ ...p, ...patch }));
    if (field) clearError(field);
  };

  async function review(source: Method, imageText: string | null = image.text) {
    if (busy) return;
    const found: Errors = {};
    const origin = normalizeOrigin(place.origin);
    if (!origin) found.origin = t('error_bad_origin');
    let collected: Collected | null = null;

    if (source === 'link') {
      if (link.trim() === '') found.link = t('addErrEmptyLink');
      else {
        const c = collectFromText(link);
        if (isEmpty(c)) found.link = c.problems.map((p) => problemText(p)).join('\n');
        else if (c.candidates.length > MAX_ACCOUNTS) found.link = t('addErrTooMany', String(MAX_ACCOUNTS));
        else collected = c;
      }
    } else if (source === 'key') {
      const built = buildKeyUri(key);
      if (built.ok) collected = { candidates: [{ uri: built.uri, line: null }], problems: [], skipped: [], missing: [] };
      else for (const [field, code] of Object.entries(built.errors)) found[field as KeyField] = keyErrorText(code);
    } else if (imageText === null) {
      found.image = errors.image ?? t('addErrNoImage');
    } else {
      const c = collectFromText(imageText);
      if (isEmpty(c)) found.image = c.problems.map((p) => problemText(p, imageLineError)).join('\n');
      else collected = c;
    }

    setErrors(found);
    setRequestError(null);
    if (!origin || !collected || Object.keys(found).length > 0) {
      setInvalidAttempt((n) => n + 1);
      return;
    }
    const realm = place.realm.trim() || realmFromUrl(place.origin.trim()) || null;
    const accounts: NewAccount[] = collected.candidates.map((c) => ({ uri: c.uri, origin, realm, deviceName: place.deviceName.trim() }));
    setBusy(true);
    const reply = accounts.length > 0 ? await request('accounts.add', { accounts, dryRun: true }) : { ok: true as const, value: [] };
    setBusy(false);
    if (!reply.ok) {
      setRequestError(reply.error);
      return;
    }
    setPreview({ ...buildPreview(collected, accounts, reply.value), origin, realm });
    setStep('preview');
  }

  async function save() {
    if (!preview || preview.toSave.length === 0 || busy) return;
    setBusy(true);
    setRequestError(null);
    const reply = await request('accounts.add', { accounts: preview.toSave, dryRun: false });
    setBusy(false);
    if (!reply.ok) {
      setRequestError(reply.error);
      return;
    }
    const added = reply.value.filter((o) => o.status === 'added').length;
    setSavedText(added === 0 ? t('addSavedNone') : added === 1 ? t('addSaved1') : t('addSavedN', String(added)));
    // The inputs held secrets: nothing of them stays on the page once saved.
    setLink('');
    setKey((k) => ({ ...DEFAULT_KEY_FIELDS, issuer: k.issuer }));
    setImage({ name: '', text: null });
    setPreview(null);
    setStep('saved');
  }

  async function readImage(file: File) {
    setMethod('image');
    setImage({ name: file.name, text: null });
    clearError('image');
    setReading(true);
    const result = await readQrFromImage(file);
    setReading(false);
    if (!result.ok) {
      setErrors((e) => ({ ...e, image: IMAGE_ERRORS[result.error]() }));
      return;
    }
    setImage({ name: file.name, text: result.value });
    // A picked image is a complete input: review it right away (with the fields as they are
    // now, not as they were when reading started).
    await latest.current.review('image', result.value);
  }

  // Handlers that outlive a render (paste listener, image reading) call the latest ones.
  const latest = useRef({ review, readImage });
  latest.current = { review, readImage };

  // Pasting an image anywhere in the view reads it (Ctrl+V after a screenshot).
  useEffect(() => {
    if (step !== 'input') return undefined;
    const onPaste = (e: ClipboardEvent) => {
      const file = firstImage(e.clipboardData);
      if (!file) return;
      e.preventDefault();
      void latest.current.readImage(file);
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [step]);

  function selectTab(next: Method, focus: boolean) {
    setMethod(next);
    if (focus) tabRefs.current[next]?.focus();
  }

  function onTabKey(e: KeyboardEvent) {
    const i = METHODS.indexOf(method);
    const n = METHODS.length;
    const target =
      e.key === 'ArrowRight' ? METHODS[(i + 1) % n] : e.key === 'ArrowLeft' ? METHODS[(i - 1 + n) % n] : e.key === 'Home' ? METHODS[0] : e.key === 'End' ? METHODS[n - 1] : undefined;
    if (!target) return;
    e.preventDefault();
    selectTab(target, true);
  }

  if (step === 'saved') {
    return (
      <section class="add card" aria-labelledby="add-saved">
        <p id="add-saved" class="ok add-saved" role="status" tabIndex={-1} ref={stepHeading as never}>
          {savedText}
        </p>
        <div class="add-actions">
          <button type="button" onClick={onDone}>
            {t('addDone')}
          </button>
          <button
            type="button"
            class="add-secondary"
            onClick={() => {
              setErrors({});
              setStep('input');
            }}
          >
            {t('addAnother')}
          </button>
        </div>
      </section>
    );
  }

  if (step === 'preview' && preview) {
    const n = preview.toSave.length;
    return (
      <section class="add card" aria-labelledby="add-preview-title">
        <h2 id="add-preview-title" tabIndex={-1} ref={stepHeading as never}>
          {t('addPreviewTitle')}
        </h2>
        <p class="hint add-hint">{t('addPreviewIntro', preview.realm ? `${preview.origin} (${preview.realm})` : preview.origin)}</p>
        <p class="add-summary" role="status">
          {preview.summary}
        </p>
        {preview.warnings.map((w) => (
          <p key={w} class="add-warning">
            {w}
          </p>
        ))}
        {/* Focusable: a long import scrolls inside the list, and keyboard users must reach it. */}
        <ul class="add-preview" aria-label={t('addPreviewList')} tabIndex={0}>
          {preview.rows.map((r) => (
            <li key={r.key} class={`add-row add-row-${r.tone}`}>
              <span class="add-row-name">
                {r.issuer ? <span class="add-row-issuer">{r.issuer}</span> : null}
                {r.name ? <span>{r.name}</span> : null}
              </span>
              <span class="add-row-status">{r.status}</span>
            </li>
          ))}
        </ul>
        {n === 0 ? <p class="add-nothing">{t('addNothingToSave')}</p> : null}
        <ErrorMessage id="add-save-error" error={requestError} />
        <div class="add-actions">
          {n > 0 ? (
            <button type="button" onClick={() => void save()} disabled={busy} aria-busy={busy}>
              {busy ? t('working') : n === 1 ? t('addSave1') : t('addSaveN', String(n))}
            </button>
          ) : null}
          <button
            type="button"
            class="add-secondary"
            onClick={() => {
              setRequestError(null);
              setStep('input');
            }}
          >
            {t('addBack')}
          </button>
        </div>
      </section>
    );
  }

  return (
    <section
      class="add card"
      aria-labelledby="add-title"
      // A file dropped outside the drop zone would otherwise replace the popup page. Text
      // dragged into a field keeps its default behaviour.
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
      }}
      onDrop={(e) => {
        if (!e.dataTransfer?.types.includes('Files')) return;
        e.preventDefault();
        const file = firstImage(e.dataTransfer);
        if (file) void readImage(file);
      }}
    >
      <h2 id="add-title">{t('addTitle')}</h2>
      <form
        ref={formRef}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void review(method);
        }}
      >
        <div role="tablist" aria-label={t('addMethods')} class="add-tabs" onKeyDown={onTabKey}>
          {METHODS.map((m) => (
            <button
              key={m}
              type="button"
              role="tab"
              id={`add-tab-${m}`}
              aria-selected={method === m ? 'true' : 'false'}
              aria-controls={`add-panel-${m}`}
              tabIndex={method === m ? 0 : -1}
              class="add-tab"
              ref={(el) => {
                tabRefs.current[m] = el;
              }}
              onClick={() => selectTab(m, false)}
            >
              {METHOD_LABEL[m]()}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`add-panel-${method}`} aria-labelledby={`add-tab-${method}`} class="add-panel">
          {method === 'link' ? (
            <Field id="add-link" label={t('addLinkLabel')} hint={t('addLinkHint')} error={errors.link}>
              {(a) => (
                <textarea
                  {...a}
                  rows={4}
                  value={link}
                  spellcheck={false}
                  autoComplete="off"
                  onInput={(e) => {
                    setLink(e.currentTarget.value);
                    clearError('link');
                  }}
                />
              )}
            </Field>
          ) : method === 'key' ? (
            <KeyForm
              fields={key}
              errors={errors}
              onChange={(patch, field) => {
                setKey((k) => ({ ...k, ...patch }));
                if (field) clearError(field);
              }}
            />
          ) : (
            <ImagePanel readFrom={image.text !== null ? image.name : null} reading={reading} error={errors.image ?? null} onFile={(f) => void readImage(f)} />
          )}
        </div>

        <fieldset class="add-fieldset">
          <legend>{t('addPlatformLegend')}</legend>
          <Field id="add-origin" label={t('addPlatform')} hint={t('addPlatformHint')} error={errors.origin}>
            {(a) => (
              <input
                {...a}
                type="url"
                inputMode="url"
                value={place.origin}
                placeholder="https://community.thingpark.io"
                autoComplete="url"
                spellcheck={false}
                onInput={(e) => editPlace({ origin: e.currentTarget.value }, 'origin')}
              />
            )}
          </Field>
          <Field id="add-realm" label={t('addRealm')} hint={t('addRealmHint')}>
            {(a) => <input {...a} type="text" value={place.realm} spellcheck={false} autoComplete="off" onInput={(e) => editPlace({ realm: e.currentTarget.value }, null)} />}
          </Field>
          <Field id="add-device" label={t('deviceName')} hint={t('addDeviceHint')}>
            {(a) => <input {...a} type="text" maxLength={64} value={place.deviceName} autoComplete="off" onInput={(e) => editPlace({ deviceName: e.currentTarget.value }, null)} />}
          </Field>
        </fieldset>

        <ErrorMessage id="add-review-error" error={requestError} />
        <div class="add-actions">
          <button type="submit" disabled={busy || reading} aria-busy={busy}>
            {busy ? t('working') : t('addReview')}
          </button>
          <button type="button" class="add-secondary" onClick={onDone}>
            {t('addCancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
