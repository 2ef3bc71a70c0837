/**
 * Logging in on the simulated ThingPark in a real browser: the code filled on the OTP page (and
 * the one asked for early), the next code within one step, device selection in both themes,
 * other algorithms, several accounts and the chooser, another origin, a page that cannot talk to
 * the extension, auto-submit, a locked vault, and the server's clock. One file per feature; the
 * cases share the fill-timing and sign-in helpers below.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'puppeteer-core';
import { KIND, pollUntil } from './harness';
import { FIXED_DEVICES } from '../simulator/server.mjs';
import {
  BASE,
  DEFAULT_REALM,
  earlyCodeUsed,
  enroll,
  filledOtp,
  nextStep,
  noticeOf,
  onDashboard,
  PASSPHRASE,
  type Platform,
  platformPerTest,
  signIn,
  type SignInOptions,
  submitAndWait,
} from './platform';

const platform = platformPerTest();

/** DOMContentLoaded → code in #otp, measured in the page (recorded by a script added before load). */
const fillTimes: number[] = [];
async function recordFillTime(page: Page) {
  await page.evaluateOnNewDocument(() => {
    document.addEventListener(
      'input',
      (e) => {
        const t = e.target as HTMLInputElement;
        if (t.id === 'otp' && !(window as any).__filledAt) (window as any).__filledAt = performance.now();
      },
      true,
    );
  });
}
async function fillTime(page: Page) {
  const ms = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const filled = (window as any).__filledAt as number | undefined;
    return nav && filled ? filled - nav.domContentLoadedEventStart : null;
  });
  if (ms != null) fillTimes.push(ms);
}
afterAll(() => {
  if (!fillTimes.length) return;
  const sorted = [...fillTimes].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`[measure] ${KIND}: DOMContentLoaded → filled #otp, median ${median.toFixed(1)} ms over ${sorted.length} logins (min ${sorted[0]!.toFixed(1)}, max ${sorted.at(-1)!.toFixed(1)})`);
});

/** Signs in up to the OTP page with the fill timer installed. */
async function toOtpPage(p: Platform, username: string, o: SignInOptions = {}) {
  const page = await signIn(p, username, {
    ...o,
    prepare: async (tab) => {
      await recordFillTime(tab);
      await o.prepare?.(tab);
    },
  });
  await page.waitForSelector('#otp');
  return page;
}

/** The filled code, once there; records the fill latency. */
async function otpFilled(page: Page, timeoutMs?: number) {
  const code = await filledOtp(page, timeoutMs);
  await fillTime(page);
  return code;
}

describe(`login in ${KIND}`, () => {
  it('fills the code on the OTP page with no click; Keycloak accepts it', async () => {
    const p = await platform();
    await enroll(p, 'jane.doe@example.com');
    nextStep(p);
    const login = await toOtpPage(p, 'jane.doe@example.com');
    await otpFilled(login);
    await submitAndWait(login, '#kc-login');
    expect(await onDashboard(login)).toBe(true);
  });

  it('the code asked for as the OTP page starts loading is the one filled; Keycloak accepts it', async () => {
    // A device the user has had for a while, its account added by hand: no code of this step is
    // used yet (right after an enrollment the early answer is "wait", and the page asks again).
    const secret = new Secret({ size: 20 }).base32;
    const p = await platform({ simUsers: [{ username: 'early@example.com', devices: [{ secret, label: 'Laptop' }] }] });
    const added = await p.s.send({
      type: 'accounts.add',
      dryRun: false,
      accounts: [{ uri: `otpauth://totp/ThingPark:early%40example.com?secret=${secret}&issuer=ThingPark`, origin: BASE, realm: DEFAULT_REALM, deviceName: 'Laptop' }],
    });
    expect(added.ok).toBe(true);
    const login = await toOtpPage(p, 'early@example.com');
    await otpFilled(login);
    // Chromium: read in the extension's content-script world (Firefox's cannot be reached).
    if (KIND === 'chromium') expect(await earlyCodeUsed(login, p.s.extOrigin)).toBe(true);
    await submitAndWait(login, '#kc-login');
    expect(await onDashboard(login)).toBe(true);
  });

  it('two logins inside one step: the second waits for the next code instead of a refused one', async () => {
    const p = await platform();
    // Enrollment and login must fall in one 30 s step: start early in a step.
    const left = 30_000 - (Date.now() % 30_000);
    if (left < 20_000) await new Promise((r) => setTimeout(r, left + 100));
    await enroll(p, 'sam@example.com');
    // The setup code's step is used; logging in right away must not reuse it.
    const page = await toOtpPage(p, 'sam@example.com');
    const startedAt = Date.now();
    await noticeOf(page, /already used/);
    expect(await page.evaluate(() => (document.getElementById('otp') as HTMLInputElement).value)).toBe('');
    await otpFilled(page, 35_000);
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(33_000);
  }, 120_000); // waits for a step boundary, then up to a whole step for the next code

  it('several devices (classic): selects ours, not the pre-selected phone', async () => {
    const p = await platform({ simUsers: [{ username: 'multi@example.com', requiredActions: ['CONFIGURE_TOTP'] }] });
    await enrollWithPhone(p, 'multi@example.com', FIXED_DEVICES.multiPixel7.secretBase32);
    nextStep(p);
    const page = await toOtpPage(p, 'multi@example.com');
    await recordAndCheckSelection(page, 'classic');
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
  });

  it('several devices (keycloak.v2 tiles): selects ours the way a click does', async () => {
    const p = await platform({ simUsers: [{ username: 'multi-v2@example.com', requiredActions: ['CONFIGURE_TOTP'] }] });
    await enrollWithPhone(p, 'multi-v2@example.com', FIXED_DEVICES.multiV2Pixel7.secretBase32);
    nextStep(p);
    const page = await toOtpPage(p, 'multi-v2@example.com');
    await recordAndCheckSelection(page, 'v2');
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
  });

  it('SHA256, 8 digits, 60 s', async () => {
    const p = await platform();
    await enroll(p, 'sha@example.com', { realm: 'tpw-users-sha256-ope' });
    nextStep(p, 60);
    const page = await toOtpPage(p, 'sha@example.com', { realm: 'tpw-users-sha256-ope' });
    expect(await otpFilled(page)).toMatch(/^\d{8}$/);
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
  });

  it('two accounts on one platform: the attempted user name picks; with no name shown, a chooser', async () => {
    const p = await platform();
    await enroll(p, 'sam@example.com');
    await enroll(p, 'alex@example.com');
    nextStep(p);
    const alex = await toOtpPage(p, 'alex@example.com');
    await otpFilled(alex);
    await submitAndWait(alex, '#kc-login');
    expect(await onDashboard(alex)).toBe(true);

    nextStep(p);
    const page = await signInNamelessly(p, 'sam@example.com');
    const chooser = await noticeOf(page, /Which account/);
    expect(chooser.tone).toBe('choose');
    // Asked before the page was read, the background could not tell whose login this is: that
    // early answer was not used, the page asked again with what it shows.
    if (KIND === 'chromium') expect(await earlyCodeUsed(page, p.s.extOrigin)).toBe(false);
    // Only how many: the names stay inside the closed shadow root, out of the page's reach.
    expect(await page.evaluate(() => document.querySelector('thingpark-autofill-notice')?.getAttribute('data-count'))).toBe('2');
    expect(await page.evaluate(() => (document.getElementById('otp') as HTMLInputElement).value)).toBe('');
    // By keyboard: the chooser has focus on the first entry (sam, enrolled first); down to alex,
    // down again wraps back to sam, Enter picks. Keycloak accepts only sam's code.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await filledOtp(page);
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
    expect(await page.evaluate(() => document.getElementById('tpe-username')?.textContent)).toBe('sam@example.com');
  });

  it('many accounts on one platform and no name on the page: the chooser filters as you type', async () => {
    const p = await platform();
    await enroll(p, 'jane.doe@example.com');
    // Support staff: eight more accounts on the same platform and realm, added by hand.
    const others = Array.from({ length: 8 }, (_, i) => ({
      uri: `otpauth://totp/ThingPark%20Enterprise:customer${i}%40example.com?secret=${new Secret({ size: 20 }).base32}&issuer=ThingPark%20Enterprise`,
      origin: 'https://community.thingpark.io',
      realm: DEFAULT_REALM,
      deviceName: '',
    }));
    expect((await p.s.send({ type: 'accounts.add', accounts: others, dryRun: false })).ok).toBe(true);
    nextStep(p);
    const page = await signInNamelessly(p, 'jane.doe@example.com');
    await noticeOf(page, /Which account/);
    // The filter has focus: type part of the name, Enter picks the first match.
    await page.keyboard.type('jane');
    await page.keyboard.press('Enter');
    await otpFilled(page);
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
  });

  it('an account enrolled on one ThingPark origin gets no code on another origin', async () => {
    const p = await platform();
    await enroll(p, 'jane.doe@example.com');
    nextStep(p);
    // The same simulator, realm and user, but under another host name.
    const page = await toOtpPage(p, 'jane.doe@example.com', { base: 'https://other.thingpark.com' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await page.evaluate(() => (document.getElementById('otp') as HTMLInputElement).value)).toBe('');
  });

  it('the page hears nothing from the extension and cannot switch off its watch for a late form', async () => {
    const p = await platform();
    await enroll(p, 'jane.doe@example.com');
    nextStep(p);
    const page = await toOtpPage(p, 'jane.doe@example.com', {
      prepare: async (tab) => {
        // The page's own scripts, before anything else: they note every message posted to the
        // window and every event on the document a content-script framework would use, and try
        // to stop content scripts the way WXT's context lets a page do (an event on `document`
        // naming the script), before the OTP form arrives.
        await tab.evaluateOnNewDocument(() => {
          const heard: string[] = ((window as any).__heard = []);
          // Event types a content script announced itself with (WXT's carry the extension's id).
          const types = new Set(['wxt:content-script-started']);
          window.addEventListener('message', (e) => {
            heard.push(`message: ${JSON.stringify(e.data)}`);
            if (typeof e.data?.type === 'string') types.add(e.data.type);
          });
          const stop = () => {
            for (const type of types) {
              for (const name of ['thingpark', 'thingpark.content', 'content-scripts/thingpark']) {
                document.dispatchEvent(new CustomEvent(type, { detail: { contentScriptName: name, messageId: 'page' } }));
              }
            }
          };
          document.addEventListener('DOMContentLoaded', () => setTimeout(stop, 50));
          window.addEventListener('load', stop);
        });
      },
    });
    // The form arrives late (`late=1`: inserted by the page's script after the extension's start).
    await page.goto(`${page.url()}&late=1`);
    await page.waitForSelector('#otp');
    expect(await filledOtp(page)).toMatch(/^\d{6}$/);
    expect(await page.evaluate(() => (window as any).__heard)).toEqual([]);
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
  });

  it('auto-submit on: logs in by itself; a refused code is shown and never re-submitted', async () => {
    const p = await platform();
    await enroll(p, 'jane.doe@example.com');
    await p.s.send({ type: 'settings.update', settings: { autoSubmit: true } });
    nextStep(p);
    const page = await signIn(p, 'jane.doe@example.com');
    await pollUntil(page, () => document.getElementById('tpe-logout') !== null);

    // A refused code: make the next one fail by hand, then see that nothing loops.
    nextStep(p);
    await p.s.send({ type: 'settings.update', settings: { autoSubmit: false } });
    const again = await signIn(p, 'jane.doe@example.com');
    await filledOtp(again);
    await p.s.send({ type: 'settings.update', settings: { autoSubmit: true } });
    // A wrong code submitted in one step in the page, so no refresh of ours can slip in between.
    await Promise.all([
      again.waitForNavigation(),
      again.evaluate(() => {
        (document.getElementById('otp') as HTMLInputElement).value = '000000';
        (document.getElementById('kc-otp-login-form') as HTMLFormElement).requestSubmit(document.getElementById('kc-login') as HTMLElement);
      }),
    ]);
    expect(await again.evaluate(() => !!document.getElementById('otp'))).toBe(true);
    await noticeOf(again, /refused the code/);
    await filledOtp(again);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await again.evaluate(() => !!document.getElementById('otp'))).toBe(true);
  });

  it('locked: nothing filled, a notice; unlocked from the toolbar: filled without reload', async () => {
    const p = await platform();
    await enroll(p, 'jane.doe@example.com');
    nextStep(p);
    await p.s.send({ type: 'vault.lock' });
    const page = await toOtpPage(p, 'jane.doe@example.com');
    await noticeOf(page, /locked/);
    expect(await page.evaluate(() => (document.getElementById('otp') as HTMLInputElement).value)).toBe('');
    await p.s.send({ type: 'vault.unlock', passphrase: PASSPHRASE });
    await filledOtp(page);
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
  });

  it("follows the server's clock (Date header) when this computer's is off", async () => {
    const p = await platform();
    await enroll(p, 'alex@example.com');
    p.sim.setClockOffset(5 * 60_000); // ThingPark is five minutes ahead of us
    const page = await toOtpPage(p, 'alex@example.com');
    await noticeOf(page, /clock differs/);
    await filledOtp(page);
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
  });
});

/**
 * Up to the OTP page with nothing telling the extension who logs in: the page omits the
 * attempted user name (as some custom themes do) and the password form is submitted by script,
 * without a submit event, so the typed name is not remembered either.
 */
async function signInNamelessly(p: Platform, username: string): Promise<Page> {
  p.sim.hideAttemptedUsername = true;
  await p.s.browser.deleteCookie(...(await p.s.browser.cookies()));
  const page = await p.s.browser.newPage();
  await page.goto(p.sim.loginUrl(DEFAULT_REALM, { base: 'https://community.thingpark.io' }));
  await page.waitForSelector('#username');
  await page.evaluate((name) => {
    (document.getElementById('username') as HTMLInputElement).value = name;
    (document.getElementById('password') as HTMLInputElement).value = 'demo-password';
    (document.getElementById('kc-form-login') as HTMLFormElement).submit();
  }, username);
  await page.waitForSelector('#otp');
  return page;
}

/** Enrolls a user who already has a phone: types the phone's code, then lets the extension enroll. */
async function enrollWithPhone(p: Platform, username: string, phoneSecret: string) {
  const page = await signIn(p, username);
  await page.waitForSelector('#otp');
  // The extension has no account for this user yet, so it leaves the field alone.
  await page.type('#otp', new TOTP({ secret: Secret.fromBase32(phoneSecret) }).generate());
  await submitAndWait(page, '#kc-login');
  await page.waitForSelector('#userLabel');
  await pollUntil(page, () => (document.getElementById('userLabel') as HTMLInputElement).value !== '');
  await submitAndWait(page, '#saveTOTPBtn');
  await noticeOf(page, /Saved/);
  await page.close();
}

async function recordAndCheckSelection(page: Page, theme: 'classic' | 'v2') {
  await filledOtp(page);
  const selected = await page.evaluate((th) => {
    if (th === 'classic') {
      const radio = document.querySelector<HTMLInputElement>('input[name=selectedCredentialId]:checked');
      return document.querySelector(`label[for="${radio?.id}"] .pf-c-tile__title`)?.textContent?.trim();
    }
    const id = (document.getElementById('selectedCredentialId') as HTMLInputElement).value;
    const tile = [...document.querySelectorAll('.pf-v5-c-tile')].find((t) => t.getAttribute('onclick')?.includes(id));
    return tile?.classList.contains('pf-m-selected') ? tile.querySelector('.pf-v5-c-tile__title')?.textContent?.trim() : `not selected (${id})`;
  }, theme);
  expect(selected).toMatch(/^ThingPark Autofill · /);
}
