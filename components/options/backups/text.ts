/** Wording shared by the Backups section's parts. */
import { browser } from 'wxt/browser';
import type { AppError } from '@/lib/protocol/errors';
import { errorText, t, type MessageKey } from '../../../utils/i18n';

const plural = new Intl.PluralRules(browser.i18n.getUILanguage());

/** The singular or plural message for `count` (French says "0 compte", English "0 accounts"). */
export function counted(count: number, one: MessageKey, many: MessageKey, ...rest: string[]): string {
  return t(plural.select(count) === 'one' ? one : many, [String(count), ...rest]);
}

/**
 * Errors of the export forms: the vault's generic sentences would not say which of the three
 * passphrases is meant.
 */
export function exportErrorText(error: AppError): string {
  switch (error.code) {
    case 'weak-passphrase':
      return t('backupError_weak_passphrase');
    case 'passphrase-mismatch':
      return t('backupError_passphrase_mismatch');
    case 'wrong-passphrase':
      return t('backupError_vault_passphrase');
    default:
      return errorText(error);
  }
}

/** Errors of an import: the vault's sentences speak of "the stored vault", here it is a file. */
export function importErrorText(error: AppError): string {
  switch (error.code) {
    case 'not-a-vault':
      return t('backupError_not_a_vault');
    case 'corrupt':
      return t('backupError_corrupt');
    case 'wrong-passphrase':
      return t('backupError_wrong_passphrase');
    case 'unsupported-version':
      return t('backupError_unsupported_version');
    default:
      return errorText(error);
  }
}

/** A platform as people read it: its host, plus the realm when the account has one. */
export function platformText(origin: string, realm: string | null): string {
  let host = origin;
  try {
    const url = new URL(origin);
    host = url.protocol === 'https:' ? url.host : origin;
  } catch {
    // Not a URL (cannot happen for stored accounts): show it as it is.
  }
  return realm ? `${host} · ${t('backupRealm', realm)}` : host;
}
