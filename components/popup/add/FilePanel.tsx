import { t } from '../../../utils/i18n';
import { Field, FileField } from './Field';

interface Props {
  /** The file read, once read: its name, the app that wrote it and how many accounts it holds. */
  status: string;
  reading: boolean;
  error: string | null;
  /** The app whose file is encrypted and waits for its password; null when none is asked. */
  passwordFor: string | null;
  password: string;
  passwordError: string | null;
  onFile: (file: File) => void;
  onPassword: (value: string) => void;
  pickInTab?: (() => void) | null;
}

/**
 * "From an app": a file another authenticator exported (Aegis, 2FAS, Bitwarden, the
 * Authenticator extension), picked or dropped; an encrypted one asks for its password here, and
 * Review opens it.
 */
export function FilePanel({ status, reading, error, passwordFor, password, passwordError, onFile, onPassword, pickInTab = null }: Props) {
  return (
    <div>
      <FileField
        id="add-file"
        label={t('addFileLabel')}
        hint={t('addFileHint')}
        accept=".json,.2fas,.txt,application/json,text/plain"
        error={error}
        reading={reading}
        onFile={onFile}
        pickInTab={pickInTab}
      />
      <p role="status" class="add-image-status">
        {reading ? t('addReadingFile') : status}
      </p>
      {passwordFor !== null ? (
        <Field id="add-file-password" label={t('addFilePassword', passwordFor)} hint={t('addFilePasswordHint')} error={passwordError}>
          {(a) => (
            <input
              {...a}
              type="password"
              autoComplete="off"
              value={password}
              onInput={(e) => onPassword(e.currentTarget.value)}
            />
          )}
        </Field>
      ) : null}
    </div>
  );
}
