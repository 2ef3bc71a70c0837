import { browser, type Browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import type { VaultEvent } from '@/lib/protocol/events';
import { createVaultService } from '@/lib/service/service';
import { encodeReply } from '@/lib/protocol/transport';
import { parseMessage } from '@/lib/protocol/validation';
import { callerOf } from '@/lib/protocol/caller';
import { defaultDeviceName } from '@/lib/keycloak/enroll-plan';
import { readSetupQr } from '@/entrypoints/background/setup-qr';
import { alarmPort, fillTab, loadQrReader, platformPort, storageArea } from '@/entrypoints/background/ports';
import { clearPage, showPage, showVault, type VaultLook } from '@/entrypoints/background/toolbar';

export default defineBackground(() => {
  // What the toolbar button shows for the whole browser (toolbar.ts): set at start, then by events.
  let look: VaultLook = 'locked';
  const show = (next: VaultLook) => {
    look = next;
    void showVault(next);
  };
  const service = createVaultService({
    local: storageArea(browser.storage.local),
    session: storageArea(browser.storage.session),
    alarms: alarmPort(),
    bootId: crypto.randomUUID(),
    // Firefox rejects when no administrator set managed storage for us: that is no policy.
    managed: () => browser.storage.managed.get(null).catch(() => ({})),
    defaultDeviceName: async () => defaultDeviceName(await browserName(), (await browser.runtime.getPlatformInfo()).os),
    onUnlocked: () => {
      show('unlocked');
      void markOpenTabs();
      void notifyTabs({ type: 'vault.unlocked' });
      void notifyPages({ type: 'vault.unlocked' });
    },
    onLocked: () => {
      show('locked');
      void notifyPages({ type: 'vault.locked' });
    },
    showPage: (tabId, mark) => {
      if (look === 'unlocked') showPage(tabId, mark);
    },
    fillTab,
    platforms: platformPort(),
    loadQrReader,
    readQr: readSetupQr,
  });

  /** The marks of the ThingPark pages already open (tab URLs are visible for our hosts only). */
  async function markOpenTabs(): Promise<void> {
    const tabs = (await browser.tabs.query({})).flatMap((t) => (t.id != null && t.url ? [{ tabId: t.id, url: t.url }] : []));
    for (const { tabId, mark } of await service.pageMarks(tabs)) if (look === 'unlocked') showPage(tabId, mark);
  }

  // The browser starts with the manifest's (colour) icon; a worker restart keeps what was set.
  void service.vaultLook().then(show);

  browser.runtime.onInstalled.addListener(({ reason }) => {
    if (reason === 'install') void browser.runtime.openOptionsPage();
    void service.syncPlatforms();
    // For pages we do not recognise by themselves (custom themes, self-hosted variants).
    browser.contextMenus.create({
      id: FILL_MENU,
      title: browser.i18n.getMessage('fillOneTimeCode'),
      contexts: ['editable'],
    });
  });
  browser.contextMenus.onClicked.addListener((info, tab) => {
    if (info.menuItemId === FILL_MENU && tab?.id != null && (info.frameId ?? 0) === 0) void fillTab(tab.id, null);
  });
  browser.commands.onCommand.addListener((command, tab) => {
    if (command === FILL_COMMAND && tab?.id != null) void fillTab(tab.id, null);
  });
  browser.runtime.onStartup.addListener(() => {
    void service.onBrowserStartup();
    void service.syncPlatforms();
  });
  // The user can revoke (or grant) a site in the browser's own settings: follow it.
  browser.permissions.onRemoved.addListener(() => void service.syncPlatforms());
  browser.permissions.onAdded.addListener(() => void service.syncPlatforms());
  // The settings or the policy changed (an administrator, another context, our own write): the
  // service drops what it kept in memory; a new policy's platforms and auto-lock limit apply now.
  browser.storage.onChanged.addListener((changes, area) => void service.onStorageChanged(area, Object.keys(changes)));
  browser.alarms.onAlarm.addListener(({ name }) => void service.onAlarm(name));
  const onTabUpdated = (tabId: number, change: Browser.tabs.OnUpdatedInfo, tab?: Browser.tabs.Tab) => {
    // A filled setup form whose tab starts loading another page may have been submitted.
    if (change.status === 'loading') {
      // The page that had a mark is going; the next one reports its own.
      clearPage(tabId, look);
      void service.onTabNavigating(tabId, Date.now());
    }
    else if (change.status === 'complete') {
      // Give the page's own content script (if any) time to report first: it knows better.
      const loadedAt = Date.now();
      const url = tab?.url;
      setTimeout(() => void service.onTabLoaded(tabId, loadedAt, url), 1500);
    }
  };
  // Firefox can filter: only status changes wake its event page (not every title and icon
  // change of every tab). Chromium has no filter for this event.
  if (import.meta.env.FIREFOX) {
    const event = browser.tabs.onUpdated as unknown as { addListener(cb: typeof onTabUpdated, filter: { properties: string[] }): void };
    event.addListener(onTabUpdated, { properties: ['status'] });
  } else browser.tabs.onUpdated.addListener(onTabUpdated);
  browser.tabs.onRemoved.addListener((tabId) => void service.onTabRemoved(tabId));

  browser.runtime.onMessage.addListener((raw, sender) => {
    // Who is asking, from the browser's sender information, never from the message (lib/protocol/caller.ts).
    const caller = callerOf(sender, { id: browser.runtime.id, baseUrl: browser.runtime.getURL('/') });
    if (!caller) return undefined; // not ours: stay silent, as if nobody listened
    const message = parseMessage(raw);
    if (!message) return Promise.resolve(encodeReply({ ok: false, error: { code: 'bad-request' } }));
    return service.handle(message, caller).then(encodeReply);
  });
});

const FILL_MENU = 'fill-one-time-code';
const FILL_COMMAND = 'fill-one-time-code';

/** Tells the content scripts in every tab (those without ours just fail to receive it). */
async function notifyTabs(message: VaultEvent): Promise<void> {
  const tabs = await browser.tabs.query({});
  await Promise.allSettled(tabs.map((t) => (t.id == null ? null : browser.tabs.sendMessage(t.id, message))));
}

/** Tells the extension's own open pages (popup, options) that the lock state changed. */
async function notifyPages(message: VaultEvent): Promise<void> {
  // Rejects when no page is open to receive it: nothing to tell then.
  await browser.runtime.sendMessage(message).catch(() => undefined);
}

/** "Firefox" or "Chrome"/"Chromium"/"Edge": Firefox says so itself; Chromium browsers via their UA brands. */
async function browserName(): Promise<string> {
  const info = await (browser.runtime as { getBrowserInfo?: () => Promise<{ name: string }> }).getBrowserInfo?.();
  if (info?.name) return info.name;
  const brands = (navigator as { userAgentData?: { brands: { brand: string }[] } }).userAgentData?.brands ?? [];
  const known = ['Microsoft Edge', 'Opera', 'Brave', 'Google Chrome', 'Chromium'];
  const brand = known.map((k) => brands.find((b) => b.brand === k)).find(Boolean)?.brand;
  return brand === 'Google Chrome' ? 'Chrome' : brand === 'Microsoft Edge' ? 'Edge' : (brand ?? 'Chrome');
}
