import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Popup } from '@/components/popup/Popup';
import { request } from '@/utils/client';
import type { PopupStartSlot } from '@/lib/protocol/hand-off';
import { startPopup } from '@/components/popup/popup-start';
import '@/components/shared/ui.css';

document.documentElement.lang = browser.i18n.getUILanguage();
// popup-start.js asked for the vault's state, the accounts and the current tab while this module
// was loading; the first render waits for those answers, so that it already shows the rows.
const started = (globalThis as PopupStartSlot).__thingparkPopupStart ?? startPopup(request);
void started.then((start) => render(<Popup start={start} />, document.getElementById('app')!));
