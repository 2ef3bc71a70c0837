/** Every failure a request can answer with: a code the UI translates (`error_<code>` in _locales). */
import type { VaultErrorCode } from '../vault/envelope';
import type { EnrollErrorCode } from '../keycloak/setup-check';

export type AppErrorCode =
  | VaultErrorCode
  | EnrollErrorCode
  | 'not-keycloak'
  | 'bad-origin'
  | 'locked'
  | 'no-vault'
  | 'vault-exists'
  | 'passphrase-mismatch'
  | 'bad-request'
  | 'forbidden'
  | 'storage-failed'
  | 'not-found'
  | 'account-exists'
  | 'policy-enforced'
  | 'invalid-url'
  | 'not-https'
  | 'platform-exists'
  | 'built-in-platform'
  | 'permission-refused'
  | 'backup-too-large'
  | 'not-damaged'
  | 'internal';

export interface AppError {
  code: AppErrorCode;
  /** Short English detail for logs and tests; never contains a secret or passphrase. */
  detail?: string;
}
