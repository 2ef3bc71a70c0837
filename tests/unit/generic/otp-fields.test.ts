// Tests of lib/generic/otp-fields.ts (generic one-time-code field detection) against the hand-written
// pages in tests/fixtures/generic/, inline markup, the Keycloak fixtures in tests/fixtures/pages/
// and generated garbage. Documents are parsed with happy-dom and passed in: the vitest
// environment stays plain Node, so a stray browser global in lib/ fails.
// One file per module under test.

import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { Window } from 'happy-dom';
import { findOtpTarget, MAX_INPUTS, type OtpTarget } from '../../../lib/generic/otp-fields';

// ---------------------------------------------------------------------------------------------
// Helpers

const GENERIC = new URL('../../fixtures/generic/', import.meta.url);
const PAGES = new URL('../../fixtures/pages/', import.meta.url);
const URL_ = 'https://portal.example.com/login/verify';

const windows: Window[] = [];
afterAll(async () => {
  await Promise.all(windows.map((w) => w.happyDOM.close()));
});

function newWindow(): Window {
  const window = new Window({ url: URL_ });
  windows.push(window);
  return window;
}

function parse(html: string): Document {
  const window = newWindow();
  window.document.write(html.startsWith('<!DOCTYPE') ? html : `<!DOCTYPE html><html><body>${html}</body></html>`);
  return window.document as unknown as Document;
}

const generic = (name: string) => parse(readFileSync(new URL(name, GENERIC), 'utf8'));
const keycloak = (name: string) => parse(readFileSync(new URL(name, PAGES), 'utf8'));

function byId(doc: Document, id: string): HTMLInputElement {
  const el = doc.getElementById(id);
  if (!el) throw new Error(`no #${id}`);
  return el as HTMLInputElement;
}

/** The target as ids (or names) for readable assertions. */
function describeTarget(t: OtpTarget | null): string | string[] | null {
  if (t === null) return null;
  const key = (i: HTMLInputElement) => i.id || `[name=${i.getAttribute('name') ?? ''}]`;
  return t.kind === 'single' ? key(t.input) : t.inputs.map(key);
}

const find = (html: string, focusedId?: string) => {
  const doc = parse(html);
  return describeTarget(findOtpTarget(doc, focusedId ? byId(doc, focusedId) : undefined));
};

const boxes = (prefix: string, n: number, attrs = 'maxlength="1" inputmode="numeric"') =>
  Array.from({ length: n }, (_, i) => `<input id="${prefix}${i + 1}" ${attrs}>`).join('');

// ---------------------------------------------------------------------------------------------
// Single fields

describe('findOtpTarget: single field evidence', () => {
  it('autocomplete="one-time-code" qualifies on its own', () => {
    expect(find('<input id="a" name="foo">  <input id="b" name="field2" autocomplete="one-time-code">')).toBe('b');
  });

  it('autocomplete="one-time-code" beats keywords, and overrides an exclusion word', () => {
    expect(find('<input id="k" name="otp"><input id="a" autocomplete="one-time-code">')).toBe('a');
    expect(find('<label for="a">Authentication or recovery code</label><input id="a" autocomplete="one-time-code">')).toBe('a');
  });

  it('name=otp', () => {
    expect(find('<form><input id="x" name="otp"></form>')).toBe('x');
  });

  it('id=totp', () => {
    expect(find('<form><input id="totp" type="number"></form>')).toBe('totp');
  });

  it('label text "Verification code" (label[for], wrapping label, aria-labelledby)', () => {
    expect(find('<label for="f1">Verification code</label><input id="f1" name="field_1">')).toBe('f1');
    expect(find('<label>Verification code <input id="f2" name="field_2"></label>')).toBe('f2');
    expect(find('<span id="l3">Verification code</span><input id="f3" aria-labelledby="l3">')).toBe('f3');
  });

  it('a wrapping label that is for another element does not name the input', () => {
    expect(find('<label for="other">Verification code <input id="f" name="x"></label><input id="other" type="checkbox">')).toBeNull();
  });

  it('GitHub-like name="app_otp" (fixture and bare)', () => {
    expect(describeTarget(findOtpTarget(generic('github-two-factor.html')))).toBe('app_totp');
    expect(find('<input type="text" name="app_otp" id="app_totp" placeholder="XXXXXX">')).toBe('app_totp');
  });

  it.each([
    ['placeholder', '<input id="t" placeholder="2FA code">'],
    ['aria-label', '<input id="t" aria-label="Two-factor code">'],
    ['class', '<input id="t" class="input mfa-input">'],
    ['camelCase name', '<input id="t" name="oneTimeCode">'],
    ['fused name', '<input id="t" name="otpcode">'],
    ['one_time', '<input id="t" name="one_time_pass">'],
    ['onetime', '<input id="t" name="onetime">'],
    ['twofactor', '<input id="t" name="twofactor_token">'],
    ['security code', '<label for="t">Security code</label><input id="t">'],
    ['authenticator', '<input id="t" placeholder="Code from your Authenticator">'],
    ['verification_code', '<input id="t" name="verification_code">'],
    ['"One-time password" label beats the word password', '<label for="t">One-time password</label><input id="t">'],
    ['"phone" next to an OTP keyword', '<label for="t">Code from the authenticator app on your phone</label><input id="t">'],
  ])('keyword in %s', (_what, html) => {
    expect(find(html)).toBe('t');
  });

  it('"code" is weak: taken alone, outranked by any keyword', () => {
    expect(find('<input id="c" name="code">')).toBe('c');
    expect(find('<input id="c" placeholder="Enter the 6-digit code">')).toBe('c');
    expect(find('<input id="c" name="code"><input id="o" name="otp">')).toBe('o');
    expect(find('<input id="c" name="country_code">')).toBeNull();
  });

  it('a login form with username + password only gives null', () => {
    expect(findOtpTarget(generic('login-only.html'))).toBeNull();
    expect(find('<form><input id="u" name="username"><input id="p" type="password" name="password"></form>')).toBeNull();
  });

  it('a password-type OTP field is never chosen', () => {
    expect(findOtpTarget(generic('password-otp.html'))).toBeNull();
  });

  it('decoy search/coupon/zip/postal/promo/voucher/card/phone/email/backup/captcha fields are not chosen', () => {
    expect(describeTarget(findOtpTarget(generic('decoys.html')))).toBe('otp-field');
    for (const decoy of [
      '<input id="d" name="search" placeholder="Search">', '<input id="d" name="coupon">', '<input id="d" name="zip_code">',
      '<input id="d" name="zipcode">', '<input id="d" name="email_code">', '<input id="d" type="email" name="otp">',
      '<input id="d" type="search" name="otp">', '<input id="d" name="recovery_code">', '<input id="d" name="backupCode">',
      '<input id="d" name="promo_code">', '<input id="d" name="voucher">', '<input id="d" name="captcha">',
      '<input id="d" name="username">', '<input id="d" name="user">', '<input id="d" name="password">',
      '<input id="d" name="phone" type="tel">', '<input id="d" name="postal" placeholder="Postal code">',
      '<input id="d" name="cvc" autocomplete="cc-csc" placeholder="Security code">',
      '<label for="d">Recovery code</label><input id="d" name="mfa_recovery">',
      '<input id="d" name="tel" placeholder="2FA phone">',
    ]) {
      expect(find(decoy), decoy).toBeNull();
    }
  });

  it.each([
    ['hidden', '<input id="x" type="hidden" name="otp">'],
    ['checkbox', '<input id="x" type="checkbox" name="otp">'],
    ['radio', '<input id="x" type="radio" name="otp">'],
    ['submit', '<input id="x" type="submit" name="otp" value="OTP">'],
    ['disabled', '<input id="x" name="otp" disabled>'],
    ['disabled fieldset', '<fieldset disabled><input id="x" name="otp"></fieldset>'],
    ['readonly', '<input id="x" name="otp" readonly>'],
    ['aria-hidden', '<input id="x" name="otp" aria-hidden="true">'],
    ['[hidden] ancestor', '<div hidden><div><input id="x" name="otp"></div></div>'],
    ['inline display:none ancestor', '<div style="color: red; display: none"><input id="x" name="otp"></div>'],
    ['inline visibility:hidden', '<input id="x" name="otp" style="visibility:hidden">'],
    ['aria-hidden ancestor', '<section aria-hidden="true"><input id="x" name="otp"></section>'],
    ['maxlength under 6', '<input id="x" name="otp" maxlength="4">'],
    ['svg element named input', '<svg><input id="x" name="otp"/></svg>'],
  ])('not a candidate: %s', (_what, html) => {
    expect(find(html)).toBeNull();
  });

  it('an unknown type is the Text state (HTML) and qualifies; tel and number do too', () => {
    expect(find('<input id="x" type="otp-code" name="otp">')).toBe('x');
    expect(find('<input id="x" type="TEL" name="otp">')).toBe('x');
    expect(find('<input id="x" type="" name="otp">')).toBe('x');
  });

  it('a cheaply hidden twin does not cause a tie', () => {
    expect(find('<div hidden><input id="h" name="otp"></div><input id="v" name="otp">')).toBe('v');
  });

  it('a pick hidden by a stylesheet gives null (checked with the page\'s getComputedStyle)', () => {
    expect(find('<style>.gone { display: none }</style><div class="gone"><input id="x" name="otp"></div>')).toBeNull();
    expect(find('<style>.ghost { visibility: hidden }</style><input id="x" class="ghost" name="otp">')).toBeNull();
    expect(find('<style>.shown { display: block }</style><div class="shown"><input id="x" name="otp"></div>')).toBe('x');
  });

  it('two equally strong candidates give null (never guess)', () => {
    expect(find('<form><input id="a" name="otp"></form><form><input id="b" name="totp"></form>')).toBeNull();
    expect(find('<input id="a" autocomplete="one-time-code"><input id="b" autocomplete="one-time-code">')).toBeNull();
    expect(find('<input id="a" name="code"><input id="b" placeholder="Code">')).toBeNull();
  });

  it('works on a document without a window (browsers\' DOMParser documents have no defaultView)', () => {
    const doc = parse('<input id="x" name="otp">');
    // happy-dom gives every document a window: take it away on this instance.
    Object.defineProperty(doc, 'defaultView', { value: null });
    expect(doc.defaultView).toBeNull();
    expect(describeTarget(findOtpTarget(doc))).toBe('x');
  });
});

// ---------------------------------------------------------------------------------------------
// Segmented boxes

describe('findOtpTarget: segmented boxes', () => {
  it('six boxes give the group, in document order (the box with autocomplete is not taken alone)', () => {
    expect(describeTarget(findOtpTarget(generic('segmented-six.html')))).toEqual(['d1', 'd2', 'd3', 'd4', 'd5', 'd6']);
  });

  it('4-box and 8-box groups; 3 and 9 boxes are not groups', () => {
    expect(find(`<div>${boxes('b', 4)}</div>`)).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(find(`<div>${boxes('b', 8)}</div>`)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8']);
    expect(find(`<div>${boxes('b', 3)}</div>`)).toBeNull();
    expect(find(`<div>${boxes('b', 9)}</div>`)).toBeNull();
  });

  it('size=1 and narrow inline widths count as boxes', () => {
    expect(find(`<div>${boxes('s', 6, 'size="1"')}</div>`)).toHaveLength(6);
    expect(find(`<div>${boxes('w', 6, 'style="width: 40px"')}</div>`)).toHaveLength(6);
    expect(find(`<div>${boxes('w', 6, 'style="width:2.5em"')}</div>`)).toHaveLength(6);
    expect(find(`<div>${boxes('w', 6, 'style="width: 300px"')}</div>`)).toBeNull();
  });

  it('six boxes split across two parents within one grandparent', () => {
    expect(describeTarget(findOtpTarget(generic('segmented-split.html')))).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
  });

  it('each box in its own wrapper', () => {
    const html = `<div class="otp">${Array.from({ length: 6 }, (_, i) => `<span class="cell"><input id="c${i}" maxlength="1"></span>`).join('')}</div>`;
    expect(find(html)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('boxes too far apart (different grandparents) are not one group', () => {
    const cell = (i: number) => `<div><div><input id="c${i}" maxlength="1"></div></div>`;
    expect(find(`<div>${[0, 1, 2, 3, 4, 5].map(cell).join('')}</div>`)).toBeNull();
  });

  it('a plain text field between boxes breaks the run; a hidden one does not', () => {
    expect(find(`<div>${boxes('a', 3)}<input name="other">${boxes('b', 3)}</div>`)).toBeNull();
    expect(find(`<div>${boxes('a', 3)}<input type="hidden" name="code">${boxes('b', 3)}</div>`)).toHaveLength(6);
  });

  it('two six-box groups side by side are two groups: null without focus, the focused one with it', () => {
    const html = `<form><div>${boxes('a', 6)}</div><div>${boxes('b', 6)}</div></form>`;
    expect(find(html)).toBeNull();
    expect(find(html, 'b3')).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'b6']);
  });

  it('a keyword single outranks a keyword-less group; a keyword group ties with it', () => {
    expect(find(`<input id="o" name="otp"><div>${boxes('b', 6)}</div>`)).toBe('o');
    expect(find(`<input id="c" name="code"><div>${boxes('b', 6)}</div>`)).toHaveLength(6);
    expect(find(`<input id="o" name="otp"><div class="otp-boxes">${boxes('b', 6, 'maxlength="1" class="otp-digit"')}</div>`)).toBeNull();
  });

  it('excluded boxes (a captcha) are not a group', () => {
    expect(find(`<div>${boxes('c', 6, 'maxlength="1" name="captcha"')}</div>`)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Focus

describe('findOtpTarget: focused element', () => {
  it('focused box inside a group gives that group', () => {
    const doc = generic('segmented-six.html');
    expect(describeTarget(findOtpTarget(doc, byId(doc, 'd4')))).toEqual(['d1', 'd2', 'd3', 'd4', 'd5', 'd6']);
  });

  it('a focused plain text input without keywords is taken (the user chose it)', () => {
    expect(find('<input id="o" name="otp"><input id="plain" name="field7">', 'plain')).toBe('plain');
    expect(find('<input id="plain">', 'plain')).toBe('plain');
  });

  it('a focused password or excluded field falls back to the page search', () => {
    const html = '<input id="u" name="username"><input id="p" type="password"><input id="o" name="otp">';
    expect(find(html, 'p')).toBe('o');
    expect(find(html, 'u')).toBe('o');
    expect(find('<input id="p" type="password">', 'p')).toBeNull();
  });

  it('focused non-inputs, disabled inputs and elements of another document fall back', () => {
    expect(find('<button id="b">x</button><input id="o" name="otp">', 'b' as string)).toBe('o');
    expect(find('<input id="dis" disabled><input id="o" name="otp">', 'dis')).toBe('o');
    const doc = parse('<input id="o" name="otp">');
    const other = parse('<input id="x">');
    expect(describeTarget(findOtpTarget(doc, byId(other, 'x')))).toBe('o');
    expect(describeTarget(findOtpTarget(doc, null))).toBe('o');
  });

  it('a focused input that is not in the document (inert <template> content) falls back', () => {
    const doc = parse('<input id="o" name="otp"><template id="tpl"></template>');
    const inert = doc.createElement('input');
    byId(doc, 'tpl').appendChild(inert);
    expect(describeTarget(findOtpTarget(doc, inert))).toBe('o');
  });
});

// ---------------------------------------------------------------------------------------------
// Bounds and robustness

describe('findOtpTarget: bounds and robustness', () => {
  it(`pages with more than ${MAX_INPUTS} inputs give null`, () => {
    const filler = (n: number) => '<input type="checkbox">'.repeat(n);
    expect(find(`${filler(MAX_INPUTS)}<input id="o" name="otp">`)).toBeNull();
    expect(find(`${filler(MAX_INPUTS - 1)}<input id="o" name="otp">`)).toBe('o');
  });

  // Speed is measured by `npm run bench`, never asserted in tests; this checks the answer only.
  it('a large page (1,900 labelled fields) still finds the one code field', () => {
    const rows = Array.from({ length: 1900 }, (_, i) => `<div><label for="f${i}">Field ${i}</label><input id="f${i}" name="f${i}"></div>`).join('');
    const doc = parse(`${rows}<input id="o" name="otp">`);
    expect(describeTarget(findOtpTarget(doc))).toBe('o');
  });

  // Parses dozens of pages with happy-dom: seconds on a loaded 2-core machine, beyond the 5 s default.
  it('50 random garbage DOMs never throw', { timeout: 60_000 }, () => {
    let seed = 0x2f6e2b1;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const TAGS = ['div', 'span', 'input', 'input', 'input', 'label', 'form', 'fieldset', 'section', 'p', 'svg', 'template', 'select', 'button'];
    const ATTRS = ['name', 'id', 'class', 'type', 'maxlength', 'size', 'style', 'hidden', 'disabled', 'readonly', 'aria-hidden',
      'autocomplete', 'placeholder', 'aria-label', 'aria-labelledby', 'for', 'form'];
    const VALUES = ['otp', 'totp', 'code', '1', '6', '-1', 'abc', '', ' ', 'one-time-code', 'display:none', 'width: 20px', 'width:',
      'true', 'password', 'tel', 'number', 'hidden', 'text', 'x'.repeat(500), 'Verification code', 'zip', 'd1 d2 d3', 'l0', '<>"\'',
      '\u0000', '🙂', 'camelCaseOtpCode', 'recovery', 'search', 'checkbox'];
    for (let n = 0; n < 50; n++) {
      const window = newWindow();
      const doc = window.document;
      const nodes: Element[] = [doc.body as unknown as Element];
      const count = 20 + Math.floor(rand() * 200);
      for (let i = 0; i < count; i++) {
        const tagName = pick(TAGS);
        const el = (tagName === 'svg' || rand() < 0.03
          ? doc.createElementNS('http://www.w3.org/2000/svg', rand() < 0.5 ? 'input' : 'g')
          : doc.createElement(tagName)) as unknown as Element;
        const attrs = Math.floor(rand() * 5);
        for (let a = 0; a < attrs; a++) {
          try {
            el.setAttribute(pick(ATTRS), pick(VALUES));
          } catch {
            // an invalid attribute value for this element: fine, the page would not have it either
          }
        }
        if (rand() < 0.2) el.textContent = pick(VALUES);
        pick(nodes).appendChild(el);
        nodes.push(el);
      }
      const inputs = [...doc.querySelectorAll('input')] as unknown as Element[];
      const focusOptions: Array<Element | null | undefined> = [undefined, null, pick(nodes), inputs.length ? pick(inputs) : null];
      for (const focused of focusOptions) {
        let result: OtpTarget | null = null;
        expect(() => {
          result = findOtpTarget(doc as unknown as Document, focused);
        }).not.toThrow();
        const r = result as OtpTarget | null;
        if (r?.kind === 'single') expect(doc.contains(r.input as never)).toBe(true);
        if (r?.kind === 'segmented') {
          expect(r.inputs.length).toBeGreaterThanOrEqual(4);
          expect(r.inputs.length).toBeLessThanOrEqual(8);
        }
      }
    }
  });

  it('never throws on a hostile document object', () => {
    const broken = { querySelectorAll: () => { throw new Error('boom'); } } as unknown as Document;
    expect(findOtpTarget(broken)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Keycloak fixtures

describe('findOtpTarget on the Keycloak fixtures', () => {
  const files = readdirSync(PAGES).filter((f) => f.endsWith('.html'));

  it.each(files.filter((f) => /^(classic|v2)-otp-/.test(f)))('%s: #otp', (name) => {
    expect(describeTarget(findOtpTarget(keycloak(name)))).toBe('otp');
  });

  it.each(files.filter((f) => /^(classic|v2)-setup-/.test(f)))('%s: #totp', (name) => {
    expect(describeTarget(findOtpTarget(keycloak(name)))).toBe('totp');
  });

  it.each(files.filter((f) => /^(classic|v2)-login\.html$|^dashboard\.html$/.test(f)))('%s: null', (name) => {
    expect(findOtpTarget(keycloak(name))).toBeNull();
  });

  it('the fixtures are there', () => {
    expect(files.filter((f) => /^(classic|v2)-otp-/.test(f)).length).toBeGreaterThanOrEqual(6);
    expect(files.filter((f) => /^(classic|v2)-setup-/.test(f)).length).toBeGreaterThanOrEqual(14);
  });
});
