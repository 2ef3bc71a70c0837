import { browser } from 'wxt/browser';
import type { NoticeTone } from '@/lib/protocol/hand-off';

/**
 * A small notice in the page, inside a closed shadow root so that the page's CSS cannot restyle
 * it and its scripts cannot read it. It never contains a field: unlocking happens in the
 * extension's own popup, never in a page.
 */

/**
 * Written compact: these bytes load on every ThingPark page (the page scripts' size budget). Clicks go
 * through the notice to the page (it must never block a Submit or Log out button), except on its
 * own close button.
 */
const STYLE = `:host{all:initial}
.box{position:fixed;z-index:2147483647;top:12px;right:12px;pointer-events:none;max-width:360px;font:14px/1.4 system-ui,sans-serif;color:#1b1b1b;background:#fff;border-radius:8px;border-left:5px solid #0b5cad;box-shadow:0 4px 18px #0004;padding:10px 36px 10px 12px}
.box.success{border-left-color:#1b6e20}.box.error{border-left-color:#b00020}
.title{font-weight:600;margin:0 0 2px}
p{margin:0}
.close{pointer-events:auto;position:absolute;top:6px;right:6px;border:0;background:none;font:18px/1 sans-serif;cursor:pointer;padding:4px 6px;border-radius:4px;color:inherit}
button:focus-visible,input:focus-visible{outline:2px solid #0b5cad}`;

let host: HTMLElement | null = null;
let hideTimer: ReturnType<typeof setTimeout> | undefined;
/** A confirmation needs no action: it goes away by itself; information and errors stay. */
const SUCCESS_VISIBLE_MS = 8000;

const message = (key: 'extName' | 'dismiss' | 'filterAccounts') => browser.i18n.getMessage(key);

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text != null) e.textContent = text;
  return e;
}

function closeButton(): HTMLButtonElement {
  const close = el('button', 'close', '×');
  close.type = 'button';
  close.setAttribute('aria-label', message('dismiss'));
  close.addEventListener('click', hideNotice);
  return close;
}

/**
 * Shows `box` (replacing any notice) in a fresh host with a closed shadow root. Tests (and
 * assistive tooling) read the notice through the host's data attributes; they hold no secret.
 */
function mount(css: string, box: HTMLElement, tone: string, text: string): HTMLElement {
  hideNotice();
  const h = document.createElement('thingpark-autofill-notice');
  const style = el('style', '', css);
  h.attachShadow({ mode: 'closed' }).append(style, box);
  document.documentElement.append(h);
  h.setAttribute('data-tone', tone);
  h.setAttribute('data-text', text);
  return (host = h);
}

export function showNotice(tone: NoticeTone, text: string): void {
  const box = el('div', `box ${tone}`);
  // Errors interrupt; the rest is announced politely.
  box.setAttribute('role', tone === 'error' ? 'alert' : 'status');
  box.append(el('p', 'title', message('extName')), el('p', 'text', text), closeButton());
  mount(STYLE, box, tone, text);
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
  const box = el('div', 'box info');
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-label', heading);
  const list = el('ul');
  const buttons = items.map((item) => {
    const button = el('button', '', item.title);
    button.type = 'button';
    button.append(el('small', '', item.detail));
    button.addEventListener('click', () => {
      hideNotice();
      onPick(item.id);
    });
    const li = el('li');
    li.append(button);
    list.append(li);
    return button;
  });
  box.append(el('p', 'title', heading));
  // Support staff may have hundreds of accounts on one platform: a long list gets a filter.
  let filter: HTMLInputElement | null = null;
  if (items.length > 6) {
    const input = (filter = el('input'));
    input.type = 'search';
    input.setAttribute('aria-label', (input.placeholder = message('filterAccounts')));
    const haystacks = items.map((i) => `${i.title} ${i.detail}`.toLowerCase());
    input.addEventListener('input', () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      buttons.forEach((b, i) => {
        b.parentElement!.hidden = !words.every((w) => haystacks[i]!.includes(w));
      });
    });
    box.append(input);
  }
  // Keyboard: arrows move between the entries (and down from the filter to the first match),
  // Enter in the filter picks the first match, Escape closes.
  box.addEventListener('keydown', (e) => {
    const shown = buttons.filter((b) => !b.parentElement!.hidden);
    const i = shown.indexOf(e.target as HTMLButtonElement);
    const down = e.key === 'ArrowDown';
    if (e.key === 'Escape') hideNotice();
    else if (filter && e.target === filter && (down || e.key === 'Enter')) {
      e.preventDefault();
      if (down) shown[0]?.focus();
      else shown[0]?.click();
    } else if (i >= 0 && (down || e.key === 'ArrowUp')) {
      e.preventDefault();
      shown[(i + (down ? 1 : shown.length - 1)) % shown.length]?.focus();
    }
  });
  box.append(list, closeButton());
  mount(
    `${STYLE}
.box{pointer-events:auto}
ul{list-style:none;margin:6px 0 0;padding:0;max-height:50vh;overflow:auto}
li button{display:block;cursor:pointer;width:100%;text-align:left;font:inherit;padding:6px 8px;border-radius:4px;border:1px solid #c9c9c9;margin:0 0 4px;background:#fff;color:#1b1b1b}
li button:hover,li button:focus-visible{border-color:#0b5cad;outline:2px solid #0b5cad}
li small{display:block;opacity:.75}
input{box-sizing:border-box;width:100%;font:inherit;padding:5px 8px;margin:4px 0 0;border:1px solid #8a8a8a;border-radius:4px}`,
    box,
    'choose',
    heading,
  ).setAttribute('data-count', String(items.length)); // the count only: other accounts' names must not be readable by the page
  (filter ?? buttons[0])?.focus();
}
