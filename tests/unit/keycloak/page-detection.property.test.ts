/**
 * Property-based tests of page detection (hostile input): lib/keycloak/page-detection.ts
 * (detectPage) and lib/generic/otp-fields.ts (findOtpTarget) run on every page of the platforms, i.e. on
 * markup anyone can shape. On random DOMs built node by node (nested forms, SVG look-alikes,
 * inputs outside their form, duplicate ids, hidden inputs named like Keycloak's, huge attribute
 * values) and on Keycloak's real pages with random edits:
 * - neither function throws, and neither changes the document;
 * - detectPage's documented rules hold: a page where one of Keycloak's key ids appears twice, or
 *   with two Keycloak forms, is `{ kind: 'none', reason: 'ambiguous' }`; every element it returns
 *   is the one element with its id, an HTML element, posted by (or inside) the detected form;
 * - irrelevant additions (noise without Keycloak's ids, classes or names) change nothing;
 * - findOtpTarget only ever returns visible, enabled, writable text inputs of this document.
 * Documents are happy-dom's, passed in; the vitest environment stays plain Node.
 * One file for both detectors: they run on the same generated DOMs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { Window } from 'happy-dom';
import { detectPage, detectPageKind, type PageInfo } from '../../../lib/keycloak/page-detection';
import { findOtpTarget, type OtpTarget } from '../../../lib/generic/otp-fields';
import { hostileString, maybeHuge, runs } from '../property-helpers';

const XHTML = 'http://www.w3.org/1999/xhtml';
const SVG = 'http://www.w3.org/2000/svg';

/** detectPage's KEY_IDS (lib/keycloak/page-detection.ts): one element each, or the page is ambiguous. */
const KEY_IDS = [
  'kc-totp-settings-form', 'kc-otp-login-form', 'kc-form-login', 'totp', 'totpSecret', 'kc-totp-secret-qr-code',
  'kc-totp-secret-key', 'userLabel', 'otp', 'selectedCredentialId',
] as const;
const FORM_IDS = ['kc-totp-settings-form', 'kc-otp-login-form', 'kc-form-login'] as const;
/** Other ids, classes and names the detection reads. */
const KEYCLOAK_IDS = [
  ...KEY_IDS, 'saveTOTPBtn', 'kc-login', 'username', 'password', 'kc-attempted-username', 'input-error-otp-code',
  'input-error-otp-label', 'input-error-otp', 'kc-totp-type', 'kc-totp-algorithm', 'kc-totp-digits', 'kc-totp-period',
  'kc-totp-counter', 'kc-otp-credential-0', 'kc-otp-credential-1', 'elsewhere',
];
const KEYCLOAK_CLASSES = [
  'pf-v5-c-form', 'form-group', 'pf-v5-c-form__group', 'required', 'pf-v5-c-form__label-required', 'alert-error',
  'pf-c-alert__title', 'kc-feedback-text', 'pf-c-tile__title', 'pf-v5-c-tile__title', 'pf-m-selected', 'pf-m-danger',
];
const NON_TEXT_TYPES = new Set([
  'hidden', 'search', 'url', 'email', 'password', 'date', 'month', 'week', 'time', 'datetime-local', 'datetime', 'range',
  'color', 'checkbox', 'radio', 'file', 'submit', 'image', 'reset', 'button',
]);

let window: Window;
let doc: Document;
const fixtureWindows: Window[] = [];

beforeAll(() => {
  window = new Window({ url: 'https://community.thingpark.io/auth/realms/tpw-users-actility-tpe-ope/login-actions/authenticate' });
  window.document.write('<!DOCTYPE html><html><head></head><body></body></html>');
  doc = window.document as unknown as Document;
});
afterAll(async () => {
  await Promise.all([window, ...fixtureWindows].map((w) => w.happyDOM.close()));
});

// ---------------------------------------------------------------------------------------------
// Random DOMs, built node by node (the DOM API allows what the HTML parser would repair)

type Spec = { text: string } | { tag: string; svg: boolean; attrs: [string, string][]; children: Spec[] };

const idArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KEYCLOAK_IDS) }, { weight: 1, arbitrary: hostileString(8) });
const attrArb: fc.Arbitrary<[string, string]> = fc.oneof(
  { weight: 4, arbitrary: idArb.map((v): [string, string] => ['id', v]) },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...KEYCLOAK_IDS, 'selectedCredentialId', 'code', 'otp-code'), hostileString(8)).map((v): [string, string] => ['name', v]) },
  { weight: 2, arbitrary: fc.constantFrom('text', 'hidden', 'radio', 'password', 'submit', 'tel', 'number', '', 'TEXT', ' Hidden ', 'bogus').map((v): [string, string] => ['type', v]) },
  { weight: 2, arbitrary: maybeHuge(hostileString(20), 1000).map((v): [string, string] => ['value', v]) },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...KEYCLOAK_CLASSES), hostileString(10)).map((v): [string, string] => ['class', v]) },
  { weight: 1, arbitrary: fc.constantFrom(...FORM_IDS, 'elsewhere', '').map((v): [string, string] => ['form', v]) },
  { weight: 1, arbitrary: fc.constantFrom<[string, string]>(['hidden', ''], ['aria-hidden', 'true'], ['style', 'display:none'], ['style', 'visibility: hidden !important'], ['disabled', ''], ['readonly', ''], ['required', ''], ['aria-required', 'true'], ['checked', '']) },
  { weight: 1, arbitrary: fc.constantFrom('one-time-code', 'off', 'username one-time-code').map((v): [string, string] => ['autocomplete', v]) },
  { weight: 1, arbitrary: fc.constantFrom('1', '6', '0', ' 1 ', '-1', 'x').map((v): [string, string] => ['maxlength', v]) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('One-time code', 'Code', 'Enter the 6-digit code', 'Recovery code', 'Username'), hostileString(12)).map((v): [string, string] => ['placeholder', v]) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom("toggleOTP(0, 'cred-a')", "toggleOTP(1, 'cred-b');", "toggleOTP(1, 'x'); alert(1)"), hostileString(20)).map((v): [string, string] => ['onclick', v]) },
  { weight: 1, arbitrary: idArb.map((v): [string, string] => ['for', v]) },
);
const TAGS = ['form', 'input', 'div', 'span', 'label', 'img', 'li', 'ul', 'button', 'fieldset', 'template', 'table', 'td', 'p', 'a', 'textarea', 'select'];

const specArb: fc.Arbitrary<Spec[]> = fc.letrec<{ node: Spec; nodes: Spec[] }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    { weight: 1, arbitrary: maybeHuge(hostileString(20), 1000).map((text) => ({ text })) },
    {
      weight: 4,
      arbitrary: fc.record({
        tag: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...TAGS) }, { weight: 1, arbitrary: fc.constantFrom('svg', 'math') }),
        svg: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        attrs: fc.array(attrArb, { maxLength: 5 }),
        children: tie('nodes'),
      }),
    },
  ),
  nodes: fc.array(tie('node'), { maxLength: 3 }),
})).nodes;

function build(spec: Spec): Node {
  if ('text' in spec) return doc.createTextNode(spec.text);
  // (An SVG-namespace <template> trips happy-dom's serializer; the browser has no such problem.)
  const el = spec.svg ? doc.createElementNS(SVG, spec.tag === 'template' ? 'g' : spec.tag) : doc.createElement(spec.tag);
  for (const [name, value] of spec.attrs) el.setAttribute(name, value);
  for (const child of spec.children) el.appendChild(build(child));
  return el;
}

/** Replaces the page with these nodes (and classes on <html> and <body>). */
function render(nodes: Spec[], htmlClass: string, bodyClass: string): void {
  doc.documentElement.setAttribute('class', htmlClass);
  doc.body.setAttribute('class', bodyClass);
  doc.body.replaceChildren(...nodes.map(build));
}

// ---------------------------------------------------------------------------------------------
// What detectPage and findOtpTarget must satisfy on any document

const countId = (id: string) => doc.querySelectorAll(`[id="${id}"]`).length;
const isHtmlInput = (el: unknown): el is HTMLInputElement =>
  el != null && (el as Element).localName === 'input' && (el as Element).namespaceURI === XHTML;

/** The element is the one with its id, an HTML <tag>, and (for inputs) posted by the form. */
function expectKeyElement(el: Element | null, id: string, tag: string, form: HTMLFormElement, posted: boolean): void {
  if (el === null) return;
  expect(doc.getElementById(id)).toBe(el);
  expect(el.namespaceURI).toBe(XHTML);
  if (tag !== '*') expect(el.localName).toBe(tag);
  if (posted) {
    const input = el as HTMLInputElement;
    expect(form.contains(input) && input.form === form).toBe(true);
    const owner = input.getAttribute('form');
    expect(owner === null || owner === form.id).toBe(true);
  } else {
    expect(form.contains(el)).toBe(true);
  }
}

function checkDetection(page: PageInfo): void {
  // Documented: a key id twice, or two Keycloak forms, and the page is not Keycloak's.
  const duplicate = KEY_IDS.some((id) => countId(id) > 1);
  const forms = FORM_IDS.filter((id) => doc.getElementById(id)?.localName === 'form' && doc.getElementById(id)?.namespaceURI === XHTML);
  if (duplicate || forms.length > 1) {
    expect(page).toEqual({ kind: 'none', reason: 'ambiguous' });
    return;
  }
  switch (page.kind) {
    case 'setup':
      expectKeyElement(page.form, 'kc-totp-settings-form', 'form', page.form, false);
      expectKeyElement(page.codeInput, 'totp', 'input', page.form, true);
      expectKeyElement(page.labelInput, 'userLabel', 'input', page.form, true);
      expectKeyElement(page.submit, 'saveTOTPBtn', '*', page.form, false);
      expect(page.hiddenSecret).toBe((doc.getElementById('totpSecret') as HTMLInputElement).value);
      expectKeyElement(doc.getElementById('totpSecret'), 'totpSecret', 'input', page.form, true);
      if (page.qrImage) expect(page.qrImage).toBe(doc.getElementById('kc-totp-secret-qr-code'));
      break;
    case 'otp':
      expectKeyElement(page.form, 'kc-otp-login-form', 'form', page.form, false);
      expectKeyElement(page.input, 'otp', 'input', page.form, true);
      expectKeyElement(page.submit, 'kc-login', '*', page.form, false);
      for (const d of page.devices) {
        expect(page.form.contains(d.element)).toBe(true);
        expect(d.id.length).toBeGreaterThan(0);
        if (isHtmlInput(d.element)) expect(d.element.value).toBe(d.id);
      }
      expect(new Set(page.devices.map((d) => d.element)).size).toBe(page.devices.length);
      break;
    case 'login':
      expectKeyElement(page.form, 'kc-form-login', 'form', page.form, false);
      expect(page.username ?? page.password).not.toBeNull();
      expectKeyElement(page.username, 'username', 'input', page.form, true);
      expectKeyElement(page.password, 'password', 'input', page.form, true);
      break;
    case 'none':
      break;
  }
}

function hiddenByAttributes(el: Element): boolean {
  for (let cur: Element | null = el; cur; cur = cur.parentElement) {
    if (cur.hasAttribute('hidden') || cur.getAttribute('aria-hidden') === 'true') return true;
    if (/display\s*:\s*none|visibility\s*:\s*(hidden|collapse)/i.test(cur.getAttribute('style') ?? '')) return true;
  }
  return false;
}

function checkTarget(target: OtpTarget | null): void {
  if (target === null) return;
  const inputs = target.kind === 'single' ? [target.input] : target.inputs;
  if (target.kind === 'segmented') {
    expect(inputs.length).toBeGreaterThanOrEqual(4);
    expect(inputs.length).toBeLessThanOrEqual(8);
  }
  expect(new Set(inputs).size).toBe(inputs.length);
  for (const input of inputs) {
    expect(isHtmlInput(input)).toBe(true);
    expect(input.ownerDocument).toBe(doc);
    expect(input.isConnected).toBe(true);
    expect(NON_TEXT_TYPES.has((input.getAttribute('type') ?? '').trim().toLowerCase())).toBe(false);
    expect(input.hasAttribute('disabled') || input.hasAttribute('readonly')).toBe(false);
    expect(input.closest('fieldset[disabled]')).toBeNull();
    expect(hiddenByAttributes(input)).toBe(false);
  }
}

/** The unfocused pick of the last detectAll. */
let lastTarget: OtpTarget | null = null;

/** Runs both detectors the way the content scripts do and checks them; the document must not change. */
function detectAll(focusIndex: number | null): PageInfo {
  // Read-only: any change to the document would show up as a mutation record.
  const observer = new window.MutationObserver(() => undefined);
  observer.observe(doc.documentElement as never, { subtree: true, childList: true, attributes: true, characterData: true });
  const page = detectPage(doc);
  checkDetection(page);
  expect(detectPage(doc).kind).toBe(page.kind); // same answer twice
  // The always-loaded content script's detection: the same kind, the same form.
  const light = detectPageKind(doc);
  expect(light.kind).toBe(page.kind);
  if (page.kind !== 'none') expect((light as { form: unknown }).form).toBe(page.form);
  const all = doc.querySelectorAll('*');
  const focused = focusIndex === null || all.length === 0 ? null : all[focusIndex % all.length]!;
  checkTarget(findOtpTarget(doc, focused));
  const target = findOtpTarget(doc);
  checkTarget(target);
  lastTarget = target;
  const changes = observer.takeRecords();
  observer.disconnect();
  expect(changes.map((r) => r.type)).toEqual([]);
  return page;
}

const classArb = fc.oneof(fc.constantFrom('', 'login-pf', 'pf-v5-theme-dark', 'pf-v5-c-page'), hostileString(8));

describe('random DOMs', { timeout: 60_000 }, () => {
  it('detectPage and findOtpTarget: documented rules, no exception, document untouched (2000 cases)', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(specArb, classArb, classArb, fc.option(fc.nat(), { nil: null }), (nodes, htmlClass, bodyClass, focus) => {
        render(nodes, htmlClass, bodyClass);
        const page = detectAll(focus);
        kinds.add(page.kind === 'none' ? `none:${'reason' in page ? page.reason : ''}` : page.kind);
      }),
      runs(2000),
    );
    if (runs(2000).numRuns >= 1000) expect(kinds).toContain('none:ambiguous');
  });

  it('Keycloak forms assembled from the right pieces, in random order and nesting (1500 cases)', () => {
    // Pieces of the three forms: random DOMs rarely hold a whole setup form, these often do.
    const input = (...attrs: [string, string][]): Spec => ({ tag: 'input', svg: false, attrs, children: [] });
    const PIECES: Record<(typeof FORM_IDS)[number], Spec[]> = {
      'kc-totp-settings-form': [
        input(['id', 'totp'], ['name', 'totp']),
        input(['id', 'totpSecret'], ['type', 'hidden'], ['value', 'Aq3kP9vLm2Rt7Wc1Bn5d']),
        input(['id', 'userLabel']),
        { tag: 'img', svg: false, attrs: [['id', 'kc-totp-secret-qr-code'], ['src', 'data:,']], children: [] },
        { tag: 'span', svg: false, attrs: [['id', 'kc-totp-secret-key']], children: [{ text: 'IFYT G22Q HF3E Y3JS KJ2D OV3D GFBG 4NLE' }] },
        { tag: 'button', svg: false, attrs: [['id', 'saveTOTPBtn']], children: [] },
      ],
      'kc-otp-login-form': [
        input(['id', 'otp'], ['autocomplete', 'one-time-code']),
        input(['type', 'radio'], ['name', 'selectedCredentialId'], ['value', 'cred-a'], ['id', 'kc-otp-credential-0']),
        input(['type', 'hidden'], ['id', 'selectedCredentialId'], ['value', 'cred-b']),
        { tag: 'div', svg: false, attrs: [['id', 'kc-otp-credential-1'], ['onclick', "toggleOTP(1, 'cred-b')"]], children: [] },
        input(['id', 'kc-login'], ['type', 'submit']),
      ],
      'kc-form-login': [input(['id', 'username']), input(['id', 'password'], ['type', 'password'])],
    };
    // Sometimes handed to another form (form="...") or wrapped in a nested form of its own.
    const twisted = (p: Spec, roll: number, owner: string): Spec => {
      if ('text' in p || roll > 1) return p;
      if (roll === 0) return { tag: 'form', svg: false, attrs: [], children: [p] };
      return { ...p, attrs: [...p.attrs, ['form', owner]] };
    };
    const twistArb = fc.tuple(fc.nat({ max: 11 }), fc.constantFrom(...FORM_IDS, 'elsewhere', ''));
    const piece = fc.tuple(fc.constantFrom(...Object.values(PIECES).flat()), twistArb).map(([p, [roll, owner]]) => twisted(p, roll, owner));
    // A form holds a random selection of its own pieces in random order (so that whole, valid pages
    // are common), plus strays of other forms and random nodes.
    const formArb = fc
      .record({
        id: fc.constantFrom(...FORM_IDS),
        tag: fc.oneof({ weight: 9, arbitrary: fc.constant('form') }, { weight: 1, arbitrary: fc.constantFrom('div', 'fieldset') }),
        svg: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        attrs: fc.array(attrArb.filter(([n]) => n !== 'id'), { maxLength: 1 }),
        own: fc.array(fc.tuple(fc.boolean(), twistArb, fc.nat()), { minLength: 6, maxLength: 6 }),
        extras: fc.array(fc.oneof(piece, specArb.map((s): Spec => ({ tag: 'div', svg: false, attrs: [], children: s }))), { maxLength: 2 }),
      })
      .map(({ id, tag, svg, attrs, own, extras }): Spec => {
        const mine = PIECES[id].flatMap((p, i) => {
          const [keep, [roll, owner], key] = own[i]!;
          return keep ? [{ key, spec: twisted(p, roll, owner) }] : [];
        });
        const children = [...mine, ...extras.map((spec, i) => ({ key: own[i]![2] + i, spec }))].sort((a, b) => a.key - b.key).map((c) => c.spec);
        return { tag, svg, attrs: [['id', id], ...attrs], children };
      });
    const pageArb = fc.array(fc.oneof({ weight: 6, arbitrary: formArb }, { weight: 1, arbitrary: piece }), { minLength: 1, maxLength: 2 });
    const kinds = new Set<string>();
    const counts = new Map<string, number>();
    fc.assert(
      fc.property(pageArb, classArb, fc.option(fc.nat(), { nil: null }), (nodes, bodyClass, focus) => {
        render(nodes, '', bodyClass);
        const page = detectAll(focus);
        const kind = page.kind === 'none' ? `none:${'reason' in page ? page.reason : ''}` : page.kind;
        kinds.add(kind);
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
      }),
      runs(1500),
    );
    if (process.env.FC_STATS) console.log('KINDS', JSON.stringify([...counts]));
    if (runs(1500).numRuns >= 1000) expect([...kinds].sort()).toEqual(['login', 'none:', 'none:ambiguous', 'otp', 'setup']);
  });

  it('findOtpTarget on code forms (fields, boxes, hidden and disabled look-alikes): only usable text inputs (1500 cases)', () => {
    // Random DOMs rarely hold a code field; these forms always do, next to look-alikes.
    const fieldAttr = fc.constantFrom<[string, string]>(
      ['autocomplete', 'one-time-code'], ['name', 'otp'], ['name', 'totp'], ['id', 'code'], ['placeholder', 'Enter the 6-digit code'],
      ['aria-label', 'One-time code'], ['name', 'recovery_code'], ['placeholder', 'Username'], ['maxlength', '1'], ['maxlength', '6'],
      ['maxlength', '4'], ['size', '1'], ['style', 'width: 2em'], ['type', 'hidden'], ['type', 'password'], ['type', 'tel'],
      ['type', 'number'], ['type', 'checkbox'], ['disabled', ''], ['readonly', ''], ['hidden', ''], ['aria-hidden', 'true'],
      ['style', 'display: none !important'], ['style', 'visibility:hidden'],
    );
    const field = fc.array(fieldAttr, { maxLength: 4 }).map((attrs): Spec => ({ tag: 'input', svg: false, attrs, children: [] }));
    const group = fc
      .tuple(fc.integer({ min: 3, max: 10 }), fc.array(fieldAttr, { maxLength: 2 }), fc.boolean())
      .map(([n, extra, wrapped]): Spec => {
        const box = (): Spec => ({ tag: 'input', svg: false, attrs: [['maxlength', '1'], ...extra], children: [] });
        const boxes = Array.from({ length: n }, (): Spec => (wrapped ? { tag: 'div', svg: false, attrs: [], children: [box()] } : box()));
        return { tag: 'div', svg: false, attrs: [], children: boxes };
      });
    const container = fc.constantFrom<[string, [string, string][]]>(['div', []], ['fieldset', [['disabled', '']]], ['div', [['hidden', '']]], ['div', [['style', 'display:none']]], ['label', []], ['form', []]);
    const formArb = fc.array(
      fc.tuple(container, fc.array(fc.oneof({ weight: 3, arbitrary: field }, { weight: 1, arbitrary: group }), { minLength: 1, maxLength: 3 })).map(
        ([[tag, attrs], children]): Spec => ({ tag, svg: false, attrs, children }),
      ),
      { minLength: 1, maxLength: 3 },
    );
    let found = 0;
    fc.assert(
      fc.property(formArb, fc.option(fc.nat(), { nil: null }), (nodes, focus) => {
        render(nodes, '', '');
        detectAll(focus);
        if (lastTarget) found++;
      }),
      runs(1500),
    );
    if (runs(1500).numRuns >= 1000) expect(found).toBeGreaterThan(runs(1500).numRuns / 10);
  });
});

// ---------------------------------------------------------------------------------------------
// Keycloak's real pages (tests/fixtures/pages/) with random edits

interface Fixture {
  name: string;
  htmlClass: string;
  body: Element;
  page: PageInfo;
}
let fixtures: Fixture[] = [];

beforeAll(() => {
  const dir = new URL('../../fixtures/pages/', import.meta.url);
  fixtures = readdirSync(dir)
    .filter((f) => f.endsWith('.html') && !f.startsWith('adversarial-'))
    .sort()
    .map((name) => {
      const w = new Window({ url: 'https://community.thingpark.io/' });
      fixtureWindows.push(w);
      // The QR image's data URL is kilobytes of attribute that no property needs.
      w.document.write(readFileSync(new URL(name, dir), 'utf8').replace(/src="data:image\/png;base64,[^"]*"/g, 'src="data:,"'));
      const d = w.document as unknown as Document;
      return { name, htmlClass: d.documentElement.getAttribute('class') ?? '', body: d.body, page: detectPage(d) };
    });
});

/** A fresh copy of a fixture page in the test document. */
function load(f: Fixture): void {
  doc.documentElement.setAttribute('class', f.htmlClass);
  doc.documentElement.replaceChild(doc.importNode(f.body, true), doc.body);
}

/** Nodes that carry nothing detection reads: no Keycloak id, class or field name. */
const noiseArb: fc.Arbitrary<Spec[]> = fc.array(
  fc.oneof(
    maybeHuge(hostileString(30), 5000).map((text): Spec => ({ text })),
    fc.record({
      tag: fc.constantFrom('div', 'span', 'p', 'img', 'input', 'a', 'table', 'ul', 'li', 'b'),
      svg: fc.boolean(),
      attrs: fc.array(
        fc.tuple(
          fc.constantFrom('id', 'class', 'title', 'data-x', 'style', 'value', 'placeholder', 'aria-label', 'type'),
          maybeHuge(hostileString(12), 5000),
        ).map(([name, value]): [string, string] => [name, name === 'id' || name === 'class' ? `x-${value}` : name === 'type' ? 'text' : value]),
        { maxLength: 4 },
      ),
      children: fc.constant<Spec[]>([]),
    }),
  ),
  { minLength: 1, maxLength: 6 },
);

/** Where to insert: the n-th element of the page (mod their number), and before which child. */
const placeArb = fc.tuple(fc.nat(), fc.nat());
function insertAt([n, c]: [number, number], node: Node): void {
  const all = doc.body.querySelectorAll('*');
  const parent = all.length === 0 || n % (all.length + 1) === all.length ? doc.body : all[n % all.length]!;
  const kids = parent.childNodes;
  parent.insertBefore(node, kids.length === 0 ? null : (kids[c % (kids.length + 1)] ?? null));
}

/** What detection says about a page, compared across irrelevant changes. */
function summary(p: PageInfo): unknown {
  switch (p.kind) {
    case 'setup':
      // (Not the manual key's text: noise text inside #kc-totp-secret-key is displayed text.)
      return { kind: p.kind, theme: p.theme, form: p.form.id, code: p.codeInput.id, secret: p.hiddenSecret, label: p.labelInput?.id ?? null, manual: p.manual !== null };
    case 'otp':
      return { kind: p.kind, theme: p.theme, input: p.input.id, devices: p.devices.map((d) => d.id) };
    case 'login':
      return { kind: p.kind, username: p.username?.id ?? null, password: p.password?.id ?? null };
    case 'none':
      return p;
  }
}

describe("Keycloak's pages with random edits", { timeout: 60_000 }, () => {
  it('noise without Keycloak ids, classes or names changes nothing, whatever its size (300 cases)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.tuple(placeArb, noiseArb), { minLength: 1, maxLength: 4 }), (i, edits) => {
        const f = fixtures[i % fixtures.length]!;
        load(f);
        for (const [place, nodes] of edits) for (const spec of nodes) insertAt(place, build(spec));
        expect(summary(detectAll(null))).toEqual(summary(f.page));
      }),
      runs(300),
    );
  });

  it('a second element with a key id anywhere (hidden input, SVG, outside the form) makes the page ambiguous (300 cases)', () => {
    const decoy = fc.record({
      tag: fc.constantFrom('input', 'span', 'form', 'img', 'div'),
      svg: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      attrs: fc.array(fc.constantFrom<[string, string]>(['type', 'hidden'], ['hidden', ''], ['style', 'display:none'], ['name', 'otp'], ['name', 'totpSecret'], ['value', 'evil']), { maxLength: 3 }),
      children: fc.constant([] as Spec[]),
    });
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...KEY_IDS), decoy, placeArb, (i, id, spec, place) => {
        const f = fixtures[i % fixtures.length]!;
        load(f);
        const present = countId(id);
        // Duplicate the id: one decoy if the page has it, two if it does not.
        for (let k = present === 0 ? 2 : 1; k > 0; k--) {
          const el = build(spec) as Element;
          el.setAttribute('id', id);
          insertAt(place, el);
        }
        expect(countId(id)).toBeGreaterThan(1);
        expect(detectAll(null)).toEqual({ kind: 'none', reason: 'ambiguous' });
      }),
      runs(300),
    );
  });

  it('structural edits (nested and extra forms, fields moved out, form= owners, types changed, pieces removed) keep the rules (400 cases)', () => {
    type Op =
      | { op: 'wrap'; n: number; tag: string }
      | { op: 'move'; n: number; place: [number, number] }
      | { op: 'remove'; n: number }
      | { op: 'attr'; n: number; name: string; value: string }
      | { op: 'insert'; place: [number, number]; nodes: Spec[] };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('wrap' as const), n: fc.nat(), tag: fc.constantFrom('form', 'div', 'template', 'fieldset') }),
      fc.record({ op: fc.constant('move' as const), n: fc.nat(), place: placeArb }),
      fc.record({ op: fc.constant('remove' as const), n: fc.nat() }),
      fc.record({ op: fc.constant('attr' as const), n: fc.nat(), name: fc.constantFrom('form', 'type', 'id', 'name', 'disabled', 'value', 'class', 'onclick'), value: fc.oneof(fc.constantFrom(...KEYCLOAK_IDS, 'hidden', 'radio', 'elsewhere', ''), maybeHuge(hostileString(10), 5000)) }),
      fc.record({ op: fc.constant('insert' as const), place: placeArb, nodes: specArb }),
    );
    fc.assert(
      fc.property(fc.nat(), fc.array(opArb, { minLength: 1, maxLength: 4 }), fc.option(fc.nat(), { nil: null }), (i, ops, focus) => {
        load(fixtures[i % fixtures.length]!);
        for (const o of ops) {
          const all = doc.body.querySelectorAll('*');
          const el = all.length ? all[('n' in o ? o.n : 0) % all.length]! : null;
          if (o.op === 'insert') for (const spec of o.nodes) insertAt(o.place, build(spec));
          else if (!el) continue;
          else if (o.op === 'wrap') {
            const wrapper = doc.createElement(o.tag);
            el.replaceWith(wrapper);
            wrapper.appendChild(el);
          } else if (o.op === 'move') {
            if (!el.contains(doc.body.querySelectorAll('*')[o.place[0] % all.length] ?? null)) insertAt(o.place, el);
          } else if (o.op === 'remove') el.remove();
          else el.setAttribute(o.name, o.value);
        }
        detectAll(focus);
      }),
      runs(400),
    );
  });
});
