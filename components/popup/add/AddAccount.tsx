/**
 * The popup's "Add account" view: an account from a pasted `otpauth://` link or Google
 * Authenticator export, a typed key, a QR code image, or another app's export file (Aegis, 2FAS,
 * Bitwarden, the Authenticator extension), bound to a platform address. Every input
 * goes through the background's dry run first and is shown for review; only after the user
 * confirms are the new accounts sent again, and the background saves them in one write.
 */
import { ErrorMessage } from '../../shared/ErrorMessage';
import { t } from '../../../utils/i18n';
import { Field } from './Field';
import { FilePanel } from './FilePanel';
import { ImagePanel } from './ImagePanel';
import { KeyForm } from './KeyForm';
import { METHODS, useAddAccount, type CurrentPlace, type Method } from './useAddAccount';

export interface AddAccountProps {
  currentTab: CurrentPlace;
  onDone: () => void;
  /** The method shown first (the file methods when the view was opened in a tab for them). */
  initialMethod?: Method;
  /** Opens this view in a tab on a file method (a Firefox popup closes when a file dialog opens); null: not needed. */
  pickInTab?: ((method: 'file' | 'image') => void) | null;
}

const METHOD_LABEL: Record<Method, () => string> = {
  link: () => t('addTabLink'),
  key: () => t('addTabKey'),
  image: () => t('addTabImage'),
  file: () => t('addTabFile'),
};

export function AddAccount({ currentTab, onDone, initialMethod, pickInTab = null }: AddAccountProps) {
  const {
    step, method, place, link, key, image, reading, errors, busy, requestError, preview, savedText, formRef, stepHeading, tabRefs,
    fileStatus, filePasswordFor, filePassword,
    submit, save, readImage, readFile, editFilePassword, selectTab, onTabKey, editPlace, editLink, editKey, dragOver, drop, addAnother, backToInput,
  } = useAddAccount(currentTab, initialMethod);

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
          <button type="button" class="add-secondary" onClick={addAnother}>
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
          <button type="button" class="add-secondary" onClick={backToInput}>
            {t('addBack')}
          </button>
        </div>
      </section>
    );
  }

  return (
    // An image dropped anywhere in the view is read, not only on the drop zone (useAddAccount.ts, drop).
    <section class="add card" aria-labelledby="add-title" onDragOver={dragOver} onDrop={drop}>
      <h2 id="add-title">{t('addTitle')}</h2>
      <form ref={formRef} noValidate onSubmit={submit}>
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
                  onInput={(e) => editLink(e.currentTarget.value)}
                />
              )}
            </Field>
          ) : method === 'key' ? (
            <KeyForm fields={key} errors={errors} onChange={editKey} />
          ) : method === 'image' ? (
            <ImagePanel
              readFrom={image.text !== null ? image.name : null}
              reading={reading}
              error={errors.image ?? null}
              onFile={(f) => void readImage(f)}
              pickInTab={pickInTab && (() => pickInTab('image'))}
            />
          ) : (
            <FilePanel
              status={fileStatus}
              reading={reading}
              error={errors.file ?? null}
              passwordFor={filePasswordFor}
              password={filePassword}
              passwordError={errors.filePassword ?? null}
              onFile={(f) => void readFile(f)}
              onPassword={editFilePassword}
              pickInTab={pickInTab && (() => pickInTab('file'))}
            />
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
