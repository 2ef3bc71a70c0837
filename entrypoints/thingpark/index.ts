import { browser } from 'wxt/browser';
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import type { VaultEvent } from '@/lib/protocol/events';
import { detectPageKind, type PageKindInfo } from '@/lib/keycloak/page-detection';
import { createPageRunner } from '@/entrypoints/thingpark/runner';
import { pageLoaded } from '@/utils/page/loaded';

/**
 * The content script of ThingPark pages: it decides from the DOM whether this is Keycloak's TOTP
 * setup page, its OTP page or its password page, and does nothing else anywhere else. Kept small:
 * a setup page's work (enrollment, jsQR) is in `qr-reader.js`, which the background injects into
 * setup pages only (see entrypoints/thingpark/runner.ts).
 *
 * Declared in the manifest by wxt.config.ts (and registered for self-hosted platforms by the
 * background), not through WXT's `defineContentScript`: that wrapper announces every content
 * script to the page with `window.postMessage` (a page would learn the extension is installed)
 * and stops the script when the page dispatches a matching event on `document` (a page could
 * switch off our watch for a late form). This script says nothing to the page and listens to
 * nothing from it. When the extension is updated or reloaded, the browser cuts this copy off:
 * its requests then fail quietly and its watch ends with its time limit.
 */
export default defineUnlistedScript(() => {
  const runner = createPageRunner();
  let handled: PageKindInfo['kind'] | null = null;

  const check = (page = detectPageKind(document)) => {
    if (page.kind === 'none' || page.kind === handled) return page.kind !== 'none';
    handled = page.kind;
    void runner.handle(page);
    return true;
  };

  // The background tells every tab when the vault gets unlocked: a page waiting for it fills now.
  browser.runtime.onMessage.addListener((message: unknown) => {
    // A type-only check: this script loads on every ThingPark page, every byte counts.
    if ((message as Partial<VaultEvent> | null)?.type === 'vault.unlocked') void runner.onUnlocked();
    return undefined;
  });

  const first = detectPageKind(document);
  if (first.kind === 'login') {
    // Nothing on the password page is urgent (the user has yet to type): report it once the page
    // has loaded, so that our message and the background's work do not compete with its loading
    // (the page-load overhead, measured with npm run bench). Its form is watched from then on.
    void pageLoaded().then(() => {
      runner.reportSeen(first);
      check(first);
    });
    return;
  }
  if (first.kind !== 'none') {
    // The OTP page's report can wait for its load too: its code is asked for at once, and the
    // report settles an enrollment Keycloak has finished with (it never shows the OTP page
    // right after a setup). The setup page's goes at once: it carries Keycloak's error.
    if (first.kind === 'otp') void pageLoaded().then(() => runner.reportSeen(first));
    else runner.reportSeen(first);
    if (check(first)) return;
  } else {
    // A page that shows no Keycloak form yet may still render one (a late setup page with an
    // error must not pass for the application page that follows a successful enrollment):
    // report it once it has loaded and settled.
    void pageLoaded().then(() => setTimeout(() => runner.reportSeen(detectPageKind(document)), 300));
  }
  // Scripts may render the form late (or re-render it): watch the DOM until a form shows up,
  // for a bounded time, coalescing bursts of mutations into one check per frame.
  let scheduled = false;
  const observer = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      if (check()) observer.disconnect();
    });
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });
  setTimeout(() => observer.disconnect(), 60_000);
});
