import { t } from '../../../utils/i18n';
import type { ComponentChildren } from 'preact';

/** What a control needs to be tied to its label, hint and error. */
export interface FieldA11y {
  id: string;
  'aria-invalid': 'true' | undefined;
  'aria-describedby': string | undefined;
}

interface Props {
  id: string;
  label: string;
  hint?: string | null;
  /** Says which field and what is wrong; shown right under the control. */
  error?: string | null;
  /** Announce the error as it appears (for errors that come without a submit, e.g. an image read). */
  announce?: boolean;
  children: (a11y: FieldA11y) => ComponentChildren;
}

/**
 * A labelled control with its hint and its error. The error is the first description, so a screen
 * reader reads it as soon as the invalid field receives focus (the form focuses the first one).
 */
export function Field({ id, label, hint, error, announce, children }: Props) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': describedBy || undefined })}
      {error ? (
        <p id={errorId} class="error add-field-error" role={announce ? 'alert' : undefined}>
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} class="hint add-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/**
 * A labelled file picker (the keyboard way to give a file; dropping is the panel's): its error is
 * announced as it appears, since reading a file comes without a submit.
 */
export function FileField(p: {
  id: string;
  label: string;
  hint?: string;
  accept: string;
  error: string | null;
  reading: boolean;
  onFile: (file: File) => void;
  /** In a Firefox popup, which a file dialog closes: the way to choose the file in a tab instead. */
  pickInTab?: (() => void) | null;
}) {
  if (p.pickInTab) {
    return (
      <div class="field">
        <p class="hint add-hint" id={`${p.id}-in-tab-hint`}>
          {t('addChooseInTabHint')}
        </p>
        <button type="button" class="add-secondary" aria-describedby={`${p.id}-in-tab-hint`} onClick={p.pickInTab}>
          {t('addChooseInTab')}
        </button>
        {p.error ? (
          <p class="error add-field-error" role="alert">
            {p.error}
          </p>
        ) : null}
        {p.hint ? <p class="hint add-hint">{p.hint}</p> : null}
      </div>
    );
  }
  return (
    <Field id={p.id} label={p.label} hint={p.hint ?? null} error={p.error} announce>
      {(a) => (
        <input
          {...a}
          type="file"
          accept={p.accept}
          aria-busy={p.reading ? 'true' : undefined}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) p.onFile(file);
          }}
        />
      )}
    </Field>
  );
}
