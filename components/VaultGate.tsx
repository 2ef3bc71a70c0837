import type { ComponentChildren } from 'preact';
import type { AppError, VaultStatus } from '@/lib/protocol';
import { useVault } from './useVault';
import { CreateVaultForm, UnlockForm } from './VaultForms';
import { ErrorMessage } from './ErrorMessage';
import { t } from './i18n';

export type RunRequest = ReturnType<typeof useVault>['run'];

/**
 * The lock states shared by popup and options: no vault → create; locked → unlock; damaged →
 * explain, change nothing; unlocked → the page's content with a Lock button.
 */
export function VaultGate({ children }: { children: (status: VaultStatus, run: RunRequest) => ComponentChildren }) {
  const { status, loadError, run } = useVault();
  if (loadError) return <ErrorMessage id="load-error" error={loadError} />;
  if (!status) return <p aria-busy="true">{t('loading')}</p>;

  switch (status.state) {
    case 'none':
      return <CreateVaultForm create={(passphrase, confirm) => run('vault.create', { passphrase, confirm })} />;
    case 'locked':
      return <UnlockForm unlock={(passphrase) => run('vault.unlock', { passphrase })} />;
    case 'damaged':
      return <DamagedNotice code={status.damage ?? 'corrupt'} />;
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

function DamagedNotice({ code }: { code: AppError['code'] }) {
  return (
    <div class="card" role="alert">
      <h2>{t('damagedTitle')}</h2>
      <p>{t('damagedText')}</p>
      <ErrorMessage id="damaged-error" error={{ code }} />
    </div>
  );
}
