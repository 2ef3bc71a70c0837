/**
 * In a real browser on the ThingPark simulator: never lose an authenticator that
 * ThingPark has. Keycloak registers the device while it handles the setup form's POST, before it
 * answers; the extension writes the account to the vault the moment it fills the setup form
 * ("unconfirmed"), and removes it only on proof that ThingPark does not have it.
 *
 * Kept whatever becomes of ThingPark's answer, then filled and accepted at the next login (which
 * confirms it):
 * - the tab is closed at the dashboard's DOMContentLoaded, right after Keycloak accepted the code;
 * - the tab is closed after Submit, once Keycloak has registered the device, before its answer;
 * - the browser is closed at that moment, and started again on the same profile.
 * Removed, where ThingPark has no device: Keycloak refuses the code; Keycloak's Cancel; filled,
 * never submitted, tab closed.
 * The vault locked and the background stopped between fill, Submit and answer are in faults.e2e.ts.
 */
import type { Page } from 'puppeteer-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { FIXED_DEVICES } from '../simulator/server.mjs';
import { KIND, launch, within, type Session } from './harness';
import {
  BASE, DEFAULT_REALM, filledOtp, filledSetup, issuedSecret, listAccounts, nextStep, noticeOf, onDashboard, PASSPHRASE, signIn, startPlatform,
  submitAndWait, untilListed, vaultSecretOf, type Listed, type Platform,
} from './platform';

const JANE = 'jane.doe@example.com'; // no authenticator yet: Keycloak shows the setup page
const MULTI = 'multi@example.com'; // two phones already: the application asks for a setup (kc_action)

let cleanups: (() => Promise<void>)[] = [];
/** A fresh simulator and browser with an unlocked, empty vault, for each test (and each retry). */
async function platform(): Promise<Platform> {
  const p = await startPlatform();
  cleanups.push(() => p.close());
  return p;
}
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

const of = (user: string) => (accounts: Listed[]) => accounts.filter((a) => a.accountName === user);
const labels = (p: Platform, user: string): string[] => p.sim.devices(DEFAULT_REALM, user).map((d) => d.label);

/** The account of `user`, once the vault lists exactly one for that user satisfying `check`. */
async function theAccount(p: Platform, user: string, check: (a: Listed) => boolean, what: string): Promise<Listed> {
  const listed = await untilListed(p.s, (l) => of(user)(l).length === 1 && check(of(user)(l)[0]!), what);
  return of(user)(listed)[0]!;
}

/** Clicks the setup page's Submit as a user does (the extension holds it until it has noted it). */
const clickSubmit = (page: Page) => page.evaluate(() => (document.getElementById('saveTOTPBtn') as HTMLElement).click());

/**
 * The filled setup page is submitted and Keycloak registers the device, but the browser never
 * gets its answer: `gone` (closing the tab or the browser) happens while the answer is held, then
 * the answer is dropped. Returns what was filled and the secret ThingPark now has.
 */
async function submitUnanswered(p: Platform, page: Page, gone: () => Promise<unknown>): Promise<{ filled: { label: string }; secret: string }> {
  const filled = await filledSetup(page);
  const secret = await issuedSecret(page);
  const hold = p.sim.holdSetupAnswers();
  await clickSubmit(page);
  const held = await within(20_000, "the setup form's POST", hold.next());
  expect(held.outcome).toBe('registered');
  await gone();
  held.drop(); // the browser never gets Keycloak's answer
  await hold.stop();
  expect(p.sim.devices(DEFAULT_REALM, JANE)).toMatchObject([{ label: filled.label, secretBase32: secret }]);
  return { filled, secret };
}

/**
 * Logs in as `user` (the server clock a step ahead: the setup code counts as used): the OTP page
 * must be filled by the extension, and ThingPark must accept the code. The dashboard stays open
 * (its page tells the extension that the login was accepted) until the vault has the account
 * confirmed.
 */
async function logsInAndConfirms(p: Platform, user: string): Promise<void> {
  nextStep(p);
  const page = await signIn(p, user);
  await filledOtp(page).catch((e) => {
    throw new Error(`the OTP page of ${user} was not filled (no account of the vault fits it): ${String(e).slice(0, 100)}`);
  });
  await submitAndWait(page, '#kc-login');
  expect(await onDashboard(page), 'ThingPark accepted the filled code').toBe(true);
  await theAccount(p, user, (a) => a.unconfirmed === null, 'the account confirmed by the accepted login');
  await page.close();
}

describe(`an authenticator ThingPark has is never lost, in ${KIND}`, () => {
  it("the tab is closed at the dashboard's DOMContentLoaded, right after Keycloak accepted the code: kept, and the next login fills it", async () => {
    const p = await platform();
    const page = await signIn(p, JANE);
    const filled = await filledSetup(page);
    const secret = await issuedSecret(page);
    // Closed as soon as the dashboard's DOM is there (before its load event, after which the
    // page's script would report it).
    const closed = new Promise<void>((resolve, reject) => {
      page.once('domcontentloaded', () => void page.close().then(resolve, reject));
    });
    await clickSubmit(page);
    await within(20_000, "the dashboard's DOMContentLoaded", closed);
    expect(p.sim.log.some((e) => e.method === 'GET' && e.path === '/tpe/' && e.status === 200), 'the dashboard was served').toBe(true);
    // ThingPark has the device; the vault has its secret.
    expect(p.sim.devices(DEFAULT_REALM, JANE)).toMatchObject([{ label: filled.label, secretBase32: secret }]);
    const kept = await theAccount(p, JANE, () => true, `${JANE}'s account (ThingPark has its device)`);
    expect(kept.deviceName).toBe(filled.label);
    expect(await vaultSecretOf(p.s, kept.id)).toBe(secret);
    await logsInAndConfirms(p, JANE);
  });

  it("the tab is closed after Submit, once Keycloak registered the device, before its answer: kept unconfirmed, and the next login fills it", async () => {
    const p = await platform();
    const page = await signIn(p, JANE);
    const { filled, secret } = await submitUnanswered(p, page, () => page.close());
    const kept = await theAccount(p, JANE, (a) => a.unconfirmed?.submittedAt != null, `${JANE}'s account, unconfirmed, its submit recorded`);
    expect(kept.deviceName).toBe(filled.label);
    expect(await vaultSecretOf(p.s, kept.id)).toBe(secret);
    await logsInAndConfirms(p, JANE);
  });

  it('the browser is closed after Submit, once Keycloak registered the device, and started again: kept, unlocked, and the next login fills it', async () => {
    const p = await platform();
    const page = await signIn(p, JANE);
    const first = p.s;
    const { filled, secret } = await submitUnanswered(p, page, () => first.browser.close());

    // The same profile again (vault.e2e.ts: a browser restart), locked as after any restart.
    const second: Session = await launch({ profileDir: first.profileDir, thingparkPort: p.sim.port });
    // Closed before the first, which owns the profile (removed with it).
    cleanups.push(() => second.close());
    const again: Platform = { sim: p.sim, s: second, close: () => second.close() };
    expect((await second.send({ type: 'vault.status' })).value.state).toBe('locked');
    expect((await second.send({ type: 'vault.unlock', passphrase: PASSPHRASE })).ok).toBe(true);
    const kept = await theAccount(again, JANE, (a) => a.unconfirmed?.submittedAt != null, `${JANE}'s account after the restart, unconfirmed, its submit recorded`);
    expect(kept.deviceName).toBe(filled.label);
    expect(await vaultSecretOf(second, kept.id)).toBe(secret);
    await logsInAndConfirms(again, JANE);
  });
});

describe(`an authenticator ThingPark does not have is removed, in ${KIND}`, () => {
  it('Keycloak refuses the code: that account is removed, the new code filled is the only one, and gone once its tab closes unsubmitted', async () => {
    const p = await platform();
    const page = await signIn(p, JANE);
    await filledSetup(page);
    const refusedSecret = await issuedSecret(page);
    const first = await theAccount(p, JANE, (a) => a.unconfirmed?.submittedAt === null, 'the account written at the fill, unconfirmed');
    expect(await vaultSecretOf(p.s, first.id)).toBe(refusedSecret);
    // A code Keycloak refuses (none of the three steps it accepts).
    const totp = new TOTP({ secret: Secret.fromBase32(refusedSecret) });
    const at = p.sim.now();
    const wrong = ['000000', '111111', '222222'].find((c) => [-30_000, 0, 30_000].every((d) => totp.generate({ timestamp: at + d }) !== c))!;
    await page.evaluate((code) => {
      (document.getElementById('totp') as HTMLInputElement).value = code;
    }, wrong);
    await submitAndWait(page, '#saveTOTPBtn');
    await noticeOf(page, /Invalid authenticator code/);
    expect(p.sim.devices(DEFAULT_REALM, JANE)).toEqual([]);

    // The page shows a new secret and the extension fills its code: the refused one is gone,
    // the new one is written, not yet submitted.
    await filledSetup(page);
    const newSecret = await issuedSecret(page);
    expect(newSecret).not.toBe(refusedSecret);
    const now = await theAccount(p, JANE, (a) => a.unconfirmed != null && a.unconfirmed.submittedAt === null, 'only the new fill listed (the refused account removed)');
    expect(await vaultSecretOf(p.s, now.id)).toBe(newSecret);

    // Never submitted, its tab closed: ThingPark has nothing, and neither has the vault.
    await page.close();
    await untilListed(p.s, (l) => of(JANE)(l).length === 0, `no account of ${JANE} once the unsubmitted tab closed`);
    expect(p.sim.devices(DEFAULT_REALM, JANE)).toEqual([]);
  });

  it("Keycloak's Cancel on a setup the application asked for: the account filled is removed", async () => {
    const p = await platform();
    const page = await signIn(p, MULTI);
    await page.waitForSelector('#otp'); // Pixel 7 selected; typed by hand (no account of ours)
    await page.type('#otp', new TOTP({ secret: Secret.fromBase32(FIXED_DEVICES.multiPixel7.secretBase32) }).generate());
    await submitAndWait(page, '#kc-login');
    expect(await onDashboard(page)).toBe(true);
    await page.goto(p.sim.loginUrl(DEFAULT_REALM, { base: BASE, extra: { kc_action: 'CONFIGURE_TOTP' } }));
    const filled = await filledSetup(page);
    const written = await theAccount(p, MULTI, (a) => a.unconfirmed?.submittedAt === null, 'the account written at the fill, unconfirmed');
    expect(written.deviceName).toBe(filled.label);

    await submitAndWait(page, '#cancelTOTPBtn');
    expect(await onDashboard(page)).toBe(true);
    expect(p.sim.log.some((e) => e.path.startsWith('/tpe/?') && e.path.includes('kc_action_status=cancelled'))).toBe(true);
    await untilListed(p.s, (l) => of(MULTI)(l).length === 0, `no account of ${MULTI} after Cancel`);
    // Still none once the dashboard's own report (300 ms after its load event) and the
    // background's check of the loaded tab (1.5 s after it) have come: neither confirms it.
    await new Promise((r) => setTimeout(r, 2500));
    expect(of(MULTI)(await listAccounts(p.s))).toEqual([]);
    expect(labels(p, MULTI)).toEqual(['Pixel 7', 'Work phone']);
  });

  it('filled, never submitted, its tab closed: removed', async () => {
    const p = await platform();
    const page = await signIn(p, JANE);
    const filled = await filledSetup(page);
    const written = await theAccount(p, JANE, (a) => a.unconfirmed?.submittedAt === null, 'the account written at the fill, unconfirmed');
    expect(written.deviceName).toBe(filled.label);
    await page.close();
    await untilListed(p.s, (l) => of(JANE)(l).length === 0, `no account of ${JANE} once the unsubmitted tab closed`);
    expect(p.sim.devices(DEFAULT_REALM, JANE)).toEqual([]);
  });
});
