/**
 * The popup list's accounts as it holds them (prepared once per load, for a thousand accounts),
 * and whether an account's code may go into a tab.
 */
import type { AccountSummary } from '@/lib/protocol/messages';
import type { CurrentTab } from '@/lib/protocol/hand-off';
import { t } from '../../utils/i18n';
import type { ListedAccount } from './CodeRow';

/** Prepared once per load: the host shown and the lowercase text that search looks in. */
export function listed(a: AccountSummary): ListedAccount {
  const host = hostOf(a.origin);
  return { ...a, host, haystack: [a.issuer, a.label ?? '', a.accountName, host, a.deviceName].join('\n').toLowerCase() };
}

/** Hosts by origin: a thousand accounts share a few platforms, and URL parsing is not free. */
const hosts = new Map<string, string>();
const hostOf = (origin: string) => {
  let host = hosts.get(origin);
  if (host === undefined) {
    try {
      host = new URL(origin).host;
    } catch {
      host = origin;
    }
    hosts.set(origin, host);
  }
  return host;
};

/**
 * Why this account's code must not go into that tab, or null. The background's filler only ever
 * fills the code of an account bound to the page's own origin; saying so here tells the user why.
 */
export function whyNotFill(a: ListedAccount, tab: CurrentTab | null): string | null {
  if (!tab) return t('popupNoTab');
  if (!tab.urlKnown) return t('popupTabHidden');
  if (!tab.origin || !tab.host) return t('popupNoTab');
  if (a.origin !== tab.origin) {
    // Same host on another scheme or port: show whole origins so the difference is visible.
    const same = a.host === tab.host;
    return t('popupWrongOrigin', [same ? a.origin : a.host, same ? tab.origin : tab.host]);
  }
  if (a.realm && tab.realm && a.realm !== tab.realm) return t('popupWrongRealm', [a.realm, a.host, tab.realm]);
  return null;
}
