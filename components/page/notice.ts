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

export interface ChooserItem {
  id: string;
  title: string;
  detail: string;
}

/**
 * Several accounts could be meant and nothing on the page tells them apart: a small list to
 * pick from, in the same closed shadow root style. Keyboard: it takes focus, arrows move,
 * Enter/Space picks, Escape closes. Support staff may hold hundreds of accounts on a platform,
 * but only those for this origin and realm are listed, and they render in one pass.
 */
export function showChooser(heading: string, items: ChooserItem[], onPick: (id: string) => void): void {
  hideNotice();
  host = document.createElement('thingpark-autofill-notice');
  const root = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = `${STYLE}
.box { pointer-events: auto; }
ul { list-style: none; margin: 6px 0 0; padding: 0; max-height: 50vh; overflow: auto; }
li button { position: static; display: block; width: 100%; text-align: left; font: inherit; padding: 6px 8px;
  border-radius: 4px; border: 1px solid #c9c9c9; margin: 0 0 4px; background: #fff; color: #1b1b1b; }
li button:hover, li button:focus-visible { border-color: #0b5cad; outline: 2px solid #0b5cad; }
li small { display: block; opacity: .75; }
input { box-sizing: border-box; width: 100%; font: inherit; padding: 5px 8px; margin: 4px 0 0; border: 1px solid #8a8a8a; border-radius: 4px; }
input:focus-visible { outline: 2px solid #0b5cad; }`;
  const box = document.createElement('div');
  box.className = 'box info';
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-label', heading);
  const title = document.createElement('p');
  title.className = 'title';
  title.textContent = heading;
  const list = document.createElement('ul');
  const buttons: HTMLButtonElement[] = [];
  for (const item of items) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = item.title;
    const small = document.createElement('small');
    small.textContent = item.detail;
    button.append(small);
    button.addEventListener('click', () => {
      hideNotice();
      onPick(item.id);
    });
    li.append(button);
    list.append(li);
    buttons.push(button);
  }
  const visible = () => buttons.filter((b) => !b.parentElement!.hidden);
  list.addEventListener('keydown', (e) => {
    const shown = visible();
    const i = shown.indexOf(e.target as HTMLButtonElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      shown[(i + (e.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length]?.focus();
    }
  });
  // Support staff may have hundreds of accounts on one platform: a long list gets a filter.
  let filter: HTMLInputElement | null = null;
  if (items.length > 6) {
    filter = document.createElement('input');
    filter.type = 'search';
    filter.setAttribute('aria-label', browser.i18n.getMessage('filterAccounts'));
    filter.placeholder = browser.i18n.getMessage('filterAccounts');
    const haystacks = items.map((i) => `${i.title} ${i.detail}`.toLowerCase());
    filter.addEventListener('input', () => {
      const words = filter!.value.toLowerCase().split(/\s+/).filter(Boolean);
      buttons.forEach((b, i) => {
        b.parentElement!.hidden = !words.every((w) => haystacks[i]!.includes(w));
      });
    });
    filter.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        visible()[0]?.focus();
      } else if (e.key === 'Enter') {
        e.preventDefault();
        visible()[0]?.click();
      }
    });
  }
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') hideNotice();
  });
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.textContent = '×';
  close.setAttribute('aria-label', browser.i18n.getMessage('dismiss'));
  close.addEventListener('click', hideNotice);
  box.append(...(filter ? [title, filter, list, close] : [title, list, close]));
  root.append(style, box);
  document.documentElement.append(host);
  host.setAttribute('data-tone', 'choose');
  host.setAttribute('data-text', heading);
  // The count only: other accounts' names must not be readable by the page's scripts.
  host.setAttribute('data-count', String(items.length));
  (filter ?? buttons[0])?.focus();
}
