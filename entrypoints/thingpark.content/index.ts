import { browser } from 'wxt/browser';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { THINGPARK_MATCHES } from '@/lib/hosts';
import { detectPageKind, type PageKindInfo } from '@/lib/keycloak-page';
import { createPageRunner } from './page';

/**
 * Runs on every page of the ThingPark hosts: it decides from the DOM whether this is Keycloak's
 * TOTP setup page, its OTP page or its password page, and does nothing else anywhere else. Kept
 * small: a setup page's work (enrollment, jsQR) is in `qr-reader.js`, which the background injects
 * into setup pages only (see page.ts).
 */
export default defineContentScript({
  matches: THINGPARK_MATCHES,
  runAt: 'document_end',
  main(ctx) {
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
      if ((message as { type?: string })?.type === 'vault.unlocked') void runner.onUnlocked();
      return undefined;
    });

    const first = detectPageKind(document);
    if (first.kind !== 'none') {
      runner.reportSeen(first);
      if (check(first)) return;
    } else {
      // A page that shows no Keycloak form yet may still render one (a late setup page with an
      // error must not pass for the application page that follows a successful enrollment):
      // report it once it has loaded and settled.
      const settle = () => ctx.setTimeout(() => runner.reportSeen(detectPageKind(document)), 300);
      if (document.readyState === 'complete') settle();
      else window.addEventListener('load', settle, { once: true });
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
    ctx.setTimeout(() => observer.disconnect(), 60_000);
    ctx.onInvalidated(() => observer.disconnect());
  },
});
