import { useEffect, useState } from 'preact/hooks';
import type { AccountSummary, AppError } from '@/lib/protocol';
import { request } from './client';
import { ErrorMessage } from './ErrorMessage';
import { t } from './i18n';

/** The stored accounts (never their secrets): issuer, user, platform host and device name. */
export function AccountList() {
  const [accounts, setAccounts] = useState<AccountSummary[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  useEffect(() => {
    void request('accounts.list', {}).then((reply) => {
      if (reply.ok) setAccounts(reply.value);
      else setError(reply.error);
    });
  }, []);
  if (error) return <ErrorMessage id="accounts-error" error={error} />;
  if (!accounts) return <p aria-busy="true">{t('loading')}</p>;
  if (accounts.length === 0) return <p class="card">{t('noAccounts')}</p>;
  return (
    <ul class="accounts" aria-label={t('accountsLabel')}>
      {accounts.map((a) => (
        <li key={a.id} class="account card">
          <span class="issuer">{a.issuer}</span>
          <span class="user">{a.accountName}</span>
          <span class="meta">
            {new URL(a.origin).host} · {a.deviceName}
          </span>
        </li>
      ))}
    </ul>
  );
}
