import { browser, type Browser } from 'wxt/browser';
import { realmFromUrl } from '@/lib/keycloak/page-detection';
import type { CurrentTab, CurrentTabState } from '@/lib/protocol/hand-off';


/**
 * The active tab of the current window. When the popup page itself is shown in a tab, that tab
 * is the active one, so the current tab is the most recently used other tab that is not one of
 * our pages (`lastAccessed`, Chrome 121+ / Firefox). Tab URLs are visible for the ThingPark
 * hosts (host permissions) and, from the toolbar button, for the active tab (activeTab).
 */
export async function findCurrentTab(): Promise<CurrentTabState> {
  // Both at once: a real popup (the usual case) needs only the second, and waits one round trip.
  const [self, [active]] = await Promise.all([
    browser.tabs.getCurrent(), // undefined in a real popup
    browser.tabs.query({ active: true, currentWindow: true }),
  ]);
  if (!self) return { tab: active ? describe(active) : null, inTab: false };
  const ownPages = browser.runtime.getURL('/');
  const others = (await browser.tabs.query({})).filter((t) => t.id !== self.id && !t.url?.startsWith(ownPages));
  // Prefer the popup tab's own window; puppeteer or a user may have put it in a window of its own.
  const sameWindow = others.filter((t) => t.windowId === self.windowId);
  const pool = sameWindow.length ? sameWindow : others;
  const latest = pool.reduce<Browser.tabs.Tab | null>((a, b) => (!a || (b.lastAccessed ?? 0) > (a.lastAccessed ?? 0) ? b : a), null);
  return { tab: latest ? describe(latest) : null, inTab: true };
}

function describe(tab: Browser.tabs.Tab): CurrentTab | null {
  if (tab.id == null) return null;
  const url = tab.url ?? '';
  let parsed: URL | null = null;
  try {
    parsed = url ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  const web = parsed && (parsed.protocol === 'https:' || parsed.protocol === 'http:') ? parsed : null;
  return {
    tabId: tab.id,
    urlKnown: !!url,
    origin: web ? web.origin : null,
    host: web ? web.host : null,
    realm: web ? realmFromUrl(url) : null,
  };
}
