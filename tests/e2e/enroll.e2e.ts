import { describe, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { KIND, pollUntil } from './harness';
import { byName, press } from './ui';
import { leaks } from './secrets';
import { FIXED_DEVICES } from '../simulator/server.mjs';
import {
  BASE,
  DEFAULT_REALM,
  filledOtp,
  filledSetup,
  issuedSecret,
  type Listed,
  nextStep,
  noticeOf,
  onDashboard,
  PASSPHRASE,
  type Platform,
  platformPerTest,
  signIn,
  submitAndWait,
  untilListed,
} from './platform';

const platform = platformPerTest();

const browserLabel = KIND === 'chromium' ? 'Chromium' : 'Firefox';

describe(`enrollment in ${KIND}`, () => {
  it('reads the QR code, fills code and device name, keeps the account from the fill (unconfirmed), and confirms it once Keycloak accepts it', async () => {
    const p = await platform();
    const page = await signIn(p, 'jane.doe@example.com');
    const filled = await filledSetup(page);
    expect(filled.label).toBe(`ThingPark Autofill · ${browserLabel} on Linux`);
    await noticeOf(page, /filled/);
    // In the vault from the fill on, marked unconfirmed, not yet submitted; sealed
    // like any account: storage.local has no trace of the secret.
    const [written] = await untilListed(p.s, (l) => l.length === 1 && l[0]!.unconfirmed?.submittedAt === null, 'the account written at the fill, unconfirmed');
    expect(written).toMatchObject({ accountName: 'jane.doe@example.com', deviceName: filled.label, unconfirmed: { filledAt: expect.any(Number), submittedAt: null } });
    expect(leaks(JSON.stringify(await p.s.storageLocal()), await issuedSecret(page))).toEqual([]);

    await submitAndWait(page, '#saveTOTPBtn');
    await page.waitForSelector('h1');
    expect(await page.evaluate(() => document.querySelector('h1')?.textContent)).toBe('ThingPark Enterprise');
    await noticeOf(page, /Saved jane\.doe@example\.com/);

    const devices = p.sim.devices(DEFAULT_REALM, 'jane.doe@example.com');
    expect(devices.map((d: { label: string }) => d.label)).toEqual([filled.label]);
    // Confirmed: the same account, no longer marked.
    const accounts = await untilListed(p.s, (l) => l.length === 1 && l[0]!.unconfirmed === null, 'the account confirmed by the page after the submit');
    expect(accounts[0]!.id).toBe(written!.id);
    expect(accounts[0]).toMatchObject({
      issuer: 'ThingPark Enterprise',
      accountName: 'jane.doe@example.com',
      origin: BASE,
      realm: DEFAULT_REALM,
      deviceName: filled.label,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    });

    // The popup lists it.
    const popup = await p.s.openExtPage('popup.html');
    await pollUntil(popup, () => document.body.innerText.includes('jane.doe@example.com'));
    expect(await popup.evaluate(() => document.body.innerText)).toContain('community.thingpark.io');

    // The secret is nowhere in plaintext: not in storage.local, any console, the popup, or the
    // dashboard's DOM (the extension hands nothing to pages but the code it fills).
    const secret = devices[0]!.secretBase32 as string;
    expect(leaks(JSON.stringify(await p.s.storageLocal()), secret)).toEqual([]);
    expect(leaks(p.s.logs.join('\n'), secret)).toEqual([]);
    expect(leaks(await popup.evaluate(() => document.documentElement.outerHTML), secret)).toEqual([]);
    expect(leaks(await page.evaluate(() => document.documentElement.outerHTML), secret)).toEqual([]);
  });
});

describe(`enrollment variants in ${KIND}`, () => {
  const accounts = async (p: Platform) => (await p.s.send({ type: 'accounts.list' })).value as Listed[];
  /** The vault lists exactly one account, filled and not yet submitted (the refused one is gone). */
  const onlyTheNewFill = (l: Listed[]) => l.length === 1 && l[0]!.unconfirmed != null && l[0]!.unconfirmed.submittedAt === null;
  const onSetupPage = (page: import('puppeteer-core').Page) => page.evaluate(() => !!document.getElementById('kc-totp-settings-form'));

  it('keycloak.v2 theme', async () => {
    const p = await platform();
    const page = await signIn(p, 'v2.user@example.com');
    expect(await page.evaluate(() => !!document.querySelector('.pf-v5-c-form'))).toBe(true);
    const filled = await filledSetup(page);
    await submitAndWait(page, '#saveTOTPBtn');
    await noticeOf(page, /Saved v2\.user@example\.com/);
    expect(p.sim.devices(DEFAULT_REALM, 'v2.user@example.com').map((d: { label: string }) => d.label)).toEqual([filled.label]);
  });

  it('manual mode ("Unable to scan?"): the key and policy are read from the page', async () => {
    const p = await platform();
    const page = await signIn(p, 'jane.doe@example.com');
    await filledSetup(page);
    await Promise.all([page.waitForNavigation(), page.click('#mode-manual')]);
    await page.waitForSelector('#kc-totp-secret-key');
    expect(await page.$('#kc-totp-secret-qr-code')).toBeNull();
    const filled = await filledSetup(page);
    await submitAndWait(page, '#saveTOTPBtn');
    await noticeOf(page, /Saved jane\.doe@example\.com/);
    expect(await accounts(p)).toMatchObject([{ accountName: 'jane.doe@example.com', deviceName: filled.label }]);
  });

  it('a user who already has a device gets a distinct, required device name', async () => {
    const p = await platform();
    await p.s.send({ type: 'settings.update', settings: { deviceName: 'Pixel 7' } }); // collides on purpose
    const page = await signIn(p, 'pat@example.com');
    // First the OTP page of the existing phone, typed by hand (filling logins is another feature).
    const pixel = FIXED_DEVICES.patPixel7;
    const code = new TOTP({ secret: Secret.fromBase32(pixel.secretBase32) }).generate();
    await page.waitForSelector('#otp');
    await page.type('#otp', code);
    await submitAndWait(page, '#kc-login');
    const filled = await filledSetup(page);
    expect(filled.label).toBe('Pixel 7'); // we cannot know Keycloak's list: Keycloak tells us
    await submitAndWait(page, '#saveTOTPBtn');
    // Keycloak refuses the duplicate name; the extension removes that account and picks a variant.
    await noticeOf(page, /Device already exists/);
    const again = await filledSetup(page);
    expect(again.label).toBe('Pixel 7 (2)');
    const [refilled] = await untilListed(p.s, onlyTheNewFill, 'only the new fill listed (the refused account removed)');
    expect(refilled!.deviceName).toBe('Pixel 7 (2)');
    await submitAndWait(page, '#saveTOTPBtn');
    await noticeOf(page, /Saved pat@example\.com/);
    await untilListed(p.s, (l) => l.length === 1 && l[0]!.unconfirmed === null && l[0]!.deviceName === 'Pixel 7 (2)', 'the new account confirmed');
    expect(p.sim.devices(DEFAULT_REALM, 'pat@example.com').map((d: { label: string }) => d.label)).toEqual(['Pixel 7', 'Pixel 7 (2)']);
  });

  it('SHA256, 8 digits, 60 seconds are taken from the QR code', async () => {
    const p = await platform();
    const page = await signIn(p, 'sha@example.com', { realm: 'tpw-users-sha256-ope' });
    const filled = await filledSetup(page);
    expect(filled.totp).toMatch(/^\d{8}$/);
    await submitAndWait(page, '#saveTOTPBtn');
    await noticeOf(page, /Saved sha@example\.com/);
    expect(await accounts(p)).toMatchObject([{ algorithm: 'SHA256', digits: 8, period: 60, realm: 'tpw-users-sha256-ope' }]);
  });

  it('a locked vault fills nothing, says so, and fills without a reload once unlocked', async () => {
    const p = await platform();
    await p.s.send({ type: 'vault.lock' });
    const page = await signIn(p, 'jane.doe@example.com');
    const notice = await noticeOf(page, /locked/i);
    expect(notice.tone).toBe('info');
    expect(await page.evaluate(() => (document.getElementById('totp') as HTMLInputElement).value)).toBe('');
    const url = page.url();
    expect((await p.s.send({ type: 'vault.unlock', passphrase: PASSPHRASE })).ok).toBe(true);
    await filledSetup(page);
    expect(page.url()).toBe(url);
    await noticeOf(page, /filled/);
  });

  it('an unreadable QR code: a clear error, nothing filled, nothing stored', async () => {
    const p = await platform();
    const page = await signIn(p, 'badqr@example.com');
    const notice = await noticeOf(page, /QR code could not be read/);
    expect(notice.tone).toBe('error');
    expect(await page.evaluate(() => (document.getElementById('totp') as HTMLInputElement).value)).toBe('');
    expect(await accounts(p)).toEqual([]);
  });

  it('a QR code that disagrees with the form: refused, nothing stored', async () => {
    const p = await platform();
    const page = await signIn(p, 'mismatch@example.com');
    await noticeOf(page, /different secrets/);
    expect(await page.evaluate(() => (document.getElementById('totp') as HTMLInputElement).value)).toBe('');
    expect(await accounts(p)).toEqual([]);
  });

  it('Keycloak refusing the code: that account removed, what Keycloak said is shown, a new code is filled', async () => {
    const p = await platform();
    const page = await signIn(p, 'jane.doe@example.com');
    await filledSetup(page);
    await untilListed(p.s, onlyTheNewFill, 'the account written at the fill, unconfirmed');
    await page.evaluate(() => {
      (document.getElementById('totp') as HTMLInputElement).value = '000000';
    });
    await submitAndWait(page, '#saveTOTPBtn');
    const notice = await noticeOf(page, /Invalid authenticator code/);
    expect(notice.tone).toBe('error');
    await filledSetup(page);
    // The refused account (its submit recorded) is gone; the one listed is the new fill's.
    await untilListed(p.s, onlyTheNewFill, 'only the new fill listed (the refused account removed)');
    // No auto-submit loop: still on the setup page until the user submits.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await onSetupPage(page)).toBe(true);
    await submitAndWait(page, '#saveTOTPBtn');
    await noticeOf(page, /Saved/);
    await untilListed(p.s, (l) => l.length === 1 && l[0]!.unconfirmed === null, 'one account, confirmed');
  });

  it("a setup the application asks for (kc_action): Cancel saves nothing; Submit saves the account, which then logs in", async () => {
    const p = await platform();
    const user = 'multi@example.com';
    const labels = () => p.sim.devices(DEFAULT_REALM, user).map((d: { label: string }) => d.label);
    // Logged in with an existing phone, typed by hand (no account of ours for it).
    const page = await signIn(p, user);
    const pixel = FIXED_DEVICES.multiPixel7;
    await page.waitForSelector('#otp'); // Pixel 7 is selected
    await page.type('#otp', new TOTP({ secret: Secret.fromBase32(pixel.secretBase32) }).generate());
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
    const asked = p.sim.loginUrl(DEFAULT_REALM, { base: BASE, extra: { kc_action: 'CONFIGURE_TOTP' } });

    // Cancel: filled like any setup page, but Keycloak adds nothing and neither do we.
    await page.goto(asked);
    await filledSetup(page);
    await submitAndWait(page, '#cancelTOTPBtn');
    const answered = (status: string) => p.sim.log.some((l: { path: string }) => l.path.startsWith('/tpe/?') && l.path.includes(`kc_action_status=${status}`));
    expect(answered('cancelled')).toBe(true);
    expect(await onDashboard(page)).toBe(true);
    // The page report and the background's own check of the loaded tab (1.5 s) have both passed.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await page.evaluate(() => document.querySelector('thingpark-autofill-notice')?.getAttribute('data-text') ?? '')).toBe('');
    expect(await accounts(p)).toEqual([]);
    expect(labels()).toEqual(['Pixel 7', 'Work phone']);

    // Submit: saved once Keycloak has the device.
    await page.goto(asked);
    const filled = await filledSetup(page);
    await submitAndWait(page, '#saveTOTPBtn');
    await page.waitForSelector('h1');
    expect(answered('success')).toBe(true);
    await noticeOf(page, new RegExp(`Saved ${user}`));
    expect(labels()).toEqual(['Pixel 7', 'Work phone', filled.label]);
    expect(await accounts(p)).toMatchObject([{ accountName: user, deviceName: filled.label }]);
    await page.close();

    // The next login picks our device among the three and Keycloak accepts the code.
    nextStep(p);
    const login = await signIn(p, user);
    await filledOtp(login);
    await submitAndWait(login, '#kc-login');
    expect(await onDashboard(login)).toBe(true);
  });

  it('"Submit automatically" off (default) waits for the user; on, it submits by itself', async () => {
    const p = await platform();
    const first = await signIn(p, 'sam@example.com');
    await filledSetup(first);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await onSetupPage(first)).toBe(true);

    const options = await p.s.openExtPage('options.html');
    await (await byName(options, 'Submit automatically', 'checkbox')).click();
    await press(options, 'Save settings');
    await pollUntil(options, () => document.body.innerText.includes('Settings saved'));

    const page = await signIn(p, 'alex@example.com');
    await page.waitForSelector('h1');
    await noticeOf(page, /Saved alex@example\.com/);
    // Alex's is confirmed; Sam's, filled in the tab still open and never submitted, is kept unconfirmed.
    const listed = await untilListed(p.s, (l) => l.some((a) => a.accountName === 'alex@example.com' && a.unconfirmed === null), "alex's account confirmed");
    const state = (a: Listed) => (a.unconfirmed === null ? 'confirmed' : a.unconfirmed.submittedAt === null ? 'filled, not submitted' : 'submitted');
    expect(listed.map((a) => [a.accountName, state(a)]).sort()).toEqual([
      ['alex@example.com', 'confirmed'],
      ['sam@example.com', 'filled, not submitted'],
    ]);
  });

  it("follows ThingPark's clock (Date header) when this computer's is off: Keycloak checks the setup code by its own time", async () => {
    const p = await platform();
    p.sim.setClockOffset(5 * 60_000); // ThingPark is five minutes ahead of us
    const page = await signIn(p, 'jane.doe@example.com');
    await filledSetup(page);
    // Filled at once by our clock, then corrected once the page's Date header has been read.
    const raw = await page.evaluate(() => (document.getElementById('totpSecret') as HTMLInputElement).value);
    const totp = new TOTP({ secret: new Secret({ buffer: new Uint8Array(Buffer.from(raw, 'latin1')).buffer }) });
    const deadline = Date.now() + 10_000;
    let filled = '';
    for (;;) {
      filled = await page.evaluate(() => (document.getElementById('totp') as HTMLInputElement).value);
      const serverNow = Date.now() + 5 * 60_000;
      if ([serverNow - 30_000, serverNow, serverNow + 30_000].some((timestamp) => totp.generate({ timestamp }) === filled)) break;
      if (Date.now() > deadline) throw new Error(`the setup code ${filled} is not ThingPark's (its clock is five minutes ahead)`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await submitAndWait(page, '#saveTOTPBtn');
    await noticeOf(page, /Saved jane\.doe@example\.com/);
    expect(p.sim.devices(DEFAULT_REALM, 'jane.doe@example.com')).toHaveLength(1);
    // The corrected code was filled for the same account: one entry, not one per fill.
    await untilListed(p.s, (l) => l.length === 1 && l[0]!.unconfirmed === null, 'one account, confirmed');
  });

  it('a setup form rendered late by scripts is still found and filled', async () => {
    const p = await platform();
    const page = await signIn(p, 'jane.doe@example.com');
    await filledSetup(page);
    await page.goto(`${page.url()}&late=all`);
    await page.waitForSelector('#kc-totp-secret-qr-code');
    const filled = await filledSetup(page);
    await submitAndWait(page, '#saveTOTPBtn');
    await noticeOf(page, /Saved/);
    expect(p.sim.devices(DEFAULT_REALM, 'jane.doe@example.com').map((d: { label: string }) => d.label)).toEqual([filled.label]);
  });
});
