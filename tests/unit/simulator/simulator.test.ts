// Tests of the ThingPark/Keycloak login simulator (tests/simulator/*.mjs): its pure Keycloak
// rules, its pages and the whole HTTP flow, driven with fetch and a hand-made cookie jar.
// One file for the simulator's three layers (rules, pages, HTTP flow), which share the HTML
// readers, code helpers and login steps below; the generic pages are in custom-pages.test.ts.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as OTPAuth from 'otpauth';
import { request as httpsRequest } from 'node:https';
import { X509Certificate } from 'node:crypto';
import {
  createSimulator, DEFAULT_REALM, DEMO_PASSWORD, EXECUTIONS, FIXED_DEVICES, MESSAGES,
} from '../../simulator/server.mjs';
import * as kc from '../../simulator/keycloak.mjs';
import * as pages from '../../simulator/pages.mjs';
import { decodeQrDataUrl } from '../../simulator/qrdecode.mjs';

type Sim = Awaited<ReturnType<typeof createSimulator>>;
type Algo = 'SHA1' | 'SHA256' | 'SHA512';

// ---------------------------------------------------------------------------------------------
// Helpers

interface Res {
  status: number;
  location: string | null;
  headers: Headers;
  text: string;
  url: string;
}

/** fetch with a cookie jar (paths ignored) and manual redirects. */
class Browser {
  jar = new Map<string, string>();

  async fetch(url: string, form?: Record<string, string>): Promise<Res> {
    const headers: Record<string, string> = {};
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (form) {
      body = new URLSearchParams(form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(url, { method: form ? 'POST' : 'GET', headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [nv = '', ...attrs] = c.split(';');
      const i = nv.indexOf('=');
      const name = nv.slice(0, i).trim();
      const value = nv.slice(i + 1).trim();
      if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), headers: res.headers, text: await res.text(), url };
  }

  async follow(url: string, form?: Record<string, string>): Promise<Res> {
    let r = await this.fetch(url, form);
    for (let n = 0; r.status >= 300 && r.status < 400 && r.location && n < 10; n++) {
      r = await this.fetch(new URL(r.location, r.url).toString());
    }
    return r;
  }
}

const unescapeHtml = (s: string) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The opening tag of the element with this id, or null. */
function tag(html: string, id: string): string | null {
  return html.match(new RegExp(`<[a-zA-Z][a-zA-Z0-9]*\\b[^>]*\\sid="${escapeRe(id)}"[^>]*>`))?.[0] ?? null;
}
function attr(t: string | null, name: string): string | null {
  if (!t) return null;
  const m = t.match(new RegExp(`\\s${escapeRe(name)}="([^"]*)"`));
  return m ? unescapeHtml(m[1] ?? '') : null;
}
function hasBareAttr(t: string | null, name: string): boolean {
  return Boolean(t && new RegExp(`\\s${escapeRe(name)}(?=[\\s>/=])`).test(t));
}
function tagName(t: string | null): string | null {
  return t?.match(/^<([a-zA-Z0-9]+)/)?.[1]?.toLowerCase() ?? null;
}
/** Text right after the opening tag up to the next tag. */
function text(html: string, id: string): string | null {
  const t = tag(html, id);
  if (!t) return null;
  const start = html.indexOf(t) + t.length;
  return unescapeHtml(html.slice(start, html.indexOf('<', start))).trim();
}
function must<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new Error(`missing ${what}`);
  return v;
}
const actionOf = (html: string, formId: string) => must(attr(tag(html, formId), 'action'), `${formId} action`);

function totpCode(secret: OTPAuth.Secret, o: { algorithm?: Algo; digits?: number; period?: number; timestamp: number }) {
  return new OTPAuth.TOTP({ secret, algorithm: o.algorithm ?? 'SHA1', digits: o.digits ?? 6, period: o.period ?? 30 }).generate({ timestamp: o.timestamp });
}
const rawSecret = (raw: string) => OTPAuth.Secret.fromUTF8(raw);
const b32Secret = (b32: string) => OTPAuth.Secret.fromBase32(b32);

/** Puts the server clock in the middle of a time step, so codes computed now stay in that step. */
function centerClock(sim: Sim, period = 30, extraMs = 0) {
  const p = period * 1000;
  const t = Date.now();
  sim.setClockOffset(p / 2 - (t % p) + extraMs);
}

async function passwordStep(b: Browser, sim: Sim, username: string, o: { realm?: string; password?: string; theme?: 'v2'; kcPath?: string } = {}) {
  const login = await b.fetch(sim.loginUrl(o.realm ?? DEFAULT_REALM, { ...(o.theme ? { theme: o.theme } : {}), ...(o.kcPath !== undefined ? { kcPath: o.kcPath } : {}) }));
  expect(login.status).toBe(200);
  return b.fetch(actionOf(login.text, 'kc-form-login'), { username, password: o.password ?? DEMO_PASSWORD, credentialId: '' });
}

/** Password step, then follows the redirect to the setup page. */
async function toSetup(b: Browser, sim: Sim, username: string, realm?: string) {
  const r = await passwordStep(b, sim, username, realm ? { realm } : {});
  expect(r.status).toBe(302);
  expect(r.location).toContain('/login-actions/required-action?execution=CONFIGURE_TOTP');
  const page = await b.fetch(new URL(must(r.location, 'location'), r.url).toString());
  expect(page.status).toBe(200);
  expect(tag(page.text, 'kc-totp-settings-form')).not.toBeNull();
  return page;
}

function setupFields(html: string) {
  return {
    action: actionOf(html, 'kc-totp-settings-form'),
    secret: must(attr(tag(html, 'totpSecret'), 'value'), 'totpSecret'),
    qr: must(attr(tag(html, 'kc-totp-secret-qr-code'), 'src'), 'qr src'),
  };
}

/** Follows the post-login redirects and returns the dashboard. */
async function expectDashboard(b: Browser, r: Res, username: string) {
  expect(r.status).toBe(302);
  expect(r.location).toMatch(/\/tpe\/\?.*code=/);
  const dash = await b.follow(must(r.location, 'location'));
  expect(dash.status).toBe(200);
  expect(dash.text).toContain('<h1>ThingPark Enterprise</h1>');
  expect(dash.text).toContain(username);
  return dash;
}

// ---------------------------------------------------------------------------------------------
// Pure Keycloak rules

describe('keycloak.mjs (pure rules)', () => {
  it('HOTP matches the RFC 4226 vectors', () => {
    const secret = Buffer.from('12345678901234567890');
    const codes = Array.from({ length: 10 }, (_, c) => kc.hotp({ secret, counter: c }));
    expect(codes.join(' ')).toBe('755224 287082 359152 969429 338314 254676 287922 162583 399871 520489');
  });

  it('TOTP matches the RFC 6238 vectors', () => {
    const seeds = { SHA1: 20, SHA256: 32, SHA512: 64 } as const;
    const table: [number, string, string, string][] = [
      [59, '94287082', '46119246', '90693936'],
      [1111111109, '07081804', '68084774', '25091201'],
      [1111111111, '14050471', '67062674', '99943326'],
      [1234567890, '89005924', '91819424', '93441116'],
      [2000000000, '69279037', '90698825', '38618901'],
      [20000000000, '65353130', '77737706', '47863826'],
    ];
    for (const [t, ...expected] of table) {
      (['SHA1', 'SHA256', 'SHA512'] as const).forEach((algorithm, i) => {
        const secret = Buffer.from('1234567890'.repeat(7).slice(0, seeds[algorithm]));
        expect(kc.totp({ secret, nowMs: t * 1000, algorithm, digits: 8, period: 30 })).toBe(expected[i]);
      });
    }
  });

  it('builds the reference otpauth URI and manual key', () => {
    const raw = 'Aq3kP9vLm2Rt7Wc1Bn5d';
    expect(kc.base32Encode(raw)).toBe('IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE');
    expect(kc.base32Decode('IFYT G22Q HF3E Y3JS KJ2D OV3D GFBG 4NLE').toString()).toBe(raw);
    expect(kc.formatSecretForDisplay(raw)).toBe('IFYT G22Q HF3E Y3JS KJ2D OV3D GFBG 4NLE');
    expect(kc.buildKeyUri({ policy: kc.normalizePolicy(), issuer: 'ThingPark Enterprise', account: 'jane.doe@example.com', rawSecret: raw })).toBe(
      'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30',
    );
    expect(kc.buildKeyUri({ policy: kc.normalizePolicy({ type: 'hotp' }), issuer: 'A (b)', account: 'x', rawSecret: raw })).toMatch(
      /^otpauth:\/\/hotp\/A%20%28b%29:x\?secret=.*&issuer=A%20%28b%29&counter=0$/,
    );
    const s = kc.generateSecret();
    expect(s).toMatch(/^[A-Za-z0-9]{20}$/);
  });

  it('accepts steps current-1..current+1 only', () => {
    const secret = Buffer.from('Aq3kP9vLm2Rt7Wc1Bn5d');
    const nowMs = 1_700_000_015_000;
    const step = kc.totpStep(nowMs, 30);
    const at = (d: number) => kc.hotp({ secret, counter: step + d });
    for (const d of [-1, 0, 1]) expect(kc.verifyTotp({ code: at(d), secret, nowMs })).toBe(step + d);
    for (const d of [-2, 2]) expect(kc.verifyTotp({ code: at(d), secret, nowMs })).toBeNull();
    expect(kc.verifyTotp({ code: ` ${at(0)}`, secret, nowMs })).toBeNull();
  });

  it('rejects a reused code for 3 x period, per device', () => {
    const secretRaw = 'Aq3kP9vLm2Rt7Wc1Bn5d';
    const device: kc.OtpDevice = {
      id: 'd1', label: 'x', secret: kc.base32Encode(secretRaw), type: 'totp', algorithm: 'SHA1', digits: 6, period: 30, counter: 0, usedCodes: {},
    };
    const nowMs = 1_700_000_015_000;
    const code = kc.totp({ secret: Buffer.from(secretRaw), nowMs });
    const first = kc.checkDeviceCode(device, code, nowMs);
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    Object.assign(device, first.update);
    // Same step, next step (code still in the window as "previous"): rejected as reused.
    expect(kc.checkDeviceCode(device, code, nowMs + 1000)).toEqual({ ok: false, reason: 'reused' });
    expect(kc.checkDeviceCode(device, code, nowMs + 30_000)).toEqual({ ok: false, reason: 'reused' });
    // Another device with the same secret is not affected.
    expect(kc.checkDeviceCode({ ...device, id: 'd2', usedCodes: {} }, code, nowMs + 1000).ok).toBe(true);
    // After 90 s the entry expires (and the code is out of the window anyway).
    expect(kc.checkDeviceCode(device, code, nowMs + 90_001)).toEqual({ ok: false, reason: 'invalid' });
    const next = kc.totp({ secret: Buffer.from(secretRaw), nowMs: nowMs + 30_000 });
    expect(kc.checkDeviceCode(device, next, nowMs + 30_000).ok).toBe(true);
  });

  it('HOTP look-ahead window of 1', () => {
    const secret = Buffer.from('12345678901234567890');
    const device: kc.OtpDevice = {
      id: 'h', label: '', secret: kc.base32Encode(secret), type: 'hotp', algorithm: 'SHA1', digits: 6, period: 30, counter: 3,
    };
    expect(kc.checkDeviceCode(device, kc.hotp({ secret, counter: 2 }), 0).ok).toBe(false);
    expect(kc.checkDeviceCode(device, kc.hotp({ secret, counter: 5 }), 0).ok).toBe(false);
    const r = kc.checkDeviceCode(device, kc.hotp({ secret, counter: 4 }), 0);
    expect(r).toMatchObject({ ok: true, counter: 4, update: { counter: 5 } });
  });

  it('validateSetup follows UpdateTotp', () => {
    const policy = kc.normalizePolicy();
    const issued = 'Aq3kP9vLm2Rt7Wc1Bn5d';
    const nowMs = 1_700_000_015_000;
    const code = kc.totp({ secret: Buffer.from(issued), nowMs });
    const existing: kc.OtpDevice[] = [{ id: 'p', label: 'Pixel 7', secret: 'AAAA', type: 'totp', algorithm: 'SHA1', digits: 6, period: 30, counter: 0 }];
    const base = { postedSecret: issued, issuedSecret: issued, policy, nowMs, newId: 'n' };
    expect(kc.validateSetup({ ...base, code: '  ', existingDevices: [] })).toEqual({ ok: false, field: 'totp', message: MESSAGES.MISSING_TOTP });
    expect(kc.validateSetup({ ...base, code: '000000', existingDevices: [] }).ok).toBe(code === '000000');
    expect(kc.validateSetup({ ...base, code, postedSecret: 'Bq3kP9vLm2Rt7Wc1Bn5d', existingDevices: [] })).toMatchObject({ ok: false, message: MESSAGES.INVALID_TOTP });
    expect(kc.validateSetup({ ...base, code, userLabel: '', existingDevices: existing })).toEqual({ ok: false, field: 'userLabel', message: MESSAGES.MISSING_TOTP_DEVICE_NAME });
    expect(kc.validateSetup({ ...base, code, userLabel: 'Pixel 7', existingDevices: existing })).toEqual({ ok: false, field: 'userLabel', message: MESSAGES.DUPLICATE_DEVICE_NAME });
    const ok = kc.validateSetup({ ...base, code, userLabel: '', existingDevices: [] });
    expect(ok.ok).toBe(true);
    if (ok.ok) {
      expect(ok.device.secret).toBe(kc.base32Encode(issued));
      // The setup code counts as used for the new device.
      expect(kc.checkDeviceCode(ok.device, code, nowMs + 5000)).toEqual({ ok: false, reason: 'reused' });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Pages and QR images

describe('pages.mjs', () => {
  it('QR PNG is 246x246 and decodes (jsqr + pngjs) back to the same URI', async () => {
    const uri = 'otpauth://totp/ThingPark%20SHA256:sha%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&digits=8&algorithm=SHA256&issuer=ThingPark%20SHA256&period=60';
    const url = await pages.qrDataUrl(uri);
    expect(url.startsWith('data:image/png;base64, ')).toBe(true);
    expect(decodeQrDataUrl(url)).toEqual({ width: 246, height: 246, text: uri });
  });

  it('noise image is a valid 246x246 PNG that is not a QR code', () => {
    const url = pages.noiseQrDataUrl();
    expect(url.startsWith('data:image/png;base64, ')).toBe(true);
    expect(decodeQrDataUrl(url)).toEqual({ width: 246, height: 246, text: null });
  });

  it('pages have no external resources', () => {
    const html = [
      pages.renderLoginPage({ theme: 'classic', realmDisplayName: 'R', actionUrl: '/a' }),
      pages.renderLoginPage({ theme: 'v2', realmDisplayName: 'R', actionUrl: '/a' }),
      pages.renderOtpPage({ theme: 'v2', realmDisplayName: 'R', actionUrl: '/a', attemptedUsername: 'u', restartUrl: '/r', credentials: [{ id: '1', label: '' }, { id: '2', label: 'B' }] }),
    ].join('\n');
    expect(html).not.toMatch(/<link\b|<script[^>]+src=|https?:\/\/(?!www\.w3\.org)/);
    // A device without a name shows "unnamed".
    expect(html).toContain('<span class="pf-v5-c-tile__title">unnamed</span>');
  });
});

// ---------------------------------------------------------------------------------------------
// HTTP flow

describe('simulator server (http)', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await createSimulator({ port: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
  });

  it('serves the classic login page and rejects a wrong password', async () => {
    const b = new Browser();
    const url = sim.loginUrl();
    expect(url).toBe(`${sim.origin}/auth/realms/${DEFAULT_REALM}/protocol/openid-connect/auth?client_id=tpe&redirect_uri=${encodeURIComponent(sim.origin + '/tpe/')}&response_type=code&scope=openid`);
    const login = await b.fetch(url);
    expect(login.status).toBe(200);
    expect(b.jar.has('AUTH_SESSION_ID')).toBe(true);
    const setCookie = login.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/AUTH_SESSION_ID=[^;]+; Path=\/auth\/realms\/tpw-users-actility-tpe-ope\/.*HttpOnly/);
    expect(tag(login.text, 'kc-form-login')).not.toBeNull();
    expect(tag(login.text, 'username')).not.toBeNull();
    expect(attr(tag(login.text, 'password'), 'type')).toBe('password');
    expect(tagName(tag(login.text, 'kc-login'))).toBe('input');
    const action = actionOf(login.text, 'kc-form-login');
    expect(action).toMatch(new RegExp(`^${escapeRe(sim.origin)}/auth/realms/${DEFAULT_REALM}/login-actions/authenticate\\?session_code=[^&]+&execution=${EXECUTIONS.password}&client_id=tpe&tab_id=[^&]+$`));
    const bad = await b.fetch(action, { username: 'jane.doe@example.com', password: 'nope' });
    expect(bad.status).toBe(200);
    expect(text(bad.text, 'input-error')).toBe(MESSAGES.INVALID_USER);
    expect(attr(tag(bad.text, 'username'), 'aria-invalid')).toBe('true');
    expect(attr(tag(bad.text, 'username'), 'value')).toBe('jane.doe@example.com');
    // A stale form (old session_code) is not processed.
    const stale = await b.fetch(action, { username: 'jane.doe@example.com', password: DEMO_PASSWORD });
    expect(stale.status).toBe(200);
    expect(stale.text).toContain(MESSAGES.EXPIRED_ACTION);
    expect(tag(stale.text, 'kc-form-login')).not.toBeNull();
  });

  it('enrolls jane end to end (classic), then refuses the setup code at the next login', async () => {
    const b = new Browser();
    centerClock(sim);
    const page = await toSetup(b, sim, 'jane.doe@example.com');
    const html = page.text;
    // Setup page markup.
    const f = setupFields(html);
    expect(f.secret).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(f.qr.startsWith('data:image/png;base64, ')).toBe(true);
    expect(f.action).toMatch(/\/auth\/realms\/tpw-users-actility-tpe-ope\/login-actions\/required-action\?session_code=[^&]+&execution=CONFIGURE_TOTP&client_id=tpe&tab_id=/);
    expect(attr(tag(html, 'kc-totp-settings-form'), 'method')).toBe('post');
    expect(attr(tag(html, 'totp'), 'name')).toBe('totp');
    expect(attr(tag(html, 'totpSecret'), 'type')).toBe('hidden');
    expect(attr(tag(html, 'userLabel'), 'name')).toBe('userLabel');
    expect(attr(tag(html, 'logout-sessions'), 'type')).toBe('checkbox');
    expect(hasBareAttr(tag(html, 'logout-sessions'), 'checked')).toBe(false);
    expect(tag(html, 'saveTOTPBtn')).not.toBeNull();
    expect(tag(html, 'mode')).toBeNull();
    expect(text(html, 'kc-attempted-username')).toBe('jane.doe@example.com');
    expect(attr(tag(html, 'mode-manual'), 'href')).toBe(`${page.url}&mode=manual`);
    expect(html).toContain('<label for="userLabel" class="control-label">Device Name</label>');
    expect(html).toContain(MESSAGES.CONFIGURE_TOTP);
    // QR = the real otpauth URI, whose secret is base32 of the hidden totpSecret.
    expect(decodeQrDataUrl(f.qr)).toEqual({
      width: 246, height: 246,
      text: `otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=${kc.base32Encode(f.secret)}&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30`,
    });

    const code = totpCode(rawSecret(f.secret), { timestamp: sim.now() });
    const done = await b.fetch(f.action, { totp: code, totpSecret: f.secret, userLabel: '' });
    const dash = await expectDashboard(b, done, 'jane.doe@example.com');
    const logoutHref = must(attr(tag(dash.text, 'tpe-logout'), 'href'), 'logout link');
    expect(logoutHref).toBe(`${sim.origin}/auth/realms/${DEFAULT_REALM}/protocol/openid-connect/logout`);
    const devices = sim.devices(DEFAULT_REALM, 'jane.doe@example.com');
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ secretBase32: kc.base32Encode(f.secret), algorithm: 'SHA1', digits: 6, period: 30 });
    expect(sim.users.find((u) => u.username === 'jane.doe@example.com')?.requiredActions).toEqual([]);

    // Logout clears the session and lands on the login page.
    const out = await b.fetch(logoutHref);
    expect(out.status).toBe(302);
    expect(out.location).toContain('/protocol/openid-connect/auth?client_id=tpe');
    expect((await b.follow(`${sim.origin}/tpe/`)).text).toContain('id="kc-form-login"');

    // Next login: OTP page; the setup code was used, so it is refused; the next step's code works.
    const otpPage = await passwordStep(b, sim, 'jane.doe@example.com');
    expect(otpPage.status).toBe(200);
    expect(tag(otpPage.text, 'kc-otp-login-form')).not.toBeNull();
    expect(tag(otpPage.text, 'kc-otp-credential-0')).toBeNull();
    const reused = await b.fetch(actionOf(otpPage.text, 'kc-otp-login-form'), { otp: code, login: 'Sign In' });
    expect(reused.status).toBe(200);
    expect(text(reused.text, 'input-error-otp-code')).toBe(MESSAGES.INVALID_TOTP);
    sim.setClockOffset(sim.clockOffsetMs + 30_000);
    const next = totpCode(rawSecret(f.secret), { timestamp: sim.now() });
    const ok = await b.fetch(actionOf(reused.text, 'kc-otp-login-form'), { otp: next, login: 'Sign In' });
    await expectDashboard(b, ok, 'jane.doe@example.com');
    expect(sim.log.some((l) => l.method === 'POST' && l.path.includes('/login-actions/authenticate'))).toBe(true);
  });

  it('wrong setup code: error element, aria-invalid and a NEW secret', async () => {
    const b = new Browser();
    centerClock(sim);
    const page = await toSetup(b, sim, 'jane.doe@example.com');
    const f = setupFields(page.text);
    const good = totpCode(rawSecret(f.secret), { timestamp: sim.now() });
    const wrong = good === '123456' ? '654321' : '123456';
    const r = await b.fetch(f.action, { totp: wrong, totpSecret: f.secret, userLabel: '' });
    expect(r.status).toBe(200);
    expect(text(r.text, 'input-error-otp-code')).toBe(MESSAGES.INVALID_TOTP);
    expect(attr(tag(r.text, 'totp'), 'aria-invalid')).toBe('true');
    const f2 = setupFields(r.text);
    expect(f2.secret).not.toBe(f.secret);
    expect(decodeQrDataUrl(f2.qr).text).toContain(`secret=${kc.base32Encode(f2.secret)}&`);
    // The old secret (and its code) is no longer accepted.
    const old = await b.fetch(f2.action, { totp: good, totpSecret: f.secret, userLabel: '' });
    expect(text(old.text, 'input-error-otp-code')).toBe(MESSAGES.INVALID_TOTP);
    // Empty code.
    const f3 = setupFields(old.text);
    const empty = await b.fetch(f3.action, { totp: '', totpSecret: f3.secret, userLabel: '' });
    expect(text(empty.text, 'input-error-otp-code')).toBe(MESSAGES.MISSING_TOTP);
    // Finally the right code for the current secret.
    const f4 = setupFields(empty.text);
    const done = await b.fetch(f4.action, { totp: totpCode(rawSecret(f4.secret), { timestamp: sim.now() }), totpSecret: f4.secret, userLabel: '' });
    await expectDashboard(b, done, 'jane.doe@example.com');
  });

  it('holdSetupAnswers: the device is registered while the answer is held; released, dropped, refused, cancelled; stop and reset end it', async () => {
    centerClock(sim);
    const hold = sim.holdSetupAnswers();
    // Registered, answer held: the device exists before the browser hears anything.
    const jane = new Browser();
    const f = setupFields((await toSetup(jane, sim, 'jane.doe@example.com')).text);
    let answered = false;
    const posted = jane.fetch(f.action, { totp: totpCode(rawSecret(f.secret), { timestamp: sim.now() }), totpSecret: f.secret, userLabel: 'Laptop' }).then((r) => {
      answered = true;
      return r;
    });
    const held = await hold.next();
    expect(held).toMatchObject({ outcome: 'registered', realm: DEFAULT_REALM, username: 'jane.doe@example.com', deviceLabel: 'Laptop', settled: false });
    expect(sim.devices(DEFAULT_REALM, 'jane.doe@example.com')).toMatchObject([{ label: 'Laptop', secretBase32: kc.base32Encode(f.secret) }]);
    // A later request is answered meanwhile: the answer is what is held, not the server.
    expect((await fetch(sim.loginUrl())).status).toBe(200);
    expect(answered).toBe(false);
    await held.release();
    expect(held.settled).toBe(true);
    await expectDashboard(jane, await posted, 'jane.doe@example.com');

    // Dropped: the connection closes without an answer, and the device stays.
    const sam = new Browser();
    const g = setupFields((await toSetup(sam, sim, 'sam@example.com')).text);
    const lost = sam.fetch(g.action, { totp: totpCode(rawSecret(g.secret), { timestamp: sim.now() }), totpSecret: g.secret, userLabel: '' });
    const dropped = await hold.next();
    expect(dropped).toMatchObject({ outcome: 'registered', username: 'sam@example.com' });
    dropped.drop();
    await expect(lost).rejects.toThrow();
    expect(sim.devices(DEFAULT_REALM, 'sam@example.com')).toHaveLength(1);
    await dropped.release(); // settled already: nothing more happens

    // Refused: nothing registered; released, the setup page again with its error.
    const alex = new Browser();
    const h = setupFields((await toSetup(alex, sim, 'alex@example.com')).text);
    const wrong = totpCode(rawSecret(h.secret), { timestamp: sim.now() }) === '123456' ? '654321' : '123456';
    const refusedPost = alex.fetch(h.action, { totp: wrong, totpSecret: h.secret, userLabel: '' });
    const refused = await hold.next();
    expect(refused).toMatchObject({ outcome: 'refused', username: 'alex@example.com', deviceLabel: null });
    expect(sim.devices(DEFAULT_REALM, 'alex@example.com')).toEqual([]);
    await refused.release();
    expect(text((await refusedPost).text, 'input-error-otp-code')).toBe(MESSAGES.INVALID_TOTP);

    // Cancelled (a setup the application asked for): nothing registered.
    const multi = new Browser();
    const otp = await passwordStep(multi, sim, 'multi@example.com');
    const login = { otp: totpCode(b32Secret(FIXED_DEVICES.multiPixel7.secretBase32), { timestamp: sim.now() }), selectedCredentialId: FIXED_DEVICES.multiPixel7.id, login: 'Sign In' };
    await expectDashboard(multi, await multi.fetch(actionOf(otp.text, 'kc-otp-login-form'), login), 'multi@example.com');
    const asked = await multi.fetch(sim.loginUrl(DEFAULT_REALM, { extra: { kc_action: 'CONFIGURE_TOTP' } }));
    const c = setupFields((await multi.fetch(must(asked.location, 'location'))).text);
    const cancelPost = multi.fetch(c.action, { totp: '', totpSecret: c.secret, userLabel: '', 'cancel-aia': 'true' });
    const cancelled = await hold.next();
    expect(cancelled.outcome).toBe('cancelled');
    expect(sim.devices(DEFAULT_REALM, 'multi@example.com')).toHaveLength(2);

    // stop() sends what is still held, and later answers go at once.
    expect(hold.held.map((a) => a.outcome)).toEqual(['registered', 'registered', 'refused', 'cancelled']);
    await hold.stop();
    expect((await cancelPost).location).toContain('kc_action_status=cancelled');
    const v2 = new Browser();
    const v = setupFields((await toSetup(v2, sim, 'v2.user@example.com')).text);
    await expectDashboard(v2, await v2.fetch(v.action, { totp: totpCode(rawSecret(v.secret), { timestamp: sim.now() }), totpSecret: v.secret, userLabel: '' }), 'v2.user@example.com');
    expect(hold.held).toHaveLength(4);

    // reset() ends a hold too.
    const again = sim.holdSetupAnswers();
    sim.reset();
    centerClock(sim);
    const j = new Browser();
    const k = setupFields((await toSetup(j, sim, 'jane.doe@example.com')).text);
    await expectDashboard(j, await j.fetch(k.action, { totp: totpCode(rawSecret(k.secret), { timestamp: sim.now() }), totpSecret: k.secret, userLabel: '' }), 'jane.doe@example.com');
    expect(again.held).toEqual([]);
  });

  it('accepts the previous/next step and rejects two steps away (server clock)', async () => {
    const secret = b32Secret(FIXED_DEVICES.multiPixel7.secretBase32);
    const tryCode = async (deltaSteps: number) => {
      sim.reset();
      centerClock(sim);
      const b = new Browser();
      const otp = await passwordStep(b, sim, 'multi@example.com');
      const code = totpCode(secret, { timestamp: sim.now() + deltaSteps * 30_000 });
      return b.fetch(actionOf(otp.text, 'kc-otp-login-form'), { selectedCredentialId: FIXED_DEVICES.multiPixel7.id, otp: code });
    };
    for (const d of [-1, 0, 1]) expect((await tryCode(d)).status, `step ${d}`).toBe(302);
    for (const d of [-2, 2]) {
      const r = await tryCode(d);
      expect(r.status, `step ${d}`).toBe(200);
      expect(text(r.text, 'input-error-otp-code')).toBe(MESSAGES.INVALID_TOTP);
    }
  });

  it('rejects a code reused within 90 s at login', async () => {
    centerClock(sim);
    const secret = b32Secret(FIXED_DEVICES.multiPixel7.secretBase32);
    const code = totpCode(secret, { timestamp: sim.now() });
    const login = async () => {
      const b = new Browser();
      const otp = await passwordStep(b, sim, 'multi@example.com');
      return b.fetch(actionOf(otp.text, 'kc-otp-login-form'), { selectedCredentialId: FIXED_DEVICES.multiPixel7.id, otp: code });
    };
    expect((await login()).status).toBe(302);
    const again = await login();
    expect(again.status).toBe(200);
    expect(text(again.text, 'input-error-otp-code')).toBe(MESSAGES.INVALID_TOTP);
    // 30 s later the same code is still inside the window (previous step) and still refused.
    sim.setClockOffset(sim.clockOffsetMs + 30_000);
    expect((await login()).status).toBe(200);
  });

  it("pat: OTP for Pixel 7, then a second device whose name is required and must differ", async () => {
    const b = new Browser();
    centerClock(sim);
    const otp = await passwordStep(b, sim, 'pat@example.com');
    expect(otp.status).toBe(200);
    expect(text(otp.text, 'kc-attempted-username')).toBe('pat@example.com');
    expect(attr(tag(otp.text, 'otp'), 'autocomplete')).toBe('off');
    expect(attr(tag(otp.text, 'kc-login'), 'name')).toBe('login');
    const code = totpCode(b32Secret(FIXED_DEVICES.patPixel7.secretBase32), { timestamp: sim.now() });
    const r = await b.fetch(actionOf(otp.text, 'kc-otp-login-form'), { otp: code, login: 'Sign In' });
    expect(r.status).toBe(302);
    expect(r.location).toContain('/login-actions/required-action?execution=CONFIGURE_TOTP');
    let page = await b.fetch(must(r.location, 'location'));
    expect(page.text).toMatch(/<label for="userLabel" class="control-label">Device Name<\/label> <span class="required">\*<\/span>/);

    const submit = async (label: string) => {
      const f = setupFields(page.text);
      page = await b.fetch(f.action, { totp: totpCode(rawSecret(f.secret), { timestamp: sim.now() }), totpSecret: f.secret, userLabel: label });
      return page;
    };
    const noName = await submit('');
    expect(text(noName.text, 'input-error-otp-label')).toBe(MESSAGES.MISSING_TOTP_DEVICE_NAME);
    expect(attr(tag(noName.text, 'userLabel'), 'aria-invalid')).toBe('true');
    const dup = await submit('Pixel 7');
    expect(text(dup.text, 'input-error-otp-label')).toBe(MESSAGES.DUPLICATE_DEVICE_NAME);
    const done = await submit('Pixel 8');
    await expectDashboard(b, done, 'pat@example.com');
    expect(sim.devices(DEFAULT_REALM, 'pat@example.com').map((d) => d.label)).toEqual(['Pixel 7', 'Pixel 8']);
  });

  it('kc_action=CONFIGURE_TOTP: a setup the application asks for, with Cancel (nothing changes) and Submit (a second device)', async () => {
    const b = new Browser();
    centerClock(sim);
    // Logged in with Pixel 7 (single sign-on session in the jar).
    const otp = await passwordStep(b, sim, 'multi@example.com');
    const login = { otp: totpCode(b32Secret(FIXED_DEVICES.multiPixel7.secretBase32), { timestamp: sim.now() }), selectedCredentialId: FIXED_DEVICES.multiPixel7.id, login: 'Sign In' };
    await expectDashboard(b, await b.fetch(actionOf(otp.text, 'kc-otp-login-form'), login), 'multi@example.com');
    const asked = sim.loginUrl(DEFAULT_REALM, { extra: { kc_action: 'CONFIGURE_TOTP' } });
    const open = async () => {
      const r = await b.fetch(asked);
      expect(r.status).toBe(302);
      expect(r.location).toContain('/login-actions/required-action?execution=CONFIGURE_TOTP');
      const page = await b.fetch(must(r.location, 'location'));
      expect(page.status).toBe(200);
      return page;
    };
    const page = await open();
    const cancel = tag(page.text, 'cancelTOTPBtn');
    expect(tagName(cancel)).toBe('button');
    expect([attr(cancel, 'type'), attr(cancel, 'name'), attr(cancel, 'value')]).toEqual(['submit', 'cancel-aia', 'true']);
    expect(page.text).not.toContain(MESSAGES.CONFIGURE_TOTP);
    const f = setupFields(page.text);
    const cancelled = await b.fetch(f.action, { totp: '', totpSecret: f.secret, userLabel: '', 'cancel-aia': 'true' });
    expect(cancelled.location).toContain('kc_action_status=cancelled');
    await expectDashboard(b, cancelled, 'multi@example.com');
    expect(sim.devices(DEFAULT_REALM, 'multi@example.com').map((d) => d.label)).toEqual(['Pixel 7', 'Work phone']);

    const again = setupFields((await open()).text);
    const done = await b.fetch(again.action, { totp: totpCode(rawSecret(again.secret), { timestamp: sim.now() }), totpSecret: again.secret, userLabel: 'Laptop' });
    expect(done.location).toContain('kc_action_status=success');
    await expectDashboard(b, done, 'multi@example.com');
    expect(sim.devices(DEFAULT_REALM, 'multi@example.com').map((d) => d.label)).toEqual(['Pixel 7', 'Work phone', 'Laptop']);
    // A setup at login (the required action) has no Cancel, and other actions are refused.
    expect(tag((await toSetup(new Browser(), sim, 'jane.doe@example.com')).text, 'cancelTOTPBtn')).toBeNull();
    expect((await b.fetch(sim.loginUrl(DEFAULT_REALM, { extra: { kc_action: 'UPDATE_PASSWORD' } }))).status).toBe(400);
  });

  it('kc_action=CONFIGURE_TOTP without a session: the login first, then the setup with Cancel', async () => {
    const b = new Browser();
    centerClock(sim);
    const login = await b.fetch(sim.loginUrl(DEFAULT_REALM, { extra: { kc_action: 'CONFIGURE_TOTP' } }));
    const otp = await b.fetch(actionOf(login.text, 'kc-form-login'), { username: 'multi@example.com', password: DEMO_PASSWORD, credentialId: '' });
    const code = totpCode(b32Secret(FIXED_DEVICES.multiPixel7.secretBase32), { timestamp: sim.now() });
    const r = await b.fetch(actionOf(otp.text, 'kc-otp-login-form'), { otp: code, selectedCredentialId: FIXED_DEVICES.multiPixel7.id, login: 'Sign In' });
    expect(r.location).toContain('/login-actions/required-action?execution=CONFIGURE_TOTP');
    const page = await b.fetch(must(r.location, 'location'));
    expect(tag(page.text, 'cancelTOTPBtn')).not.toBeNull();
  });

  it("sha realm: SHA256 / 8 digits / 60 s in the URI, manual mode, and accepted", async () => {
    const b = new Browser();
    centerClock(sim, 60);
    const page = await toSetup(b, sim, 'sha@example.com', 'tpw-users-sha256-ope');
    const f = setupFields(page.text);
    expect(decodeQrDataUrl(f.qr).text).toBe(
      `otpauth://totp/ThingPark%20SHA256:sha%40example.com?secret=${kc.base32Encode(f.secret)}&digits=8&algorithm=SHA256&issuer=ThingPark%20SHA256&period=60`,
    );
    const manual = await b.fetch(must(attr(tag(page.text, 'mode-manual'), 'href'), 'manual href'));
    expect(text(manual.text, 'kc-totp-algorithm')).toBe('Algorithm: SHA256');
    expect(text(manual.text, 'kc-totp-digits')).toBe('Digits: 8');
    expect(text(manual.text, 'kc-totp-period')).toBe('Interval: 60');
    const mf = { action: actionOf(manual.text, 'kc-totp-settings-form'), secret: must(attr(tag(manual.text, 'totpSecret'), 'value'), 'secret') };
    const code = totpCode(rawSecret(mf.secret), { algorithm: 'SHA256', digits: 8, period: 60, timestamp: sim.now() });
    expect(code).toMatch(/^\d{8}$/);
    const done = await b.fetch(mf.action, { totp: code, totpSecret: mf.secret, userLabel: 'Phone', mode: 'manual' });
    await expectDashboard(b, done, 'sha@example.com');
    expect(sim.devices('tpw-users-sha256-ope', 'sha@example.com')[0]).toMatchObject({ algorithm: 'SHA256', digits: 8, period: 60 });
  });

  it('manual mode markup', async () => {
    const b = new Browser();
    const page = await toSetup(b, sim, 'jane.doe@example.com');
    const manualHref = must(attr(tag(page.text, 'mode-manual'), 'href'), 'manual href');
    expect(manualHref).toMatch(/[?&]mode=manual$/);
    const m = await b.fetch(manualHref);
    const html = m.text;
    const secret = must(attr(tag(html, 'totpSecret'), 'value'), 'secret');
    expect(text(html, 'kc-totp-secret-key')).toBe(kc.formatSecretForDisplay(secret));
    expect(text(html, 'kc-totp-secret-key')).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    expect(text(html, 'kc-totp-type')).toBe('Type: Time-based');
    expect(text(html, 'kc-totp-algorithm')).toBe('Algorithm: SHA1');
    expect(text(html, 'kc-totp-digits')).toBe('Digits: 6');
    expect(text(html, 'kc-totp-period')).toBe('Interval: 30');
    expect(tag(html, 'kc-totp-counter')).toBeNull();
    expect(tag(html, 'kc-totp-secret-qr-code')).toBeNull();
    expect(attr(tag(html, 'mode-barcode'), 'href')).toMatch(/[?&]mode=qr$/);
    const modeInput = tag(html, 'mode');
    expect(attr(modeInput, 'name')).toBe('mode');
    expect(attr(modeInput, 'value')).toBe('manual');
    expect(attr(modeInput, 'type')).toBe('hidden');
    // An error keeps manual mode.
    const err = await b.fetch(actionOf(html, 'kc-totp-settings-form'), { totp: 'x', totpSecret: secret, userLabel: '', mode: 'manual' });
    expect(text(err.text, 'input-error-otp-code')).toBe(MESSAGES.INVALID_TOTP);
    expect(tag(err.text, 'kc-totp-secret-key')).not.toBeNull();
  });

  it('multi: device chooser (classic radios), the selected device only', async () => {
    const b = new Browser();
    centerClock(sim);
    const otp = await passwordStep(b, sim, 'multi@example.com');
    const html = otp.text;
    const r0 = tag(html, 'kc-otp-credential-0');
    const r1 = tag(html, 'kc-otp-credential-1');
    expect(attr(r0, 'type')).toBe('radio');
    expect(attr(r0, 'name')).toBe('selectedCredentialId');
    expect(attr(r0, 'value')).toBe(FIXED_DEVICES.multiPixel7.id);
    expect(attr(r1, 'value')).toBe(FIXED_DEVICES.multiWorkPhone.id);
    expect(attr(r0, 'checked')).toBe('checked');
    expect(hasBareAttr(r1, 'checked')).toBe(false);
    expect(html).toMatch(/<label for="kc-otp-credential-1" class="pf-c-tile"[^>]*>\s*<span class="pf-c-tile__header">[\s\S]*?<span class="pf-c-tile__title">Work phone<\/span>/);
    const workCode = totpCode(b32Secret(FIXED_DEVICES.multiWorkPhone.secretBase32), { timestamp: sim.now() });
    // Work phone's code against the (default) first device: refused.
    const wrong = await b.fetch(actionOf(html, 'kc-otp-login-form'), { selectedCredentialId: FIXED_DEVICES.multiPixel7.id, otp: workCode });
    expect(wrong.status).toBe(200);
    expect(text(wrong.text, 'input-error-otp-code')).toBe(MESSAGES.INVALID_TOTP);
    expect(attr(tag(wrong.text, 'otp'), 'aria-invalid')).toBe('true');
    // Without selectedCredentialId Keycloak uses the first (default) device: still refused.
    const noSel = await b.fetch(actionOf(wrong.text, 'kc-otp-login-form'), { otp: workCode });
    expect(noSel.status).toBe(200);
    // Selected Work phone: accepted.
    const ok = await b.fetch(actionOf(noSel.text, 'kc-otp-login-form'), { selectedCredentialId: FIXED_DEVICES.multiWorkPhone.id, otp: workCode });
    await expectDashboard(b, ok, 'multi@example.com');
    expect(sim.users.find((u) => u.username === 'multi@example.com')?.devices[1]?.lastUsedAt).toBeTypeOf('number');
  });

  it('multi-v2: v2 tiles, hidden selectedCredentialId, v2 error ids', async () => {
    const b = new Browser();
    centerClock(sim);
    const otp = await passwordStep(b, sim, 'multi-v2@example.com');
    const html = otp.text;
    const hidden = tag(html, 'selectedCredentialId');
    expect(attr(hidden, 'type')).toBe('hidden');
    expect(attr(hidden, 'name')).toBe('selectedCredentialId');
    expect(attr(hidden, 'value')).toBe(FIXED_DEVICES.multiV2Pixel7.id);
    const t1 = tag(html, 'kc-otp-credential-1');
    expect(tagName(t1)).toBe('div');
    expect(attr(t1, 'class')).toContain('pf-v5-c-tile');
    expect(attr(t1, 'onclick')).toBe(`toggleOTP(1, '${FIXED_DEVICES.multiV2WorkPhone.id}')`);
    expect(html).toContain('classList.add("pf-m-selected")');
    expect(html).toContain('<span class="pf-v5-c-tile__title">Work phone</span>');
    const user = tag(html, 'kc-attempted-username');
    expect(tagName(user)).toBe('input');
    expect(attr(user, 'value')).toBe('multi-v2@example.com');
    expect(hasBareAttr(user, 'readonly')).toBe(true);
    expect(tagName(tag(html, 'kc-login'))).toBe('button');
    expect(attr(tag(html, 'kc-login'), 'name')).toBe('login');
    expect(attr(tag(html, 'otp'), 'name')).toBe('otp');
    const workCode = totpCode(b32Secret(FIXED_DEVICES.multiV2WorkPhone.secretBase32), { timestamp: sim.now() });
    const wrong = await b.fetch(actionOf(html, 'kc-otp-login-form'), { selectedCredentialId: FIXED_DEVICES.multiV2Pixel7.id, otp: workCode });
    expect(wrong.status).toBe(200);
    expect(wrong.text).toMatch(/<div id="input-error-container-otp">\s*<div class="pf-v5-c-form__helper-text"[^>]*>\s*<div class="pf-v5-c-helper-text">\s*<div class="pf-v5-c-helper-text__item pf-m-error" id="input-error-otp">\s*<span class="pf-v5-c-helper-text__item-text">Invalid authenticator code\.<\/span>/);
    expect(attr(tag(wrong.text, 'otp'), 'aria-invalid')).toBe('true');
    expect(tag(wrong.text, 'input-error-otp-code')).toBeNull();
    const ok = await b.fetch(actionOf(wrong.text, 'kc-otp-login-form'), { selectedCredentialId: FIXED_DEVICES.multiV2WorkPhone.id, otp: workCode });
    await expectDashboard(b, ok, 'multi-v2@example.com');
  });

  it('v2 login and setup markup', async () => {
    const b = new Browser();
    const bad = await passwordStep(b, sim, 'v2.user@example.com', { theme: 'v2', password: 'wrong' });
    expect(bad.text).toContain('pf-v5-c-login');
    expect(bad.text).toMatch(/<div id="input-error-container-username">[\s\S]*?id="input-error-username"[\s\S]*?Invalid username or password\./);
    expect(tag(bad.text, 'input-error')).toBeNull();
    expect(tagName(tag(bad.text, 'kc-login'))).toBe('button');

    const page = await toSetup(b, sim, 'v2.user@example.com');
    const html = page.text;
    expect(html).toContain('class="pf-v5-c-form" id="kc-totp-settings-form"');
    expect(html).toContain('<ol id="kc-totp-settings" class="pf-v5-c-list pf-v5-u-mb-md">');
    // v2's labels point nowhere: inputs must be found by id/name.
    expect(html.match(/<label class="pf-v5-c-form__label" for="form-vertical-name">/g)).toHaveLength(2);
    expect(html).not.toMatch(/<label[^>]*for="totp"/);
    expect(hasBareAttr(tag(html, 'logout-sessions'), 'checked')).toBe(true);
    expect(tagName(tag(html, 'kc-attempted-username'))).toBe('input');
    const f = setupFields(html);
    const err = await b.fetch(f.action, { totp: '', totpSecret: f.secret, userLabel: '' });
    expect(text(err.text, 'input-error-otp-code')).toBe(MESSAGES.MISSING_TOTP);
    expect(attr(tag(err.text, 'input-error-otp-code'), 'class')).toContain('pf-v5-c-helper-text__item');
    expect(attr(tag(err.text, 'totp'), 'aria-invalid')).toBe('true');
    centerClock(sim);
    const f2 = setupFields(err.text);
    const done = await b.fetch(f2.action, { totp: totpCode(rawSecret(f2.secret), { timestamp: sim.now() }), totpSecret: f2.secret, userLabel: '', 'logout-sessions': 'on' });
    await expectDashboard(b, done, 'v2.user@example.com');
  });

  it('setTheme switches a user to v2', async () => {
    sim.setTheme('jane.doe@example.com', 'v2');
    const page = await toSetup(new Browser(), sim, 'jane.doe@example.com');
    expect(page.text).toContain('for="form-vertical-name"');
  });

  it('badqr: unreadable QR; mismatch: QR secret differs from totpSecret and its code is refused', async () => {
    const bad = setupFields((await toSetup(new Browser(), sim, 'badqr@example.com')).text);
    expect(decodeQrDataUrl(bad.qr)).toEqual({ width: 246, height: 246, text: null });

    centerClock(sim);
    const b = new Browser();
    const f = setupFields((await toSetup(b, sim, 'mismatch@example.com')).text);
    const uri = must(decodeQrDataUrl(f.qr).text, 'qr text');
    const qrSecret = must(new URL(uri).searchParams.get('secret'), 'secret param');
    expect(qrSecret).not.toBe(kc.base32Encode(f.secret));
    const r = await b.fetch(f.action, { totp: totpCode(b32Secret(qrSecret), { timestamp: sim.now() }), totpSecret: f.secret, userLabel: '' });
    expect(text(r.text, 'input-error-otp-code')).toBe(MESSAGES.INVALID_TOTP);
  });

  it('hotp realm: counter URI, setup with counter 0, login within the look-ahead window', async () => {
    const b = new Browser();
    const page = await toSetup(b, sim, 'hotp@example.com', 'tpw-users-hotp-ope');
    const f = setupFields(page.text);
    expect(decodeQrDataUrl(f.qr).text).toBe(
      `otpauth://hotp/ThingPark%20HOTP:hotp%40example.com?secret=${kc.base32Encode(f.secret)}&digits=6&algorithm=SHA1&issuer=ThingPark%20HOTP&counter=0`,
    );
    const manual = await b.fetch(must(attr(tag(page.text, 'mode-manual'), 'href'), 'manual'));
    expect(text(manual.text, 'kc-totp-type')).toBe('Type: Counter-based');
    expect(text(manual.text, 'kc-totp-counter')).toBe('Counter: 0');
    expect(tag(manual.text, 'kc-totp-period')).toBeNull();
    const mf = { action: actionOf(manual.text, 'kc-totp-settings-form'), secret: must(attr(tag(manual.text, 'totpSecret'), 'value'), 's') };
    const hotp = (counter: number) => new OTPAuth.HOTP({ secret: rawSecret(mf.secret) }).generate({ counter });
    await expectDashboard(b, await b.fetch(mf.action, { totp: hotp(0), totpSecret: mf.secret, userLabel: '', mode: 'manual' }), 'hotp@example.com');

    const login = async (code: string) => {
      const b2 = new Browser();
      const otp = await passwordStep(b2, sim, 'hotp@example.com', { realm: 'tpw-users-hotp-ope' });
      return b2.fetch(actionOf(otp.text, 'kc-otp-login-form'), { otp: code });
    };
    expect((await login(hotp(0))).status).toBe(200); // already used at setup
    expect((await login(hotp(3))).status).toBe(200); // beyond look-ahead 1 (expects 1 or 2)
    expect((await login(hotp(2))).status).toBe(302); // skipped one: inside the window
    expect((await login(hotp(2))).status).toBe(200); // counter moved on
    expect((await login(hotp(3))).status).toBe(302);
  });

  it('locks the user after 5 wrong login codes until reset', async () => {
    centerClock(sim);
    const secret = b32Secret(FIXED_DEVICES.multiPixel7.secretBase32);
    const valid = new Set([-1, 0, 1].map((d) => totpCode(secret, { timestamp: sim.now() + d * 30_000 })));
    const wrong = ['111111', '222222', '333333', '444444'].find((c) => !valid.has(c)) ?? '555555';
    const b = new Browser();
    let page = await passwordStep(b, sim, 'multi@example.com');
    for (let i = 0; i < 5; i++) {
      page = await b.fetch(actionOf(page.text, 'kc-otp-login-form'), { selectedCredentialId: FIXED_DEVICES.multiPixel7.id, otp: wrong });
      expect(text(page.text, 'input-error-otp-code')).toBe(MESSAGES.INVALID_TOTP);
    }
    const right = totpCode(secret, { timestamp: sim.now() });
    const refused = await b.fetch(actionOf(page.text, 'kc-otp-login-form'), { selectedCredentialId: FIXED_DEVICES.multiPixel7.id, otp: right });
    expect(refused.status).toBe(200);
    expect(text(refused.text, 'input-error-otp-code')).toBe(MESSAGES.ACCOUNT_DISABLED);
    const again = await passwordStep(new Browser(), sim, 'multi@example.com');
    expect(text(again.text, 'input-error')).toBe(MESSAGES.ACCOUNT_DISABLED);
    sim.reset();
    centerClock(sim);
    const b3 = new Browser();
    const otp = await passwordStep(b3, sim, 'multi@example.com');
    const ok = await b3.fetch(actionOf(otp.text, 'kc-otp-login-form'), { selectedCredentialId: FIXED_DEVICES.multiPixel7.id, otp: right });
    await expectDashboard(b3, ok, 'multi@example.com');
  });

  it('?late=1 inserts the form by script; the QR and labels are server-rendered otherwise', async () => {
    const b = new Browser();
    const page = await toSetup(b, sim, 'sam@example.com');
    const late = await b.fetch(`${page.url}&late=1`);
    expect(late.status).toBe(200);
    expect(tag(late.text, 'kc-totp-secret-qr-code')).not.toBeNull();
    expect(late.text).not.toContain('id="kc-totp-settings-form"');
    expect(late.text).not.toContain('id="totpSecret"');
    expect(late.text).toMatch(/setTimeout\([\s\S]*\\u003cform[\s\S]*kc-totp-settings-form[\s\S]*\}, 300\);/);
    const all = await b.fetch(`${page.url}&late=all`);
    expect(tag(all.text, 'kc-totp-secret-qr-code')).toBeNull();
  });

  it('OTP page ?late=1 (a GET of the step): the form is inserted by script', async () => {
    const b = new Browser();
    const otp = await passwordStep(b, sim, 'pat@example.com');
    expect(tag(otp.text, 'kc-otp-login-form')).not.toBeNull();
    const again = await b.fetch(otp.url);
    expect(tag(again.text, 'otp')).not.toBeNull();
    const late = await b.fetch(`${otp.url}&late=1`);
    expect(late.status).toBe(200);
    expect(tag(late.text, 'otp')).toBeNull();
    expect(late.text).toMatch(/setTimeout\([\s\S]*\\u003cform id=\\"kc-otp-login-form\\"[\s\S]*\}, 300\);/);
  });

  it('Date header reflects the clock offset', async () => {
    sim.setClockOffset(3_600_000);
    const r = await fetch(sim.loginUrl());
    const date = Date.parse(must(r.headers.get('date'), 'date header'));
    expect(Math.abs(date - (Date.now() + 3_600_000))).toBeLessThan(5_000);
    sim.setClockOffset(0);
    const r2 = await fetch(`${sim.origin}/tpe/`, { redirect: 'manual' });
    expect(Math.abs(Date.parse(must(r2.headers.get('date'), 'date')) - Date.now())).toBeLessThan(5_000);
  });

  it('serves the newer /realms prefix and two accounts one after the other', async () => {
    centerClock(sim);
    for (const who of ['sam@example.com', 'alex@example.com']) {
      const b = new Browser();
      const r = await passwordStep(b, sim, who, { kcPath: '' });
      expect(r.location).toMatch(new RegExp(`^${escapeRe(sim.origin)}/realms/${DEFAULT_REALM}/login-actions/required-action\\?`));
      const page = await b.fetch(must(r.location, 'location'));
      const f = setupFields(page.text);
      expect(f.action.startsWith(`${sim.origin}/realms/`)).toBe(true);
      const done = await b.fetch(f.action, { totp: totpCode(rawSecret(f.secret), { timestamp: sim.now() }), totpSecret: f.secret, userLabel: '' });
      const dash = await expectDashboard(b, done, who);
      expect(attr(tag(dash.text, 'tpe-logout'), 'href')).toBe(`${sim.origin}/realms/${DEFAULT_REALM}/protocol/openid-connect/logout`);
    }
    expect(sim.devices(DEFAULT_REALM, 'sam@example.com')).toHaveLength(1);
    expect(sim.devices(DEFAULT_REALM, 'alex@example.com')).toHaveLength(1);
    expect(sim.devices(DEFAULT_REALM, 'sam@example.com')[0]?.secretBase32).not.toBe(sim.devices(DEFAULT_REALM, 'alex@example.com')[0]?.secretBase32);
  });

  it('rejects unknown clients, bad redirect URIs and unknown realms', async () => {
    expect((await fetch(sim.loginUrl().replace('client_id=tpe', 'client_id=evil'))).status).toBe(400);
    expect((await fetch(sim.loginUrl(DEFAULT_REALM, { redirectUri: 'https://evil.example/' }))).status).toBe(400);
    expect((await fetch(sim.loginUrl('tpw-users-nope-ope'))).status).toBe(404);
  });
});

describe('simulator options and https', () => {
  it('users option adds and overrides users', async () => {
    const sim = await createSimulator({
      users: [
        { username: 'extra@example.com', password: 'pw', devices: [{ label: 'Token', secret: 'JBSWY3DPEHPK3PXP' }] },
        { username: 'sam@example.com', theme: 'v2' },
      ],
    });
    try {
      expect(sim.devices(DEFAULT_REALM, 'extra@example.com')[0]).toMatchObject({ label: 'Token', secretBase32: 'JBSWY3DPEHPK3PXP' });
      expect(sim.users.find((u) => u.username === 'sam@example.com')?.theme).toBe('v2');
      expect(sim.users.filter((u) => u.username === 'sam@example.com')).toHaveLength(1);
    } finally {
      await sim.close();
    }
  });

  it('https mode serves with the self-signed certificate', async () => {
    const sim = await createSimulator({ https: true });
    try {
      expect(sim.origin.startsWith('https://127.0.0.1:')).toBe(true);
      const { status, body, cert } = await new Promise<{ status: number; body: string; cert: string }>((resolve, reject) => {
        const req = httpsRequest(sim.loginUrl(), { rejectUnauthorized: false, agent: false }, (res) => {
          const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate(false);
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert: String(peer.subjectaltname ?? '') }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      expect(body).toContain('id="kc-form-login"');
      expect(cert).toContain('DNS:community.thingpark.io');
      expect(cert).toContain('IP Address:127.0.0.1');
      const x509 = new X509Certificate(must(sim.cert, 'cert').cert);
      for (const h of ['community.thingpark.io', 'thingparkenterprise.eu.actility.com', 'thingparkenterprise-preprod.eu.actility.com', 'thingparkenterprise.us.actility.com', 'thingparkenterprise.au.actility.com', 'localhost']) {
        expect(x509.checkHost(h), h).toBeDefined();
      }
      expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
      // The https origin is used in the form action.
      expect(body).toContain(`action="${sim.origin}/auth/realms/`);
    } finally {
      await sim.close();
    }
  }, 20_000);
});
