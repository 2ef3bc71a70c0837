import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { request } from '@/utils/client';
import type { PopupStartSlot } from '@/lib/protocol/hand-off';
import { startPopup } from '@/components/popup/popup-start';

/**
 * Loaded by popup.html as a plain script in its head, before the popup's modules: it sends the
 * popup's first requests while the browser is still loading and compiling the interface, so
 * the answers are there when it first renders (the popup's first render is timed from the
 * moment it opens: `npm run bench`, budget 100 ms with 1,000 accounts). Small, and with no
 * interface code of its own.
 */
export default defineUnlistedScript(() => {
  (globalThis as PopupStartSlot).__thingparkPopupStart = startPopup(request);
});
