import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { decodeQr } from '@/lib/qr';
import { createSetupRunner, type SetupSlot } from '@/components/page/setup-page';

/**
 * The setup page's script: enrollment and the QR reader (jsQR, the heaviest piece we have).
 * Loaded into the content-script world (never into the page) of Keycloak's required-action
 * pages by the manifest, and injected by the background into a setup page found elsewhere; no
 * other page loads it. It only leaves its functions where the content script
 * (entrypoints/thingpark.ts) calls them.
 */
export default defineUnlistedScript(() => {
  const slot = globalThis as SetupSlot;
  slot.__thingparkAutofillSetup = createSetupRunner;
  slot.__thingparkAutofillDecodeQr = decodeQr;
});
