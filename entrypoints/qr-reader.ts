import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { decodeQr } from '@/lib/qr';
import { createSetupRunner, type SetupSlot } from '@/components/page/setup-page';

/**
 * The setup page's script: enrollment and the QR reader (jsQR, the heaviest piece we have).
 * Injected by the background into a setup page's content-script world only (never into the page,
 * never on other pages), so every other ThingPark page loads without it. It only leaves its
 * functions where the content script (entrypoints/thingpark.ts) calls them.
 */
export default defineUnlistedScript(() => {
  const slot = globalThis as SetupSlot;
  slot.__thingparkAutofillSetup = createSetupRunner;
  slot.__thingparkAutofillDecodeQr = decodeQr;
});
