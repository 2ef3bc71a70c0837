import type { Algorithm, OtpKind } from '@/lib/otp/otp';
import { errorText, t } from '../../../utils/i18n';
import { Field } from './Field';
import type { KeyField, KeyFieldError, KeyFields } from './key-entry';

const ALGORITHMS: Algorithm[] = ['SHA1', 'SHA256', 'SHA512'];

export function keyErrorText(code: KeyFieldError): string {
  return code === 'missing-account-name' ? t('addErrAccountName') : errorText({ code });
}

interface Props {
  fields: KeyFields;
  /** Messages by field, already in words. */
  errors: Partial<Record<KeyField, string>>;
  onChange: (patch: Partial<KeyFields>, field: KeyField | null) => void;
}

/** "Enter a key": the key shown in Keycloak's manual mode and its code settings. */
export function KeyForm({ fields, errors, onChange }: Props) {
  const err = (f: KeyField) => errors[f] ?? null;
  const text = (f: KeyField & keyof KeyFields) => (e: { currentTarget: HTMLInputElement }) => onChange({ [f]: e.currentTarget.value }, f);
  return (
    <>
      <Field id="add-secret" label={t('addSecretKey')} hint={t('addSecretHint')} error={err('secret')}>
        {(a) => (
          <input {...a} type="text" value={fields.secret} onInput={text('secret')} autoComplete="off" spellcheck={false} autoCapitalize="characters" />
        )}
      </Field>
      <Field id="add-issuer" label={t('addIssuer')} hint={t('addIssuerHint')} error={err('issuer')}>
        {(a) => <input {...a} type="text" value={fields.issuer} onInput={text('issuer')} autoComplete="off" />}
      </Field>
      <Field id="add-account" label={t('addAccountName')} hint={t('addAccountNameHint')} error={err('accountName')}>
        {(a) => <input {...a} type="text" value={fields.accountName} onInput={text('accountName')} autoComplete="username" spellcheck={false} />}
      </Field>
      <fieldset class="add-fieldset">
        <legend>{t('addCodeSettings')}</legend>
        <div class="add-grid">
          <div class="field">
            <label for="add-kind">{t('addType')}</label>
            <select id="add-kind" value={fields.kind} onChange={(e) => onChange({ kind: e.currentTarget.value as OtpKind }, null)}>
              <option value="totp">{t('addTypeTotp')}</option>
              <option value="hotp">{t('addTypeHotp')}</option>
            </select>
          </div>
          <div class="field">
            <label for="add-algorithm">{t('addAlgorithm')}</label>
            <select id="add-algorithm" value={fields.algorithm} onChange={(e) => onChange({ algorithm: e.currentTarget.value as Algorithm }, null)}>
              {ALGORITHMS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </div>
          <Field id="add-digits" label={t('addDigits')} error={err('digits')}>
            {(a) => <input {...a} type="number" min={6} max={10} step={1} value={fields.digits} onInput={text('digits')} />}
          </Field>
          {fields.kind === 'totp' ? (
            <Field id="add-period" label={t('addPeriod')} error={err('period')}>
              {(a) => <input {...a} type="number" min={1} max={3600} step={1} value={fields.period} onInput={text('period')} />}
            </Field>
          ) : (
            <Field id="add-counter" label={t('addCounter')} error={err('counter')}>
              {(a) => <input {...a} type="number" min={0} step={1} value={fields.counter} onInput={text('counter')} />}
            </Field>
          )}
        </div>
      </fieldset>
    </>
  );
}
