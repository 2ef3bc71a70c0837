import { useEffect, useReducer, useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol/errors';
import type { VaultStatus } from '@/lib/protocol/messages';
import { AUTO_LOCK_MAX, AUTO_LOCK_MIN } from '@/lib/settings/settings';
import { VaultGate, type RunRequest } from '../shared/VaultGate';
import { ChangePassphraseForm } from '../shared/VaultForms';
import { ErrorMessage } from '../shared/ErrorMessage';
import { t } from '../../utils/i18n';
import { Platforms } from './Platforms';
import { ManageAccounts } from './ManageAccounts';
import { Backups } from './Backups';

/** Props of the options page's sections: `revision` changes whenever one of them changed the vault. */
export interface SectionProps {
  status: VaultStatus;
  revision: number;
  onChanged: () => void;
}

export function Options() {
  useEffect(() => {
    document.title = t('optionsTitle');
  }, []);
  return (
    <main class="options">
      <h1>{t('optionsTitle')}</h1>
      <VaultGate>
        {(status, run) => <Sections status={status} run={run} />}
      </VaultGate>
    </main>
  );
}

function Sections({ status, run }: { status: VaultStatus; run: RunRequest }) {
  const [revision, bump] = useReducer((n: number) => n + 1, 0);
  const props: SectionProps = { status, revision, onChanged: () => bump(undefined) };
  return (
    <>
      <nav aria-label={t('optionsSections')} class="toc">
        <a href="#settings-title">{t('settingsTitle')}</a>
        <a href="#accounts-title">{t('manageTitle')}</a>
        <a href="#platforms-title">{t('platformsTitle')}</a>
        <a href="#backups-title">{t('backupsTitle')}</a>
      </nav>
      <SettingsForm status={status} run={run} />
      <ChangePassphraseForm
        change={(oldPassphrase, newPassphrase, confirm) => run('vault.changePassphrase', { oldPassphrase, newPassphrase, confirm })}
      />
      <ManageAccounts {...props} />
      <Platforms {...props} />
      <Backups {...props} />
    </>
  );
}

/** What the administrator enforces (managed storage), said once at the top of the settings. */
function PolicyNote({ status }: { status: VaultStatus }) {
  const { policy, policyProblems } = status;
  const items: string[] = [];
  if (policy.maxAutoLockMinutes != null) items.push(t('policyAutoLockMax', String(policy.maxAutoLockMinutes)));
  if (policy.autoSubmit != null) items.push(t(policy.autoSubmit ? 'policyAutoSubmitOn' : 'policyAutoSubmitOff'));
  if (policy.deviceName != null) items.push(t('policyDeviceName', policy.deviceName));
  if (policy.platforms.length > 0) items.push(t('policyPlatforms', policy.platforms.join(', ')));
  if (policy.disablePlainExport) items.push(t('policyPlainExportDisabled'));
  if (items.length === 0 && policyProblems.length === 0) return null;
  return (
    <div class="policy-note" role="note" aria-label={t('policyTitle')}>
      <p>{t('policyTitle')}</p>
      <ul>
        {items.map((text) => (
          <li key={text}>{text}</li>
        ))}
      </ul>
      {policyProblems.length > 0 ? <p>{t('policyIgnored', policyProblems.join(', '))}</p> : null}
    </div>
  );
}

function SettingsForm({ status, run }: { status: VaultStatus; run: RunRequest }) {
  const [minutes, setMinutes] = useState(String(status.settings.autoLockMinutes));
  const [autoSubmit, setAutoSubmit] = useState(status.settings.autoSubmit);
  const [deviceName, setDeviceName] = useState(status.settings.deviceName);
  const [error, setError] = useState<AppError | null>(null);
  const [saved, setSaved] = useState(false);
  const policy = status.policy;
  const edited = () => setSaved(false);
  return (
    <form
      class="card"
      aria-labelledby="settings-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        // A setting the administrator forces is not the user's to send.
        const failure = await run('settings.update', {
          settings: { autoLockMinutes: Number(minutes), deviceName, ...(policy.autoSubmit == null ? { autoSubmit } : {}) },
        });
        setError(failure);
        setSaved(!failure);
      }}
    >
      <h2 id="settings-title">{t('settingsTitle')}</h2>
      <PolicyNote status={status} />
      <div class="field">
        <label for="auto-lock">{t('autoLockMinutes')}</label>
        <input
          id="auto-lock"
          type="number"
          min={AUTO_LOCK_MIN}
          max={policy.maxAutoLockMinutes ?? AUTO_LOCK_MAX}
          step={1}
          required
          value={minutes}
          aria-describedby={policy.maxAutoLockMinutes == null ? 'settings-error' : 'auto-lock-policy settings-error'}
          onInput={(e) => {
            edited();
            setMinutes(e.currentTarget.value);
          }}
        />
        {policy.maxAutoLockMinutes == null ? null : (
          <p id="auto-lock-policy" class="hint">
            {t('policyAutoLockMax', String(policy.maxAutoLockMinutes))}
          </p>
        )}
      </div>
      <div class="field">
        <label for="device-name">{t('deviceName')}</label>
        <input
          id="device-name"
          type="text"
          maxLength={64}
          value={deviceName}
          placeholder={status.defaultDeviceName}
          aria-describedby="device-name-hint"
          onInput={(e) => {
            edited();
            setDeviceName(e.currentTarget.value);
          }}
        />
        <p id="device-name-hint" class="hint">
          {t('deviceNameHint', status.defaultDeviceName)}
        </p>
      </div>
      <div class="check">
        <input
          id="auto-submit"
          type="checkbox"
          checked={policy.autoSubmit ?? autoSubmit}
          disabled={policy.autoSubmit != null}
          aria-describedby={policy.autoSubmit == null ? 'auto-submit-hint' : 'auto-submit-hint auto-submit-policy'}
          onChange={(e) => {
            edited();
            setAutoSubmit(e.currentTarget.checked);
          }}
        />
        <label for="auto-submit">{t('autoSubmit')}</label>
        <p id="auto-submit-hint" class="hint">
          {t('autoSubmitHint')}
        </p>
        {policy.autoSubmit == null ? null : (
          <p id="auto-submit-policy" class="hint">
            {t('policySetByAdmin')}
          </p>
        )}
      </div>
      <ErrorMessage id="settings-error" error={error} />
      <p role="status" class="ok">
        {saved ? t('settingsSaved') : ''}
      </p>
      <button type="submit">{t('saveSettings')}</button>
    </form>
  );
}
