import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { browser } from 'wxt/browser';
import { decodeReply } from '@/lib/protocol/transport';
import type { Reply } from '@/lib/protocol/messages';
import { PREFETCH_REQUEST } from '@/lib/keycloak/prefetch';
import type { PrefetchSlot } from '@/lib/protocol/hand-off';

/**
 * Asks for the OTP page's code as the page starts loading (document_start, on Keycloak's
 * `login-actions/authenticate` pages only, where the OTP page is shown): the answer is on its way
 * while the page is parsed, instead of starting once it has been (lib/keycloak/prefetch.ts says why and
 * when it is used). Leaves the pending answer where the page script (entrypoints/thingpark/index.ts),
 * which runs in the same content-script world, takes it once; nothing reaches the page. Sent
 * once, without the client's retries: if it is not answered, the page script asks as usual.
 */
export default defineUnlistedScript(() => {
  const reply = browser.runtime.sendMessage({ type: 'page.fill', ...PREFETCH_REQUEST }).then(
    (raw) => (decodeReply(raw) as Reply<'page.fill'> | undefined) ?? null,
    () => null,
  );
  (globalThis as PrefetchSlot).__thingparkAutofillPrefetch = { sentAt: Date.now(), reply };
});
