import { browser } from 'wxt/browser';
import type en from '../public/_locales/en/messages.json';
import type { AppError } from '@/lib/protocol/errors';

export type MessageKey = keyof typeof en;

/** A UI string from `_locales` (the browser picks English or French from its own language). */
export function t(key: MessageKey, substitutions?: string | string[]): string {
  // getMessage returns '' for a missing key; show the key so a gap is visible, not blank.
  return browser.i18n.getMessage(key, substitutions) || key;
}

/** The user-facing sentence for an error that came back from the background. */
export function errorText(error: AppError): string {
  return t(`error_${error.code.replace(/-/g, '_')}` as MessageKey);
}
