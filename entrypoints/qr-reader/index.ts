import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import type { SetupSlot } from '@/lib/protocol/hand-off';
import { createSetupRunner } from './setup-page';

/**
 * The setup page's script: enrollment (entrypoints/qr-reader/setup-page.ts). Named for the QR reader
 * (jsQR) it carried until the background took over reading the QR image; the name stays because
 * self-hosted platforms' registered scripts name this file and persist across updates.
 * Loaded into the content-script world (never into the page) of Keycloak's required-action
 * pages by the manifest, and injected by the background into a setup page found elsewhere; no
 * other page loads it. It only leaves its function where the content script
 * (entrypoints/thingpark/index.ts) calls it.
 */
export default defineUnlistedScript(() => {
  const slot = globalThis as SetupSlot;
  slot.__thingparkAutofillSetup = createSetupRunner;
});
