/**
 * The browser's side of the vault service's ports (lib/service/ports.ts): storage areas, alarms,
 * self-hosted platforms' permissions and scripts, and the scripts injected into a tab.
 */
import { browser, type Browser } from 'wxt/browser';
import type { AlarmPort, PlatformPort, StorageArea } from '@/lib/service/ports';
import { registeredScripts } from '@/lib/platforms/page-scripts';
import { groupRegistered, scriptIdsOf } from '@/lib/platforms/self-hosted';

export const storageArea = (a: Browser.storage.StorageArea): StorageArea => ({
  get: async (key) => (await a.get(key))[key],
  set: (key, value) => a.set({ [key]: value }),
  remove: (key) => a.remove(key),
});

export const alarmPort = (): AlarmPort => ({
  schedule: async (name, delayInMinutes) => browser.alarms.create(name, { delayInMinutes }),
  clear: async (name) => void (await browser.alarms.clear(name)),
});

export const platformPort = (): PlatformPort => ({
  permitted: (pattern) => browser.permissions.contains({ origins: [pattern] }),
  release: async (pattern) => void (await browser.permissions.remove({ origins: [pattern] })),
  register: async (id, pattern) => {
    await unregisterPlatformScripts(id);
    // The same scripts, order and timing as on the built-in ThingPark hosts (the manifest's).
    await browser.scripting.registerContentScripts(registeredScripts(id, pattern, import.meta.env.FIREFOX ? 'firefox' : 'chrome'));
  },
  unregister: unregisterPlatformScripts,
  // A platform counts as registered when all of its scripts are; a lone one is removed,
  // so that the platform is registered again, whole (lib/platforms/self-hosted.ts, groupRegistered).
  registered: async () => {
    const { complete, lone } = groupRegistered((await browser.scripting.getRegisteredContentScripts()).map((s) => s.id));
    if (lone.length) await browser.scripting.unregisterContentScripts({ ids: lone });
    return complete;
  },
});

/** Removes whichever of a platform's registered scripts exist. */
async function unregisterPlatformScripts(id: string): Promise<void> {
  const ids = new Set((await browser.scripting.getRegisteredContentScripts()).map((s) => s.id));
  const gone = scriptIdsOf(id).filter((i) => ids.has(i));
  if (gone.length) await browser.scripting.unregisterContentScripts({ ids: gone });
}

/**
 * Fills the one-time code into a tab's top frame: injects the generic filler (which finds the
 * field and asks for the code like any content script; the origin is the frame's own). Works on
 * any page the user points at with the shortcut or the menu (activeTab), and on ThingPark hosts.
 */
export async function fillTab(tabId: number, accountId: string | null): Promise<boolean> {
  try {
    const target = { tabId, frameIds: [0] };
    await browser.scripting.executeScript({ target, files: ['/generic-fill.js'] });
    await browser.scripting.executeScript({
      target,
      func: (id: string | null) => (globalThis as { __thingparkAutofillFill?: (id: string | null) => void }).__thingparkAutofillFill?.(id),
      args: [accountId],
    });
    return true;
  } catch {
    return false; // no access to this page (browser pages, other extensions, no permission)
  }
}

/** Injects the setup page's QR reader into one frame's content-script world. */
export async function loadQrReader(tabId: number, frameId: number): Promise<void> {
  await browser.scripting.executeScript({ target: { tabId, frameIds: [frameId] }, files: ['/qr-reader.js'], injectImmediately: true });
}
