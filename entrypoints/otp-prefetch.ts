import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { request } from '@/components/client';
import { PREFETCH_REQUEST } from '@/lib/prefetch';
import type { PrefetchSlot } from '@/components/page/runner';

/**
 * Asks for the OTP page's code as the page starts loading (document_start, on Keycloak's
 * `login-actions/authenticate` pages only, where the OTP page is shown): the answer is on its way
 * while the page is parsed, instead of starting once it has been (lib/prefetch.ts says why and
 * when it is used). Leaves the pending answer where the page script (entrypoints/thingpark.ts),
 * which runs in the same content-script world, takes it once; nothing reaches the page.
 */
export default defineUnlistedScript(() => {
  (globalThis as PrefetchSlot).__thingparkAutofillPrefetch = { sentAt: Date.now(), reply: request('page.fill', PREFETCH_REQUEST) };
});
