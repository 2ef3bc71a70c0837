// Tests of the simulator's non-Keycloak OTP pages (tests/simulator/custom-pages.mjs, served under
// '/custom/'): the markup each variant serves, how lib/keycloak/page-detection.ts and lib/generic/otp-fields.ts
// read it, and POST /custom/verify applying the Keycloak OTP login's rules.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as OTPAuth from 'otpauth';
import { Window } from 'happy-dom';
import { createSimulator, FIXED_DEVICES } from '../../simulator/server.mjs';
import { MAX_OTP_FAILURES } from '../../simulator/keycloak.mjs';
import { detectPage } from '../../../lib/keycloak/page-detection';
import { findOtpTarget, type OtpTarget } from '../../../lib/generic/otp-fields';

type Sim = Awaited<ReturnType<typeof createSimulator>>;

const PAT = 'pat@example.com';
const DEVICE = FIXED_DEVICES.patPixel7;

let sim: Sim;
const windows: Window[] = [];

beforeAll(async () => {
  sim = await createSimulator({
    users: [{ username: PAT, devices: [{ id: DEVICE.id, label: DEVICE.label, secretRaw: DEVICE.secretRaw }] }],
  });
});
afterAll(async () => {
  await sim.close();
  await Promise.all(windows.map((w) => w.happyDOM.close()));
});
beforeEach(() => {
  sim.reset();
  centerClock();
});

/** Server clock in the middle of a 30 s step, so a code computed now stays in its step. */
function centerClock(extraMs = 0) {
  const t = Date.now();
  sim.setClockOffset(15_000 - (t % 30_000) + extraMs);
}

/** Pat's Pixel 7 code `steps` periods away from the server time. */
function code(steps = 0, at = sim.now()) {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromUTF8(DEVICE.secretRaw), algorithm: 'SHA1', digits: 6, period: 30 })
    .generate({ timestamp: at + steps * 30_000 });
}

async function get(path: string) {
  const res = await fetch(`${sim.origin}${path}`, { redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function verify(form: Record<string, string>) {
  const res = await fetch(`${sim.origin}/custom/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, result: /<h1 id="custom-result">([^<]*)<\/h1>/.exec(text)?.[1] ?? null };
}

function parse(html: string, js = false): { window: Window; doc: Document } {
  const window = new Window({
    url: 'https://community.thingpark.io/custom/otp',
    settings: js ? { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } : {},
  });
  windows.push(window);
  window.document.write(html);
  return { window, doc: window.document as unknown as Document };
}

const names = (t: OtpTarget | null) =>
  t === null ? null : t.kind === 'single' ? t.input.getAttribute('name') : t.inputs.map((i) => i.className);

describe('GET /custom/otp', () => {
  it.each(['single', 'named', 'segmented'] as const)('variant=%s: 200, simulator headers, no external resources', async (variant) => {
    const r = await get(`/custom/otp?user=${encodeURIComponent(PAT)}&variant=${variant}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html;charset=utf-8');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('cache-control')).toContain('no-store');
    expect(Math.abs(Date.parse(r.headers.get('date') ?? '') - sim.now())).toBeLessThan(2000);
    expect(r.text).not.toMatch(/<link\b|<img\b|\bsrc=|https?:\/\//);
    expect(r.text).not.toMatch(/\bid="kc-/);

    const { doc } = parse(r.text);
    expect(detectPage(doc).kind).toBe('none');
    const form = doc.querySelector('form#verify');
    expect(form?.getAttribute('method')).toBe('post');
    expect(form?.getAttribute('action')).toBe('/custom/verify');
    expect(doc.querySelector('form#verify input[type="hidden"][name="username"]')?.getAttribute('value')).toBe(PAT);
    expect(doc.querySelector('input[name="search"]')?.getAttribute('placeholder')).toBe('Search');
    expect(doc.querySelector('input[name="coupon"]')).not.toBeNull();
  });

  it('single: #mfa-code with autocomplete one-time-code and its label', async () => {
    const { doc } = parse((await get(`/custom/otp?user=${PAT}&variant=single`)).text);
    const input = doc.getElementById('mfa-code');
    expect(input?.getAttribute('name')).toBe('mfa_code');
    expect(input?.getAttribute('autocomplete')).toBe('one-time-code');
    expect(input?.getAttribute('inputmode')).toBe('numeric');
    expect(doc.querySelector('label[for="mfa-code"]')?.textContent).toBe('Authentication code');
    expect(names(findOtpTarget(doc))).toBe('mfa_code');
  });

  it('single is the default variant', async () => {
    const { doc } = parse((await get(`/custom/otp?user=${PAT}`)).text);
    expect(doc.getElementById('mfa-code')).not.toBeNull();
  });

  it('named: verification_code with a placeholder, no autocomplete', async () => {
    const { doc } = parse((await get(`/custom/otp?user=${PAT}&variant=named`)).text);
    const input = doc.querySelector('input[name="verification_code"]');
    expect(input?.getAttribute('placeholder')).toBe('6-digit code');
    expect(input?.hasAttribute('autocomplete')).toBe(false);
    expect(names(findOtpTarget(doc))).toBe('verification_code');
  });

  it('segmented: six maxlength=1 numeric boxes in div.otp-boxes and a hidden code field', async () => {
    const { doc } = parse((await get(`/custom/otp?user=${PAT}&variant=segmented`)).text);
    const boxes = [...doc.querySelectorAll('div.otp-boxes > input.digit')];
    expect(boxes).toHaveLength(6);
    for (const b of boxes) {
      expect(b.getAttribute('maxlength')).toBe('1');
      expect(b.getAttribute('inputmode')).toBe('numeric');
    }
    expect(doc.querySelector('form#verify input[type="hidden"][name="code"]')).not.toBeNull();
    const target = findOtpTarget(doc);
    expect(target?.kind).toBe('segmented');
    expect(target?.kind === 'segmented' && target.inputs).toEqual(boxes);
  });

  it('segmented: the page script moves focus box to box and joins the digits on submit', async () => {
    const { window, doc } = parse((await get(`/custom/otp?user=${PAT}&variant=segmented`)).text, true);
    await window.happyDOM.waitUntilComplete();
    const boxes = [...doc.querySelectorAll<HTMLInputElement>('.otp-boxes .digit')];
    boxes[0]?.focus();
    '123456'.split('').forEach((d, i) => {
      const box = boxes[i] as HTMLInputElement;
      box.value = d;
      box.dispatchEvent(new window.Event('input', { bubbles: true }) as unknown as Event);
      if (i < 5) expect(doc.activeElement).toBe(boxes[i + 1]);
    });
    const form = doc.getElementById('verify') as HTMLFormElement;
    form.dispatchEvent(new window.Event('submit', { cancelable: true }) as unknown as Event);
    expect((doc.querySelector('input[name="code"]') as HTMLInputElement).value).toBe('123456');
  });

  it('escapes the user name', async () => {
    const r = await get(`/custom/otp?user=${encodeURIComponent('"><script>x</script>')}`);
    expect(r.text).not.toContain('<script>x');
    expect(parse(r.text).doc.querySelector('input[name="username"]')?.getAttribute('value')).toBe('"><script>x</script>');
  });

  it('unknown variant 404; GET /custom/verify 405; other /custom/ paths 404', async () => {
    expect((await get(`/custom/otp?user=${PAT}&variant=grid`)).status).toBe(404);
    expect((await get('/custom/verify')).status).toBe(405);
    expect((await get('/custom/nothing')).status).toBe(404);
  });
});

describe('POST /custom/verify (Keycloak OTP login rules)', () => {
  it('accepts the right code, updating the device; rejects it reused and a wrong one', async () => {
    const c = code();
    expect(await verify({ username: PAT, mfa_code: c })).toEqual({ status: 200, result: 'Verified' });
    const device = sim.users.find((u) => u.username === PAT)?.devices[0];
    expect(device?.lastUsedAt).toBeTypeOf('number');
    expect(device?.lastAcceptedStep).toBe(Math.floor(sim.now() / 30_000));
    expect(await verify({ username: PAT, mfa_code: c })).toEqual({ status: 401, result: 'Invalid code' });
    const wrong = String((Number(code()) + 1) % 1_000_000).padStart(6, '0');
    expect(await verify({ username: PAT, mfa_code: wrong })).toEqual({ status: 401, result: 'Invalid code' });
  });

  it('reads verification_code and code too, and accepts ±1 step but not ±2', async () => {
    expect((await verify({ username: PAT, verification_code: code(-1) })).status).toBe(200);
    expect((await verify({ username: PAT, code: code(1) })).status).toBe(200);
    expect((await verify({ username: PAT, code: code(-2) })).status).toBe(401);
    expect((await verify({ username: PAT, code: code(2) })).status).toBe(401);
  });

  it('uses the server clock, offset included', async () => {
    const realNow = Date.now();
    centerClock(5 * 60_000);
    expect((await verify({ username: PAT, mfa_code: code(0, realNow) })).status).toBe(401);
    expect((await verify({ username: PAT, mfa_code: code() })).status).toBe(200);
  });

  it('shares the reuse state with the Keycloak login (a code used here is used there)', async () => {
    const c = code();
    expect((await verify({ username: PAT, mfa_code: c })).status).toBe(200);
    const device = sim.users.find((u) => u.username === PAT)?.devices[0];
    expect(Object.keys(device?.usedCodes ?? {})).toContain(c);
  });

  it('rejects an unknown user, a missing code and a code of the wrong length', async () => {
    expect((await verify({ username: 'nobody@example.com', mfa_code: code() })).status).toBe(401);
    expect((await verify({ username: PAT })).status).toBe(401);
    expect((await verify({ username: PAT, mfa_code: `${code()}0` })).status).toBe(401);
  });

  it(`locks the user after ${MAX_OTP_FAILURES} wrong codes, like the OTP login; unlock restores`, async () => {
    for (let i = 0; i < MAX_OTP_FAILURES; i++) expect((await verify({ username: PAT, mfa_code: '000000' })).status).toBe(401);
    expect((await verify({ username: PAT, mfa_code: code() })).status).toBe(401);
    sim.unlock(PAT);
    expect((await verify({ username: PAT, mfa_code: code() })).status).toBe(200);
  });
});
