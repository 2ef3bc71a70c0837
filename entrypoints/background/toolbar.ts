/**
 * The toolbar button says the state at a glance: the extension's icon in colour while the vault is
 * open, in grey while it is locked (or not created yet); on a ThingPark page, a badge when one of
 * our accounts belongs to it (✓), or when that account still waits for ThingPark's
 * confirmation (!). Tooltips say the same in words. Everything here follows the background's own
 * events (unlock, lock, a page's report): nothing polls and nothing runs in the page.
 */
import { browser } from 'wxt/browser';
import type { PageMark } from '@/lib/keycloak/login';
import { t, type MessageKey } from '@/utils/i18n';

export type VaultLook = 'unlocked' | 'locked' | 'none';

const ICONS = {
  open: { 16: '/icons/16.png', 32: '/icons/32.png' },
  closed: { 16: '/icons/locked-16.png', 32: '/icons/locked-32.png' },
} as const;

const BADGES: Record<PageMark, { text: string; color: string; title: MessageKey }> = {
  none: { text: '', color: '#0b6b5a', title: 'toolbarUnlocked' },
  bound: { text: '✓', color: '#0b6b5a', title: 'toolbarBound' },
  unconfirmed: { text: '!', color: '#b45309', title: 'toolbarUnconfirmed' },
};

const TITLES: Record<VaultLook, MessageKey> = { unlocked: 'toolbarUnlocked', locked: 'toolbarLocked', none: 'toolbarNoVault' };

// The tab may have closed meanwhile, or the browser refuses during its shutdown: nothing to show then.
const quietly = (p: Promise<unknown>) => void p.catch(() => undefined);

/** Tabs given a mark since the vault's last change of state (this background's run). */
const marked = new Set<number>();

/**
 * The whole button, for every tab: the vault's state, and no page's mark (unknown while locked;
 * after an unlock each page gives its own as it reports).
 */
export async function showVault(look: VaultLook): Promise<void> {
  const title = t(TITLES[look]);
  if (look !== 'unlocked') marked.clear();
  quietly(browser.action.setIcon({ path: look === 'unlocked' ? ICONS.open : ICONS.closed }));
  quietly(browser.action.setTitle({ title }));
  // A tab's own title and badge win over the global ones, and Chrome has no way to drop them
  // (Firefox takes null): each tab is given the vault's title, except a page that has just
  // reported its mark after an unlock.
  const tabs = await browser.tabs.query({});
  for (const tab of tabs) {
    if (tab.id == null || marked.has(tab.id)) continue;
    quietly(browser.action.setBadgeText({ tabId: tab.id, text: '' }));
    quietly(browser.action.setTitle({ tabId: tab.id, title }));
  }
}

/** One tab's mark: whether an account of ours belongs to its ThingPark page. */
export function showPage(tabId: number, mark: PageMark): void {
  marked.add(tabId);
  const badge = BADGES[mark];
  quietly(browser.action.setBadgeText({ tabId, text: badge.text }));
  if (badge.text) quietly(browser.action.setBadgeBackgroundColor({ tabId, color: badge.color }));
  quietly(browser.action.setTitle({ tabId, title: t(badge.title) }));
}

/** A tab leaves its page: its mark goes (Firefox clears it by itself, Chrome keeps it). */
export function clearPage(tabId: number, look: VaultLook): void {
  marked.delete(tabId);
  quietly(browser.action.setBadgeText({ tabId, text: '' }));
  quietly(browser.action.setTitle({ tabId, title: t(TITLES[look]) }));
}
