import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { decodeQr } from '@/lib/qr';

/**
 * Injected by the background into a setup page's content-script world only (never into the
 * page, never on other pages): jsQR is the heaviest piece we have, and every other ThingPark
 * page loads without it.
 */
export default defineUnlistedScript(() => {
  (globalThis as { __thingparkAutofillDecodeQr?: typeof decodeQr }).__thingparkAutofillDecodeQr = decodeQr;
});
