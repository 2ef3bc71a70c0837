import { browser } from 'wxt/browser';

/**
 * A small notice in the page, inside a closed shadow root so that the page's CSS cannot restyle
 * it and its scripts cannot read it. It never contains a field: unlocking happens in the
 * extension's own popup, never in a page.
 */
export type NoticeTone = 'info' | 'success' | 'error';

const STYLE = `
:host { all: initial; }
.box { position: fixed; z-index: 2147483647; top: 12px; right: 12px; pointer-events: none; max-width: 360px;
  font: 14px/1.4 system-ui, sans-serif; color: #1b1b1b; background: #fff; border-radius: 8px;
  border-left: 5px solid #0b5cad; box-shadow: 0 4px 18px rgba(0,0,0,.25); padding: 10px 36px 10px 12px; }
.box.success { border-left-color: #1b6e20; } .box.error { border-left-color: #b00020; }
.title { font-weight: 600; margin: 0 0 2px; }
p { margin: 0; }
/* Clicks go through the notice to the page (it must never block a Submit or Log out button),
   except on its own close button. */
button { pointer-events: auto; position: absolute; top: 6px; right: 6px; border: 0; background: transparent; font: 18px/1 sans-serif;
  cursor: pointer; padding: 4px 6px; border-radius: 4px; color: inherit; }
button:focus-visible { outline: 2px solid #0b5cad; }
`;

let host: HTMLElement | null = null;
let hideTimer: ReturnType<typeof setTimeout> | undefined;
/** A confirmation needs no action: it goes away by itself; information and errors stay. */
const SUCCESS_VISIBLE_MS = 8000;

export function showNotice(tone: NoticeTone, text: string): void {
  hideNotice();
  host = document.createElement('thingpark-autofill-notice');
  const root = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = STYLE;
  const box = document.createElement('div');
  box.className = `box ${tone}`;
  // Errors interrupt; the rest is announced politely.
  box.setAttribute('role', tone === 'error' ? 'alert' : 'status');
  box.dataset.tone = tone;
  const title = document.createElement('p');
  title.className = 'title';
  title.textContent = browser.i18n.getMessage('extName');
  const body = document.createElement('p');
  body.className = 'text';
  body.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '×';
  close.setAttribute('aria-label', browser.i18n.getMessage('dismiss'));
  close.addEventListener('click', hideNotice);
  box.append(title, body, close);
  root.append(style, box);
  document.documentElement.append(host);
  // Tests (and assistive tooling) read the notice through this attribute; it holds no secret.
  host.setAttribute('data-tone', tone);
  host.setAttribute('data-text', text);
  if (tone === 'success') hideTimer = setTimeout(hideNotice, SUCCESS_VISIBLE_MS);
}

export function hideNotice(): void {
  clearTimeout(hideTimer);
  host?.remove();
  host = null;
}
