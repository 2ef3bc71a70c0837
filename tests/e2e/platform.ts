import { afterEach } from 'vitest';
/**
 * A ThingPark platform for e2e tests: the simulator over HTTPS, reached by the browser under the
 * real hostname https://community.thingpark.io so that the production build's content-script
 * matches apply (Chromium: host-resolver rules; Firefox: a local CONNECT proxy).
 */
import type { Page } from 'puppeteer-core';
import { createSimulator, DEFAULT_REALM, DEMO_PASSWORD } from '../simulator/server.mjs';
import { launch, pollUntil, type LaunchOptions, type Session } from './harness';
import { Secret } from 'otpauth';

export const BASE = 'https://community.thingpark.io';
export const PASSPHRASE = 'correct horse battery staple';
export { DEFAULT_REALM, DEMO_PASSWORD };

export type Simulator = Awaited<ReturnType<typeof createSimulator>>;

export interface Platform {
  sim: Simulator;
  s: Session;
  close(): Promise<void>;
}

export async function startPlatform(opts: LaunchOptions & { unlocked?: boolean; simUsers?: unknown[] } = {}): Promise<Platform> {
  const sim = await createSimulator({ https: true, port: 0, ...(opts.simUsers ? { users: opts.simUsers } : {}) } as never);
  const s = await launch({ ...opts, thingparkPort: sim.port });
  if (opts.unlocked ?? true) {
    const reply = await s.send({ type: 'vault.create', passphrase: PASSPHRASE, confirm: PASSPHRASE });
    if (!reply?.ok) throw new Error(`vault.create failed: ${JSON.stringify(reply)}`);
  }
  return {
    sim,
    s,
    async close() {
      await s.close();
      await sim.close();
    },
  };
}

/** A test file's `platform()`: each platform it starts is closed after the test that started it. */
export function platformPerTest(): (opts?: Parameters<typeof startPlatform>[0]) => Promise<Platform> {
  const started: Platform[] = [];
  afterEach(async () => {
    for (const p of started.splice(0)) await p.close();
  });
  return async (opts = {}) => {
    const p = await startPlatform(opts);
    started.push(p);
    return p;
  };
}

/** Opens the platform's login page for a realm and signs in with user name and password. */
export interface SignInOptions {
  realm?: string;
  theme?: 'v2';
  keepCookies?: boolean;
  base?: string;
  /** Runs on the new tab before it loads anything (e.g. evaluateOnNewDocument). */
  prepare?: (page: Page) => Promise<void>;
}

export async function signIn(p: Platform, username: string, o: SignInOptions = {}): Promise<Page> {
  // A fresh Keycloak session, as another person would have: the single sign-on cookie of an
  // earlier login in this browser would skip the password page.
  if (!o.keepCookies) {
    const cookies = await p.s.browser.cookies();
    if (cookies.length) await p.s.browser.deleteCookie(...cookies);
  }
  const page = await p.s.browser.newPage();
  await o.prepare?.(page);
  await page.bringToFront();
  await page.goto(p.sim.loginUrl(o.realm ?? DEFAULT_REALM, { base: o.base ?? BASE, ...(o.theme ? { theme: o.theme } : {}) }));
  await page.waitForSelector('#username');
  await page.type('#username', username);
  await page.type('#password', DEMO_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('#kc-login')]);
  return page;
}

/** The extension's notice in the page: its tone and text (read from the host element). */
export async function noticeOf(page: Page, re: RegExp, timeoutMs = 10_000): Promise<{ tone: string; text: string }> {
  const { source, flags } = re;
  const deadline = Date.now() + timeoutMs;
  let last = { tone: '', text: '' };
  while (Date.now() < deadline) {
    last = await page
      .evaluate(() => {
        const host = document.querySelector('thingpark-autofill-notice');
        return { tone: host?.getAttribute('data-tone') ?? '', text: host?.getAttribute('data-text') ?? '' };
      })
      .catch(() => last);
    if (new RegExp(source, flags).test(last.text)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no notice matching ${re} (last: ${JSON.stringify(last)})`);
}

/**
 * Signs `username` in and lets the extension fill the one-time code: whether Keycloak accepted it
 * (the application's dashboard came next).
 */
export async function signsInWithFilledCode(p: Platform, username: string): Promise<boolean> {
  const login = await signIn(p, username);
  await login.waitForSelector('#otp');
  await filledOtp(login);
  await submitAndWait(login, '#kc-login');
  return onDashboard(login);
}

/** Values of the setup form's fields once the extension filled them. */
export async function filledSetup(page: Page): Promise<{ totp: string; label: string }> {
  return (await pollUntil(page, () => {
    const totp = (document.getElementById('totp') as HTMLInputElement | null)?.value ?? '';
    const label = (document.getElementById('userLabel') as HTMLInputElement | null)?.value ?? '';
    return /^\d{6,10}$/.test(totp) && label ? { totp, label } : null;
  }))!;
}

export async function submitAndWait(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** Enrolls `username` through the extension (setup page filled, submitted, accepted) and logs out. */
export async function enroll(p: Platform, username: string, o: { realm?: string; base?: string } = {}): Promise<string> {
  const page = await signIn(p, username, o);
  const { label } = await filledSetup(page);
  await submitAndWait(page, '#saveTOTPBtn');
  await noticeOf(page, /Saved/);
  await page.close();
  return label;
}

/**
 * Moves the server's clock one period ahead (and the look-around with it) so that a login right
 * after an enrollment does not have to wait for the next step; the extension follows the server's
 * clock (Date header), which is what these tests then exercise.
 */
export function nextStep(p: Platform, periodS = 30): void {
  p.sim.setClockOffset(p.sim.clockOffsetMs + periodS * 1000);
}

/** Waits for the OTP field to hold a code; returns it. */
export async function filledOtp(page: Page, timeoutMs = 10_000): Promise<string> {
  return (await pollUntil(
    page,
    () => {
      const v = (document.getElementById('otp') as HTMLInputElement | null)?.value ?? '';
      return /^\d{6,10}$/.test(v) ? v : '';
    },
    timeoutMs,
  ))!;
}

/**
 * Chromium only: whether the OTP page's page script used the code asked for as the page started
 * loading (otp-prefetch.js), read in the extension's content-script world of the top frame over
 * CDP (entrypoints/thingpark/runner.ts records it there); null when the page script took none.
 */
export async function earlyCodeUsed(page: Page, extOrigin: string): Promise<boolean | null> {
  const cdp = await page.createCDPSession();
  try {
    const contexts: { id: number; origin: string; auxData?: { frameId?: string; isDefault?: boolean } }[] = [];
    cdp.on('Runtime.executionContextCreated', (e) => contexts.push(e.context));
    // Enabling reports the contexts that exist already.
    await cdp.send('Runtime.enable');
    const { frameTree } = await cdp.send('Page.getFrameTree');
    const ours = contexts.find((c) => c.origin === extOrigin && c.auxData?.frameId === frameTree.frame.id && !c.auxData?.isDefault);
    if (!ours) throw new Error('no content-script world of the extension in this page');
    const { result } = await cdp.send('Runtime.evaluate', { contextId: ours.id, expression: 'globalThis.__thingparkAutofillPrefetchUsed ?? null', returnByValue: true });
    return result.value as boolean | null;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** On the dashboard after a successful login? */
export const onDashboard = (page: Page) => page.evaluate(() => document.querySelector('h1')?.textContent === 'ThingPark Enterprise' && !!document.getElementById('tpe-logout'));

/** An account as `accounts.list` gives it (lib/protocol/messages.ts, AccountSummary): what the tests read. */
export interface Listed {
  id: string;
  accountName: string;
  issuer: string;
  origin: string;
  realm: string | null;
  deviceName: string;
  /** Set while ThingPark has not shown that it has this authenticator. */
  unconfirmed: { filledAt: number; submittedAt: number | null } | null;
}

/**
 * Every account in the vault, through the public protocol. Firefox refuses a message that
 * arrives while its event page is being suspended ("Receiving end does not exist": not
 * delivered); asked again then, as the extension's own client does.
 */
export async function listAccounts(s: Session): Promise<Listed[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const reply = await s.send({ type: 'accounts.list' });
      if (!reply?.ok) throw new Error(`accounts.list failed: ${JSON.stringify(reply)}`);
      return reply.value as Listed[];
    } catch (e) {
      if (attempt >= 3 || !/Receiving end does not exist/.test(String(e))) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Polls `accounts.list` until `check` holds; fails naming `what` and showing the last list. */
export async function untilListed(s: Session, check: (accounts: Listed[]) => boolean, what: string, timeoutMs = 10_000): Promise<Listed[]> {
  const deadline = Date.now() + timeoutMs;
  let last: Listed[] = [];
  for (;;) {
    last = await listAccounts(s);
    if (check(last)) return last;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const shown = last.slice(0, 10).map(({ accountName, deviceName, unconfirmed }) => ({ accountName, deviceName, unconfirmed }));
  const more = last.length > shown.length ? ` and ${last.length - shown.length} more` : '';
  throw new Error(`waited ${timeoutMs / 1000} s for ${what}; the vault lists ${JSON.stringify(shown)}${more}`);
}

/** The base32 secret the vault holds for an account (accounts.reveal, a full key derivation). */
export async function vaultSecretOf(s: Session, id: string): Promise<string> {
  const reply = await s.send({ type: 'accounts.reveal', id, passphrase: PASSPHRASE });
  if (!reply?.ok) throw new Error(`accounts.reveal failed: ${JSON.stringify(reply)}`);
  return new URL(reply.value.uri as string).searchParams.get('secret') ?? '';
}

/** The secret Keycloak's setup page in `page` issued (its hidden field holds it raw), in base32. */
export async function issuedSecret(page: Page): Promise<string> {
  const raw = await page.evaluate(() => (document.getElementById('totpSecret') as HTMLInputElement).value);
  return new Secret({ buffer: new Uint8Array(Buffer.from(raw, 'latin1')).buffer }).base32;
}
