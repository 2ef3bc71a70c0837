// Tests of lib/keycloak/page-detection.ts against the fixture pages in tests/fixtures/pages/ (generated from
// the simulator's classic and keycloak.v2 renderers by tests/fixtures/make-fixtures.mjs, plus
// hand-written adversarial pages). Pages are parsed with happy-dom explicitly and the Document is
// passed in: the vitest environment stays plain Node, so a stray browser global in lib/ fails.
// One file per module under test.

import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { Window } from 'happy-dom';
import {
  detectPage, detectPageKind, realmFromPath, realmFromUrl, selectDevice,
  type LoginPage, type OtpPage, type PageInfo, type SetupPage,
} from '../../../lib/keycloak/page-detection';
import { crossCheck, type ManualInfo } from '../../../lib/keycloak/setup-check';
import { FIXED_DEVICES, MESSAGES } from '../../simulator/server.mjs';
import { decodeQrDataUrl } from '../../simulator/qrdecode.mjs';

// ---------------------------------------------------------------------------------------------
// Helpers

const PAGES = new URL('../../fixtures/pages/', import.meta.url);
const SETUP_URL = 'https://community.thingpark.io/auth/realms/tpw-users-actility-tpe-ope/login-actions/required-action?execution=CONFIGURE_TOTP&client_id=tpe&tab_id=q3mKx0aZr7U';
const AUTH_URL = 'https://community.thingpark.io/auth/realms/tpw-users-actility-tpe-ope/login-actions/authenticate?client_id=tpe&tab_id=q3mKx0aZr7U';

/** The raw totpSecret values make-fixtures.mjs renders (its SECRETS). */
const SECRET = { classic: 'Aq3kP9vLm2Rt7Wc1Bn5d', v2: 'Zr8TqW2mXn4Lp6Ks1Vb9' } as const;
/** Their base32 in Keycloak's groups of 4 (the classic one is the reference's own example). */
const KEY = { classic: 'IFYT G22Q HF3E Y3JS KJ2D OV3D GFBG 4NLE', v2: 'LJZD QVDR K4ZG 2WDO GRGH ANSL OMYV MYRZ' } as const;

const windows: Window[] = [];
afterAll(async () => {
  await Promise.all(windows.map((w) => w.happyDOM.close()));
});

function parse(html: string, opts: { url?: string; js?: boolean } = {}): { window: Window; doc: Document } {
  const window = new Window({
    url: opts.url ?? AUTH_URL,
    settings: opts.js
      ? { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true }
      : {},
  });
  windows.push(window);
  window.document.write(html);
  return { window, doc: window.document as unknown as Document };
}

function fixture(name: string): string {
  return readFileSync(new URL(name, PAGES), 'utf8');
}

function load(name: string, opts: { url?: string; js?: boolean } = {}) {
  return parse(fixture(name), opts);
}

function detect(name: string): PageInfo {
  return detectPage(load(name).doc);
}

function asSetup(p: PageInfo): SetupPage {
  expect(p.kind).toBe('setup');
  return p as SetupPage;
}
function asOtp(p: PageInfo): OtpPage {
  expect(p.kind).toBe('otp');
  return p as OtpPage;
}

// ---------------------------------------------------------------------------------------------
// Fixtures present

describe('fixtures', () => {
  it('make-fixtures.mjs has generated every page the tests read', () => {
    const files = readdirSync(PAGES);
    for (const theme of ['classic', 'v2']) {
      for (const page of ['login', 'setup-qr', 'setup-manual', 'setup-code-error', 'setup-label-required', 'setup-app-initiated', 'setup-label-error',
        'setup-expired', 'otp-single', 'otp-multi', 'otp-error']) {
        expect(files).toContain(`${theme}-${page}.html`);
      }
    }
    expect(files).toEqual(expect.arrayContaining([
      'dashboard.html', 'classic-setup-manual-hotp.html', 'v2-setup-manual-sha256.html',
      'adversarial-duplicate-totp.html', 'adversarial-setup-no-secret.html', 'adversarial-ids-outside-forms.html',
      'adversarial-two-forms.html',
    ]));
  });
});

// ---------------------------------------------------------------------------------------------
// Setup page

interface SetupCase {
  file: string;
  theme: 'classic' | 'v2';
  qr: boolean;
  manual: ManualInfo | null;
  labelRequired: boolean;
  errors: { code: string | null; label: string | null };
}

const manual = (theme: 'classic' | 'v2', o: Partial<ManualInfo> = {}): ManualInfo => ({
  key: KEY[theme], type: 'Type: Time-based', algorithm: 'Algorithm: SHA1', digits: 'Digits: 6',
  period: 'Interval: 30', counter: null, ...o,
});
const noErrors = { code: null, label: null };

const SETUP_CASES: SetupCase[] = (['classic', 'v2'] as const).flatMap((theme): SetupCase[] => [
  { file: `${theme}-setup-qr.html`, theme, qr: true, manual: null, labelRequired: false, errors: noErrors },
  { file: `${theme}-setup-manual.html`, theme, qr: false, manual: manual(theme), labelRequired: false, errors: noErrors },
  { file: `${theme}-setup-code-error.html`, theme, qr: true, manual: null, labelRequired: false, errors: { code: MESSAGES.INVALID_TOTP, label: null } },
  { file: `${theme}-setup-label-required.html`, theme, qr: true, manual: null, labelRequired: true, errors: noErrors },
  // With Keycloak's Cancel, a second submit button: the submit found is still saveTOTPBtn.
  { file: `${theme}-setup-app-initiated.html`, theme, qr: true, manual: null, labelRequired: true, errors: noErrors },
  {
    file: `${theme}-setup-label-error.html`, theme, qr: false, manual: manual(theme), labelRequired: true,
    errors: { code: null, label: MESSAGES.MISSING_TOTP_DEVICE_NAME },
  },
  { file: `${theme}-setup-expired.html`, theme, qr: true, manual: null, labelRequired: false, errors: { code: MESSAGES.EXPIRED_ACTION, label: null } },
]).concat([
  {
    file: 'classic-setup-manual-hotp.html', theme: 'classic', qr: false, labelRequired: false, errors: noErrors,
    manual: manual('classic', { type: 'Type: Counter-based', period: null, counter: 'Counter: 0' }),
  },
  {
    file: 'v2-setup-manual-sha256.html', theme: 'v2', qr: false, labelRequired: false, errors: noErrors,
    manual: manual('v2', { algorithm: 'Algorithm: SHA256', digits: 'Digits: 8', period: 'Interval: 60' }),
  },
]);

describe('detectPage: TOTP setup page', () => {
  it.each(SETUP_CASES)('$file', (c) => {
    const { doc } = load(c.file, { url: SETUP_URL });
    const page = asSetup(detectPage(doc));
    const form = doc.getElementById('kc-totp-settings-form');
    expect(page.theme).toBe(c.theme);
    expect(page.form).toBe(form);
    expect(page.codeInput).toBe(doc.getElementById('totp'));
    expect(page.codeInput.name).toBe('totp');
    expect(page.labelInput).toBe(doc.getElementById('userLabel'));
    expect(page.submit?.id).toBe('saveTOTPBtn');
    // The hidden field, read through the form the server will receive it from.
    const posted = (page.form.elements.namedItem('totpSecret') as HTMLInputElement).value;
    expect(page.hiddenSecret).toBe(posted);
    expect(page.hiddenSecret).toBe(SECRET[c.theme]);
    if (c.qr) {
      expect(page.qrImage).toBe(doc.getElementById('kc-totp-secret-qr-code'));
      expect(page.qrImage?.getAttribute('src')).toMatch(/^data:image\/png;base64, /);
    } else {
      expect(page.qrImage).toBeNull();
    }
    expect(page.manual).toEqual(c.manual);
    expect(page.labelRequired).toBe(c.labelRequired);
    expect(page.errors).toEqual(c.errors);
  });

  it('the setup page always shows a warning alert, which is not an error', () => {
    for (const theme of ['classic', 'v2']) {
      const { doc } = load(`${theme}-setup-qr.html`);
      expect(doc.querySelector('.pf-m-warning')).not.toBeNull();
      expect(asSetup(detectPage(doc)).errors.code).toBeNull();
    }
  });

  it('what it reads is what lib/keycloak/setup-check.ts cross-checks (QR mode and manual mode)', () => {
    for (const theme of ['classic', 'v2'] as const) {
      const qrPage = asSetup(detect(`${theme}-setup-qr.html`));
      const qrText = decodeQrDataUrl(qrPage.qrImage?.getAttribute('src') ?? '').text;
      expect(qrText).toMatch(/^otpauth:\/\/totp\//);
      const fromQr = crossCheck({
        qrText, qrUnreadable: false, hiddenSecret: qrPage.hiddenSecret, manual: qrPage.manual,
        fallbackAccountName: null, fallbackIssuer: 'tpw-users-actility-tpe-ope',
      });
      expect(fromQr.ok).toBe(true);

      const manualPage = asSetup(detect(`${theme}-setup-manual.html`));
      const fromManual = crossCheck({
        qrText: null, qrUnreadable: false, hiddenSecret: manualPage.hiddenSecret, manual: manualPage.manual,
        fallbackAccountName: 'someone@example.com', fallbackIssuer: 'tpw-users-actility-tpe-ope',
      });
      expect(fromManual.ok).toBe(true);
      if (fromQr.ok && fromManual.ok) expect(fromManual.value.secret).toBe(fromQr.value.secret);
    }
  });

  it('labelRequired honours the required attribute and aria-required', () => {
    for (const attr of ['required', 'aria-required="true"']) {
      const html = fixture('classic-setup-qr.html').replace('id="userLabel"', `id="userLabel" ${attr}`);
      expect(asSetup(detectPage(parse(html).doc)).labelRequired).toBe(true);
    }
  });

  it('a setup page without a device-name field still works (old Keycloak)', () => {
    const html = fixture('classic-setup-qr.html').replace(/<input type="text" class="pf-c-form-control" id="userLabel"[^>]*>/, '');
    const page = asSetup(detectPage(parse(html).doc));
    expect(page.labelInput).toBeNull();
    expect(page.labelRequired).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// OTP page

const CLASSIC_MULTI = [FIXED_DEVICES.multiPixel7, FIXED_DEVICES.multiWorkPhone];
const V2_MULTI = [FIXED_DEVICES.multiV2Pixel7, FIXED_DEVICES.multiV2WorkPhone];

interface OtpCase {
  file: string;
  theme: 'classic' | 'v2';
  user: string;
  devices: { id: string; label: string; selected: boolean }[];
  error: string | null;
}

const OTP_CASES: OtpCase[] = [
  { file: 'classic-otp-single.html', theme: 'classic', user: 'pat@example.com', devices: [], error: null },
  { file: 'v2-otp-single.html', theme: 'v2', user: 'pat@example.com', devices: [], error: null },
  {
    file: 'classic-otp-multi.html', theme: 'classic', user: 'multi@example.com', error: null, devices: [
      { id: CLASSIC_MULTI[0]!.id, label: 'Pixel 7', selected: true },
      { id: CLASSIC_MULTI[1]!.id, label: 'Work phone', selected: false },
    ],
  },
  {
    // The second v2 device has no name: Keycloak shows "unnamed".
    file: 'v2-otp-multi.html', theme: 'v2', user: 'multi-v2@example.com', error: null, devices: [
      { id: V2_MULTI[0]!.id, label: 'Pixel 7', selected: true },
      { id: V2_MULTI[1]!.id, label: 'unnamed', selected: false },
    ],
  },
  {
    file: 'classic-otp-error.html', theme: 'classic', user: 'multi@example.com', error: MESSAGES.INVALID_TOTP, devices: [
      { id: CLASSIC_MULTI[0]!.id, label: 'Pixel 7', selected: false },
      { id: CLASSIC_MULTI[1]!.id, label: 'Work phone', selected: true },
    ],
  },
  {
    file: 'v2-otp-error.html', theme: 'v2', user: 'multi-v2@example.com', error: MESSAGES.INVALID_TOTP, devices: [
      { id: V2_MULTI[0]!.id, label: 'Pixel 7', selected: false },
      { id: V2_MULTI[1]!.id, label: 'unnamed', selected: true },
    ],
  },
];

describe('detectPage: OTP login page', () => {
  it.each(OTP_CASES)('$file', (c) => {
    const { doc } = load(c.file);
    const page = asOtp(detectPage(doc));
    expect(page.theme).toBe(c.theme);
    expect(page.form).toBe(doc.getElementById('kc-otp-login-form'));
    expect(page.input).toBe(doc.getElementById('otp'));
    expect(page.submit).toBe(doc.getElementById('kc-login'));
    // classic: <input type=submit>; v2: <button>.
    expect(page.submit?.localName).toBe(c.theme === 'v2' ? 'button' : 'input');
    expect(page.attemptedUsername).toBe(c.user);
    expect(page.error).toBe(c.error);
    expect(page.devices.map(({ id, label, selected }) => ({ id, label, selected }))).toEqual(c.devices);
    page.devices.forEach((d, i) => {
      expect(d.element.id).toBe(`kc-otp-credential-${i}`);
      expect(d.element.localName).toBe(c.theme === 'v2' ? 'div' : 'input');
    });
  });

  it('a v2 tile whose onclick index does not match its id is not a device', () => {
    const html = fixture('v2-otp-multi.html').replace(/onclick="toggleOTP\(1,/, 'onclick="toggleOTP(0,');
    expect(asOtp(detectPage(parse(html).doc)).devices.map((d) => d.label)).toEqual(['Pixel 7']);
  });

  it('a v2 tile with a handler that is not toggleOTP is not a device', () => {
    const html = fixture('v2-otp-multi.html').replace(/onclick="toggleOTP\(0, '[^']*'\)"/, `onclick="steal('x')"`);
    expect(asOtp(detectPage(parse(html).doc)).devices.map((d) => d.label)).toEqual(['unnamed']);
  });
});

// ---------------------------------------------------------------------------------------------
// Login and other pages

describe('detectPage: other pages', () => {
  it.each(['classic-login.html', 'v2-login.html'])('%s is the login page', (file) => {
    const { doc } = load(file);
    const page = detectPage(doc) as LoginPage;
    expect(page.kind).toBe('login');
    expect(page.form).toBe(doc.getElementById('kc-form-login'));
    expect(page.username).toBe(doc.getElementById('username'));
    expect(page.password).toBe(doc.getElementById('password'));
  });

  it('a username-only login form (login-username.ftl) is a login page', () => {
    const html = fixture('classic-login.html').replace(/<input tabindex="2" id="password"[^>]*>/, '');
    const page = detectPage(parse(html).doc) as LoginPage;
    expect(page.kind).toBe('login');
    expect(page.password).toBeNull();
  });

  it('the ThingPark dashboard is none, found without scanning the document', () => {
    const { doc } = load('dashboard.html');
    let scans = 0;
    const qsa = doc.querySelectorAll.bind(doc);
    (doc as { querySelectorAll: unknown }).querySelectorAll = (s: string) => {
      scans++;
      return qsa(s);
    };
    expect(detectPage(doc)).toEqual({ kind: 'none' });
    expect(scans).toBe(0);
  });

  it('theme: pf-v5 classes on <html> or <body> mean v2', () => {
    for (const [from, to] of [['<html class="login-pf"', '<html class="pf-v5-theme-dark"'], ['<body class="">', '<body class="pf-v5-c-page">']]) {
      const html = fixture('classic-otp-single.html').replace(from!, to!);
      expect(asOtp(detectPage(parse(html).doc)).theme).toBe('v2');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Adversarial pages

describe('detectPage: adversarial pages', () => {
  it.each([
    ['adversarial-duplicate-totp.html', { kind: 'none', reason: 'ambiguous' }],
    ['adversarial-two-forms.html', { kind: 'none', reason: 'ambiguous' }],
    ['adversarial-setup-no-secret.html', { kind: 'none' }],
    ['adversarial-ids-outside-forms.html', { kind: 'none' }],
  ])('%s', (file, expected) => {
    expect(detect(file)).toEqual(expected);
  });

  // Each key id duplicated once, on an otherwise valid page of the kind that uses it.
  it.each([
    ['classic-setup-qr.html', 'totp'],
    ['classic-setup-qr.html', 'totpSecret'],
    ['classic-setup-qr.html', 'kc-totp-secret-qr-code'],
    ['classic-setup-qr.html', 'userLabel'],
    ['classic-setup-qr.html', 'kc-totp-settings-form'],
    ['v2-setup-manual.html', 'kc-totp-secret-key'],
    ['classic-otp-single.html', 'otp'],
    ['classic-otp-single.html', 'kc-otp-login-form'],
    ['v2-otp-multi.html', 'selectedCredentialId'],
    ['classic-login.html', 'kc-form-login'],
  ])('%s with a second #%s is ambiguous', (file, id) => {
    const html = fixture(file).replace('<body', `<body><span hidden><i id="${id}"></i></span`);
    const { doc } = parse(html);
    expect(doc.querySelectorAll(`[id="${id}"]`).length).toBe(2);
    expect(detectPage(doc)).toEqual({ kind: 'none', reason: 'ambiguous' });
  });

  it('key ids on the wrong elements are refused', () => {
    const cases = [
      // The form id on a div.
      fixture('classic-setup-qr.html').replace('<form action=', '<div data-x action=').replace('</form>', '</div>'),
      // The code field is not an input.
      fixture('classic-otp-single.html').replace(/<input id="otp"[^>]*>/, '<textarea id="otp" name="otp"></textarea>'),
      // The secret is not an input.
      fixture('classic-setup-qr.html').replace(/<input type="hidden" id="totpSecret"[^>]*>/, '<span id="totpSecret">x</span>'),
      // Inside the form, but its `form` attribute hands its value to another form.
      fixture('classic-otp-single.html')
        .replace('<input id="otp"', '<input form="elsewhere" id="otp"')
        .replace('<body class="">', '<body class=""><form id="elsewhere" action="https://evil.example/"></form>'),
    ];
    for (const html of cases) expect(detectPage(parse(html).doc)).toEqual({ kind: 'none' });
  });

  it('SVG elements with key ids are not HTML fields or buttons', () => {
    const noInput = fixture('classic-otp-single.html').replace(/<input id="otp"[^>]*>/, '<svg><input id="otp" name="otp"/></svg>');
    expect(detectPage(parse(noInput).doc)).toEqual({ kind: 'none' });
    const noButton = fixture('classic-otp-single.html').replace(/<input\s+class="pf-c-button[^>]*id="kc-login"[^>]*>/, '<svg><g id="kc-login"></g></svg>');
    const page = asOtp(detectPage(parse(noButton).doc));
    expect(page.form.querySelector('#kc-login')?.namespaceURI).toBe('http://www.w3.org/2000/svg');
    expect(page.submit).toBeNull();
  });

  it('a radio outside the OTP form is not a device', () => {
    const html = fixture('classic-otp-multi.html').replace('<body class="">',
      '<body class=""><input type="radio" name="selectedCredentialId" value="evil" form="kc-otp-login-form">');
    const page = asOtp(detectPage(parse(html).doc));
    expect(page.devices.map((d) => d.id)).not.toContain('evil');
    expect(page.devices).toHaveLength(2);
  });

  it('a radio inside the OTP form that belongs to another form is not a device', () => {
    const html = fixture('classic-otp-multi.html')
      .replace('<input id="kc-otp-credential-1"', '<input form="elsewhere" id="kc-otp-credential-1"')
      .replace('<body class="">', '<body class=""><form id="elsewhere"></form>');
    expect(asOtp(detectPage(parse(html).doc)).devices.map((d) => d.label)).toEqual(['Pixel 7']);
  });

  // Parses dozens of pages with happy-dom: seconds on a loaded 2-core machine, beyond the 5 s default.
  it('never throws on generated garbage (100 cases)', { timeout: 60_000 }, () => {
    const pieces = [
      '<form id="kc-totp-settings-form">', '<form id="kc-otp-login-form">', '<form id="kc-form-login">', '</form>',
      '<input id="totp">', '<input id="totpSecret" value="x">', '<input id="otp" name="otp">', '<input id="userLabel" required>',
      '<img id="kc-totp-secret-qr-code" src="data:,">', '<span id="kc-totp-secret-key">AAAA</span>',
      '<li id="kc-totp-period">Interval: 30</li>', '<input type="radio" name="selectedCredentialId" value="a" id="kc-otp-credential-0">',
      '<label for="kc-otp-credential-0"><span class="pf-c-tile__title">x</span></label>',
      `<div id="kc-otp-credential-1" onclick="toggleOTP(1, 'b')">`, '<input id="selectedCredentialId" type="hidden" value="b">',
      '<span id="input-error-otp-code">err</span>', '<div class="alert-error"><span class="pf-c-alert__title">bad</span></div>',
      '<div class="pf-v5-c-form">', '</div>', '<svg><form id="kc-otp-login-form"><input id="otp"/></form></svg>',
      '<table><form id="kc-totp-settings-form"><tr><td><input id="totp"><input id="totpSecret">', '<!--', '-->',
      '<template><input id="otp"></template>', '<label id="kc-attempted-username">u</label>', '<input id="username">',
      '<script>', '</script>', '<', '>', '"', "'", '\u0000', '&', '&#0;', '<p', ' id=', '=', 'x', '\n',
    ];
    const sources = readdirSync(PAGES).filter((f) => f.endsWith('.html')).sort().map(fixture);
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; // xorshift32: reproducible cases
      return (seed >>> 0) % n;
    };
    const garbage = () => (rand(4) === 0 ? String.fromCharCode(rand(0x3000)) : pieces[rand(pieces.length)]!);
    const kinds = new Set<string>();
    for (let i = 0; i < 100; i++) {
      let html = '';
      if (i % 2 === 0) {
        // Pure garbage.
        for (let j = 1 + rand(40); j > 0; j--) html += garbage();
      } else {
        // A real page, cut, spliced and sprinkled with garbage.
        html = sources[rand(sources.length)]!;
        for (let j = rand(4); j > 0; j--) {
          const a = rand(html.length);
          const b = Math.min(html.length, a + rand(400));
          html = rand(2) === 0 ? html.slice(0, a) + html.slice(b) : html.slice(0, a) + garbage() + html.slice(a);
        }
      }
      const { doc } = parse(html);
      const page = detectPage(doc); // a throw fails the test
      kinds.add(page.kind);
      expect(['setup', 'otp', 'login', 'none']).toContain(page.kind);
      if (page.kind === 'setup') expect(page.form.contains(page.codeInput)).toBe(true);
      if (page.kind === 'otp') {
        const otp: OtpPage = page;
        expect(otp.form.contains(otp.input)).toBe(true);
        for (const d of otp.devices) expect(() => selectDevice(otp, d.id)).not.toThrow();
        expect(selectDevice(otp, 'nope')).toBe(false);
      }
    }
    // The mutated real pages still reach every branch.
    expect([...kinds].sort()).toEqual(['login', 'none', 'otp', 'setup']);
  });

  it('never throws on a document without a body or element', () => {
    const { window } = parse('');
    const doc = window.document as unknown as Document;
    doc.documentElement?.remove();
    expect(detectPage(doc)).toEqual({ kind: 'none' });
  });
});

// ---------------------------------------------------------------------------------------------
// selectDevice

describe('selectDevice', () => {
  it('classic: checks the radio and fires bubbling input and change events', () => {
    const { doc } = load('classic-otp-multi.html');
    const page = asOtp(detectPage(doc));
    const events: string[] = [];
    for (const type of ['input', 'change']) page.form.addEventListener(type, (e) => events.push(`${e.type}:${(e.target as HTMLElement).id}`));
    const work = CLASSIC_MULTI[1]!.id;
    expect(selectDevice(page, work)).toBe(true);
    expect(events).toEqual(['input:kc-otp-credential-1', 'change:kc-otp-credential-1']);
    const again = asOtp(detectPage(doc));
    expect(again.devices.map((d) => d.selected)).toEqual([false, true]);
    // The form posts the chosen device.
    expect(doc.querySelector<HTMLInputElement>('input[name="selectedCredentialId"]:checked')?.value).toBe(work);
    // Already selected: true, no new events.
    expect(selectDevice(again, work)).toBe(true);
    expect(events).toHaveLength(2);
    expect(selectDevice(again, 'not-a-device')).toBe(false);
  });

  it("v2: clicking the tile runs the page's own toggleOTP", () => {
    const { window, doc } = load('v2-otp-multi.html', { js: true });
    // happy-dom 21 runs inline <script>s wrapped in a function, so the template's top-level
    // `function toggleOTP` never becomes a global the inline onclick can see (browsers make it
    // one). Re-run the page's own script at global scope to get browser behaviour.
    const w = window as unknown as { eval: (code: string) => unknown; toggleOTP: (i: number, v: string) => void };
    for (const s of doc.querySelectorAll('script')) (0, w.eval)(s.textContent ?? '');
    const calls: unknown[][] = [];
    const original = w.toggleOTP;
    w.toggleOTP = (...args) => {
      calls.push(args);
      original(...args);
    };

    const page = asOtp(detectPage(doc));
    const work = V2_MULTI[1]!.id;
    expect(selectDevice(page, work)).toBe(true);
    expect(calls).toEqual([[1, work]]);
    expect(doc.querySelector<HTMLInputElement>('#selectedCredentialId')?.value).toBe(work);
    expect(doc.getElementById('kc-otp-credential-1')?.classList.contains('pf-m-selected')).toBe(true);
    expect(asOtp(detectPage(doc)).devices.map((d) => d.selected)).toEqual([false, true]);

    expect(selectDevice(page, V2_MULTI[0]!.id)).toBe(true);
    expect(calls).toHaveLength(2);
    expect(doc.getElementById('kc-otp-credential-1')?.classList.contains('pf-m-selected')).toBe(false);
    expect(doc.getElementById('kc-otp-credential-0')?.classList.contains('pf-m-selected')).toBe(true);
  });

  it("v2: when the page's script does not run, sets the hidden field itself", () => {
    const { doc } = load('v2-otp-multi.html'); // JavaScript disabled: the onclick is inert
    const page = asOtp(detectPage(doc));
    const work = V2_MULTI[1]!.id;
    expect(selectDevice(page, work)).toBe(true);
    expect(doc.querySelector<HTMLInputElement>('#selectedCredentialId')?.value).toBe(work);
    expect(doc.getElementById('kc-otp-credential-1')?.classList.contains('pf-m-selected')).toBe(true);
    expect(asOtp(detectPage(doc)).devices.map((d) => d.selected)).toEqual([false, true]);
  });

  it('refuses unknown devices and single-device pages', () => {
    for (const file of ['classic-otp-single.html', 'v2-otp-single.html']) {
      const page = asOtp(detect(file));
      expect(selectDevice(page, FIXED_DEVICES.patPixel7.id)).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// realmFromUrl

describe('realmFromUrl', () => {
  it.each([
    ['/auth/realms/tpw-users-actility-tpe-ope/protocol/openid-connect/auth?x', 'tpw-users-actility-tpe-ope'],
    ['https://community.thingpark.io/auth/realms/tpw-users-actility-tpe-ope/protocol/openid-connect/auth?client_id=tpe&redirect_uri=x', 'tpw-users-actility-tpe-ope'],
    ['/realms/x/login-actions/authenticate', 'x'],
    ['https://thingparkenterprise.eu.actility.com/realms/tpw-users-acme-ope/login-actions/required-action?execution=CONFIGURE_TOTP', 'tpw-users-acme-ope'],
    ['http://127.0.0.1:8080/realms/x', 'x'],
    ['/realms/my%20realm/account', 'my realm'],
    ['/realms/r%C3%A9alm%40home/x', 'réalm@home'],
    ['/auth/realms/a#/realms/b', 'a'],
    [`/realms/${'a'.repeat(255)}/x`, 'a'.repeat(255)],
  ])('%s → %s', (url, realm) => {
    expect(realmFromUrl(url)).toBe(realm);
  });

  it.each([
    '/tpe/',
    'https://community.thingpark.io/tpe/dashboard',
    '/auth/realms//x',
    '/auth/realms/',
    '/realms/',
    '/realms',
    '/auth/realms',
    'javascript:/auth/realms/x/',
    'javascript:alert(1)//realms/x/',
    'data:text/html,/realms/x/',
    'file:///realms/x/',
    '/realms/a%2Fb/x',
    '/realms/a%5Cb/x',
    '/realms/%2e%2e/x',
    '/realms/%00/x',
    '/realms/%E0%A4%A/x',
    `/realms/${'a'.repeat(256)}/x`,
    '/foo/realms/x/',
    'realms/x/',
    '',
    '%%%',
    'garbage ::: not a url',
    'https://',
  ])('%s → null', (url) => {
    expect(realmFromUrl(url)).toBeNull();
  });

  it('realmFromPath answers as realmFromUrl for the path of an http(s) URL', () => {
    const paths = ['/auth/realms/tpw-users-actility-tpe-ope/protocol/openid-connect/auth', '/realms/x/login-actions/authenticate',
      '/realms/my%20realm/account', '/realms/r%C3%A9alm%40home/x', '/tpe/', '/auth/realms//x', '/realms/', '/realms/a%2Fb/x',
      '/realms/%2e%2e/x', '/realms/%00/x', '/realms/%E0%A4%A/x', `/realms/${'a'.repeat(255)}/x`, `/realms/${'a'.repeat(256)}/x`,
      '/foo/realms/x/', ''];
    for (const path of paths) {
      expect(realmFromPath(path), path).toBe(realmFromUrl(`https://community.thingpark.io${path}`));
    }
    expect(realmFromPath('/realms/my%20realm/account')).toBe('my realm');
    expect(realmFromPath('/foo/realms/x/')).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// detectPageKind: the always-loaded content script's detection

describe('detectPageKind', () => {
  it('gives detectPage\'s kind on every fixture; a setup page is only its form, other pages are the same', () => {
    const files = readdirSync(PAGES).filter((f) => f.endsWith('.html'));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const { doc } = load(file);
      const full = detectPage(doc);
      const light = detectPageKind(doc);
      expect(light.kind, file).toBe(full.kind);
      if (full.kind === 'setup') {
        expect(light).toEqual({ kind: 'setup', form: full.form });
        expect((light as { form: HTMLFormElement }).form).toBe(full.form);
      } else expect(light, file).toEqual(full);
    }
  });

  it('refuses what detectPage refuses on a setup page (duplicates, fields outside the form, no secret)', () => {
    const variants = [
      fixture('classic-setup-qr.html').replace('<form action=', '<div data-x action=').replace('</form>', '</div>'),
      fixture('classic-setup-qr.html').replace(/<input type="hidden" id="totpSecret"[^>]*>/, '<span id="totpSecret">x</span>'),
      fixture('classic-setup-qr.html').replace('</form>', '</form><input id="totp">'),
    ];
    for (const html of variants) {
      const { doc } = parse(html);
      expect(detectPage(doc)).toMatchObject({ kind: 'none' });
      expect(detectPageKind(doc)).toEqual(detectPage(doc));
    }
  });
});
