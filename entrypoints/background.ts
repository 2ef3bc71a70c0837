import { browser, type Browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { createVaultService, type StorageArea } from '@/lib/vault-service';
import { parseMessage, type Caller } from '@/lib/protocol';

const area = (a: Browser.storage.StorageArea): StorageArea => ({
  get: async (key) => (await a.get(key))[key],
  set: (key, value) => a.set({ [key]: value }),
  remove: (key) => a.remove(key),
});

export default defineBackground(() => {
  const service = createVaultService({
    local: area(browser.storage.local),
    session: area(browser.storage.session),
    alarms: {
      schedule: async (name, delayInMinutes) => browser.alarms.create(name, { delayInMinutes }),
      clear: async (name) => void (await browser.alarms.clear(name)),
    },
    bootId: crypto.randomUUID(),
  });

  browser.runtime.onInstalled.addListener(({ reason }) => {
    if (reason === 'install') void browser.runtime.openOptionsPage();
  });
  browser.runtime.onStartup.addListener(() => void service.onBrowserStartup());
  browser.alarms.onAlarm.addListener(({ name }) => void service.onAlarm(name));

  browser.runtime.onMessage.addListener((raw, sender) => {
    const caller = callerOf(sender);
    if (!caller) return undefined; // not ours: stay silent, as if nobody listened
    const message = parseMessage(raw);
    if (!message) return Promise.resolve({ ok: false, error: { code: 'bad-request' } });
    return service.handle(message, caller);
  });
});

/**
 * Who is asking, from what the browser says about the sender, never from the message itself.
 * Only this extension's own pages and content scripts are answered.
 */
function callerOf(sender: Browser.runtime.MessageSender): Caller | null {
  if (sender.id !== browser.runtime.id) return null;
  const ownPage = browser.runtime.getURL('/');
  if (sender.url?.startsWith(ownPage) && !sender.tab?.url?.startsWith('http')) {
    return { kind: 'extension-page' };
  }
  if (sender.tab?.id != null && sender.url) {
    return { kind: 'content-script', tabId: sender.tab.id, frameId: sender.frameId ?? 0, url: sender.url };
  }
  return null;
}
