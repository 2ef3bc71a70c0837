/**
 * The options page's "Self-hosted platforms" in real browsers: addresses the page refuses before
 * asking the browser anything, the browser's permission request, the content script registered on
 * the self-hosted simulator host (it fills the code there like on ThingPark's own hosts), access
 * taken back in the browser and given again, and removal.
 *
 * One file per options-page section; its helpers (address form, the browser's permissions and
 * registered scripts) serve only it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'puppeteer-core';
import { afterEach, describe, expect, it } from 'vitest';
import { SELF_HOSTED_HOST } from '../browsers.mjs';
import { FIREFOX_FAST_SUSPEND, KIND, pollUntil } from './harness';
import { earlyCodeUsed, enroll, filledOtp, nextStep, onDashboard, signIn, startPlatform, submitAndWait, type Platform } from './platform';
import { byName, press } from './ui';

const SELF = `https://${SELF_HOSTED_HOST}`;
/** What the page asks the browser for: the host on any port (Firefox patterns cannot name a port). */
const PATTERN = `${SELF}/*`;
const SCRIPT_ID = `platform:${PATTERN}`;
/** What the background registers for the platform: the QR reader on Keycloak's required-action pages, then the page script. */
const SCRIPTS = [
  { id: `${SCRIPT_ID}:setup`, matches: [PATTERN.replace(/\/\*$/, '/*/login-actions/required-action*')], js: ['qr-reader.js'] },
  { id: SCRIPT_ID, matches: [PATTERN], js: ['thingpark.js'] },
  { id: `${SCRIPT_ID}:otp`, matches: [PATTERN.replace(/\/\*$/, '/*/login-actions/authenticate*')], js: ['otp-prefetch.js document_start'] },
];

const MESSAGES = {
  invalid: 'This is not a web address.',
  notHttps: 'The address must start with https://',
  builtIn: 'This is a ThingPark Enterprise address that works already',
  exists: 'This platform is already in the list.',
  refused: 'The browser did not allow access to this platform, so it was not added.',
};

let platforms: Platform[] = [];
async function platform(opts: Parameters<typeof startPlatform>[0] = {}) {
  const p = await startPlatform(opts);
  platforms.push(p);
  return p;
}
afterEach(async () => {
  for (const p of platforms) await p.close();
  platforms = [];
  pageErrors.length = 0;
});
/** Uncaught errors of the options pages this file opened. */
const pageErrors: string[] = [];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async function openOptions(p: Platform): Promise<Page> {
  const page = await p.s.openExtPage('options.html');
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await byName(page, 'Platform address');
  // The list has loaded (empty or not).
  await pollUntil(page, () => !document.querySelector('section[aria-labelledby="platforms-title"] [aria-busy="true"]'));
  return page;
}

/** Replaces the address as a user does, then adds it with a click or with Enter. */
async function submitAddress(page: Page, text: string, how: 'click' | 'enter' = 'click') {
  const field = await byName(page, 'Platform address');
  await field.evaluate((el) => {
    (el as HTMLInputElement).value = '';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await field.click();
  await field.type(text);
  if (how === 'enter') await page.keyboard.press('Enter');
  else await press(page, 'Add platform');
}

/** The error the address field announces: it is marked invalid and described by the error. */
async function addressError(page: Page): Promise<string> {
  const field = await byName(page, 'Platform address');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const text = await field.evaluate((el) => {
      if (el.getAttribute('aria-invalid') !== 'true') return '';
      const error = (el.getAttribute('aria-describedby') ?? '')
        .split(/\s+/)
        .map((id) => document.getElementById(id))
        .find((e) => e?.getAttribute('role') === 'alert');
      return error?.textContent?.trim() ?? '';
    });
    if (text) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the address field shows no error');
}

/** Waits for the section's status region (added / removed) to say what `re` matches. */
async function sectionStatus(page: Page, re: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await page
      .evaluate(() => document.querySelector('section[aria-labelledby="platforms-title"] > [role=status]')?.textContent ?? '')
      .catch(() => '');
    if (re.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the status says "${text}", not ${re}`);
}

/** The list as shown: one entry per platform, its whole text. */
const shownPlatforms = (page: Page) =>
  page.evaluate(() => {
    const list = document.querySelector('ul[aria-labelledby="platform-list-title"]');
    return [...(list?.querySelectorAll('li') ?? [])].map((li) => li.textContent ?? '');
  });

const focusedName = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el?.getAttribute('aria-label') ?? el?.textContent?.trim() ?? '';
  });

/** The browser's side, read in an extension page: our access to the host, our registered scripts. */
async function browserSide(p: Platform): Promise<{ permitted: boolean; scripts: { id: string; matches: string[]; js: string[] }[] }> {
  const page = await extPage(p);
  return page.evaluate(async (pattern) => {
    const api = (globalThis as any).browser ?? (globalThis as any).chrome;
    const permitted = await api.permissions.contains({ origins: [pattern] });
    type Registered = { id: string; matches?: string[]; js?: string[]; runAt?: string };
    const scripts = ((await api.scripting.getRegisteredContentScripts()) as Registered[]).map((s) => ({
      id: s.id,
      matches: s.matches ?? [],
      // The early OTP request must run as the page starts loading; the others as in the manifest.
      js: (s.js ?? []).map((f) => f.replace(/^\//, '') + (s.id.endsWith(':otp') ? ` ${s.runAt}` : '')),
    }));
    return { permitted, scripts };
  }, PATTERN);
}

const extPages = new WeakMap<Platform, Page>();
async function extPage(p: Platform): Promise<Page> {
  let page = extPages.get(p);
  if (!page || page.isClosed()) {
    page = await p.s.openExtPage('popup.html');
    extPages.set(p, page);
  }
  return page;
}

const storedPlatforms = async (p: Platform) => ((await p.s.storageLocal()).platforms ?? []) as { origin: string }[];

let axeSource: string | null = null;
/** axe-core on this section only (the other sections have their own tests). */
async function sectionViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object'))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as any).axe;
    const result = await axe.run({ include: [['section[aria-labelledby="platforms-title"]']] }, { resultTypes: ['violations'] });
    if (!result.passes.length) throw new Error('axe checked nothing');
    return result.violations.map((v: any) => ({ id: v.id, targets: v.nodes.map((n: any) => n.target.join(' ')) }));
  });
}
async function expectAccessible(page: Page, state: string) {
  expect(await sectionViolations(page), state).toEqual([]);
}

/**
 * Chromium: the user allows the host in the browser's own extension settings (chrome://extensions,
 * "Site access"): `developerPrivate.addHostPermission` is what that page's "Add a site" dialog
 * calls. This grants nothing by itself (`permissions.contains` stays false); Chromium records
 * the site as approved by the user, and the page's real `permissions.request` for it then resolves
 * true without showing its prompt, which puppeteer could not answer. Firefox: nothing to do
 * (the test pref `extensions.webextOptionalPermissionPrompts: false` skips its prompt).
 */
async function allowInSiteSettings(p: Platform) {
  if (KIND !== 'chromium') return;
  const id = new URL(p.s.extOrigin).host;
  const settings = await p.s.browser.newPage();
  try {
    await settings.goto(`chrome://extensions/?id=${id}`);
    await settings.evaluate((extensionId, pattern) => (globalThis as any).chrome.developerPrivate.addHostPermission(extensionId, pattern), id, PATTERN);
  } finally {
    await settings.close();
  }
}

/**
 * Replaces the page's `permissions.request` by one that answers `answer` and records what it was
 * asked (Chromium: the extension page's own `chrome.permissions`, which the polyfill calls).
 */
async function stubPermissionRequest(page: Page, answer: boolean) {
  await page.evaluate((a) => {
    const g = globalThis as any;
    g.__permissionRequests = [];
    const fake = (perms: unknown, callback?: (granted: boolean) => void) => {
      g.__permissionRequests.push(perms);
      callback?.(a);
      return Promise.resolve(a);
    };
    g.chrome.permissions.request = fake;
    if (g.browser?.permissions) g.browser.permissions.request = fake;
  }, answer);
}
const permissionRequests = (page: Page) => page.evaluate(() => (globalThis as any).__permissionRequests as unknown[]);

/**
 * Console errors of our pages and scripts, and uncaught ones. Chromium's own "Failed to load
 * resource" lines are the simulator's 404s (its pages have no favicon), not ours.
 */
const errorLogs = (p: Platform) => [
  ...pageErrors,
  ...p.s.logs.filter((l) => /error|exception|uncaught|unhandled|failed/i.test(l) && !/^Failed to load resource: the server responded with a status of 404\b/.test(l)),
];

// ---------------------------------------------------------------------------------------------

describe(`self-hosted platforms in ${KIND}`, () => {
  it('refuses invalid, http, built-in and duplicate addresses before asking the browser; lists, keeps and removes a platform', async () => {
    const p = await platform();
    const page = await openOptions(p);
    expect(await page.evaluate(() => document.body.innerText)).toContain('No self-hosted platform added yet.');
    expect(await page.evaluate(() => document.getElementById('platform-url-hint')?.textContent)).toBe(
      'The browser asks you to allow access to that address; the extension then fills codes there like on ThingPark’s own hosts.',
    );
    await expectAccessible(page, 'empty list');
    if (KIND === 'chromium') await stubPermissionRequest(page, true);

    await submitAddress(page, 'not a web address');
    expect(await addressError(page)).toContain(MESSAGES.invalid);
    await expectAccessible(page, 'an error shown');
    // Focus is back in the field, for the correction.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('platform-url');

    await submitAddress(page, `http://${SELF_HOSTED_HOST}/`, 'enter');
    const why = await addressError(page);
    expect(why).toContain(MESSAGES.notHttps);
    expect(why).toContain('encrypted'); // says why
    expect(why).toContain('localhost');

    await submitAddress(page, 'https://community.thingpark.io/auth/realms/tpw-users-actility-tpe-ope/account');
    expect(await addressError(page)).toContain(MESSAGES.builtIn);
    // Typing clears the error.
    await (await byName(page, 'Platform address')).type('x');
    await pollUntil(page, () => document.getElementById('platform-url')?.getAttribute('aria-invalid') !== 'true');

    // A platform added earlier whose access the user later took back in the browser's settings.
    await (await extPage(p)).evaluate(
      (origin) => ((globalThis as any).browser ?? (globalThis as any).chrome).storage.local.set({ platforms: [{ origin, addedAt: Date.now() }] }),
      SELF,
    );
    await page.close();
    const listed = await openOptions(p);
    expect(await shownPlatforms(listed)).toEqual([expect.stringContaining(SELF)]);
    const [row] = await shownPlatforms(listed);
    expect(row).toContain('No account bound to it');
    expect(row).toContain('Access was removed in the browser');
    await byName(listed, `Allow again ${SELF}`, 'button');
    await expectAccessible(listed, 'list with one platform');
    if (KIND === 'chromium') await stubPermissionRequest(listed, false);

    // The same host on another port is the same platform for the browser (one permission, one script).
    await submitAddress(listed, `https://${SELF_HOSTED_HOST}:8443/auth/`);
    expect(await addressError(listed)).toContain(MESSAGES.exists);

    if (KIND === 'chromium') {
      // None of those reached the browser's permission prompt.
      expect(await permissionRequests(listed)).toEqual([]);
      // Allow again, refused by the user: said in the row; nothing changes.
      await press(listed, `Allow again ${SELF}`);
      await pollUntil(listed, () => document.body.innerText.includes('the extension still cannot fill codes there'));
      expect(await permissionRequests(listed)).toEqual([{ origins: [PATTERN] }]);
    }

    // Remove: an inline confirmation takes focus; Escape cancels and gives focus back.
    await press(listed, `Remove ${SELF}`);
    await pollUntil(listed, () => document.activeElement?.textContent === 'Remove platform');
    const confirmation = await listed.evaluate(() => document.querySelector('[role=group]')?.textContent ?? '');
    expect(confirmation).toContain(`Remove ${SELF}?`);
    expect(confirmation).toContain('The accounts bound to it are kept');
    expect(confirmation).toContain('stop filling codes there');
    await expectAccessible(listed, 'removal confirmation');
    await listed.keyboard.press('Escape');
    await pollUntil(listed, () => !document.querySelector('[role=group]'));
    expect(await focusedName(listed)).toBe(`Remove ${SELF}`); // at once, not after a detour via <body>
    expect(await storedPlatforms(p)).toHaveLength(1);

    await listed.keyboard.press('Enter'); // the focused Remove button
    await pollUntil(listed, () => document.activeElement?.textContent === 'Remove platform');
    await listed.keyboard.press('Enter');
    await sectionStatus(listed, /was removed\. Its accounts are kept\./);
    expect(await listed.evaluate(() => document.body.innerText)).toContain('No self-hosted platform added yet.');
    expect(await storedPlatforms(p)).toEqual([]);
    expect(errorLogs(p)).toEqual([]);
  });

  if (KIND === 'chromium') {
    /*
     * Chromium's permission prompt is native UI that puppeteer cannot answer (even with
     * --apps-gallery-install-auto-confirm-for-tests the request never settles). The grant is
     * covered by the test below through the browser's own site-access settings; the user's "Deny"
     * and a page that lies are covered here:
     * (1) the user refuses: `permissions.request` resolves false, which is the browser's answer
     *     when the user clicks Deny (stubbed in the page); (2) the page claims a grant it did not
     *     get (stub resolves true): the background checks `permissions.contains` itself and refuses.
     * Either way nothing is stored and no content script is registered.
     */
    it('a refused permission adds nothing; a page claiming a grant the browser did not give is refused by the background', async () => {
      const p = await platform();
      const page = await openOptions(p);

      await stubPermissionRequest(page, false);
      await submitAddress(page, `https://${SELF_HOSTED_HOST}/auth/realms/tpw-users-actility-tpe-ope/account`);
      expect(await addressError(page)).toContain(MESSAGES.refused);
      expect(await permissionRequests(page)).toEqual([{ origins: [PATTERN] }]);
      expect(await storedPlatforms(p)).toEqual([]);
      expect((await browserSide(p)).scripts).toEqual([]);

      await stubPermissionRequest(page, true);
      await press(page, 'Add platform');
      // The page asked again and went on to the background, which found no grant.
      await pollUntil(page, () => (globalThis as any).__permissionRequests.length === 1);
      expect(await addressError(page)).toContain(MESSAGES.refused);
      const direct = await p.s.send({ type: 'platforms.add', url: SELF });
      expect(direct).toMatchObject({ ok: false, error: { code: 'permission-refused' } });
      expect(await storedPlatforms(p)).toEqual([]);
      expect(await browserSide(p)).toEqual({ permitted: false, scripts: [] });
      expect(await shownPlatforms(page)).toEqual([]);
      expect(errorLogs(p)).toEqual([]);
    });
  }

  it('adds a platform with the real permission request; the code is filled there, also after a background restart, until it is removed', async () => {
    // Firefox: Mozilla's own test pref makes permissions.request grant without showing the
    // doorhanger. Chromium: see allowInSiteSettings(). Either way the page's real
    // permissions.request does the grant, and it has to come from the user's input (Firefox
    // throws otherwise), which this test's Enter key press is.
    const p = await platform({ firefoxPrefs: { 'extensions.webextOptionalPermissionPrompts': false, ...FIREFOX_FAST_SUSPEND } });
    const page = await openOptions(p);
    expect(await browserSide(p)).toEqual({ permitted: false, scripts: [] });
    await allowInSiteSettings(p);
    expect((await browserSide(p)).permitted).toBe(false); // nothing granted before the page asks

    await submitAddress(page, `${SELF}/auth/realms/tpw-users-actility-tpe-ope/account`, 'enter');
    await sectionStatus(page, new RegExp(`${SELF.replace(/\./g, '\\.')} was added`));
    expect(await shownPlatforms(page)).toEqual([expect.stringContaining(SELF)]);
    expect((await shownPlatforms(page))[0]).toContain('Access allowed');
    expect(await storedPlatforms(p)).toMatchObject([{ origin: SELF }]);
    expect(await browserSide(p)).toEqual({ permitted: true, scripts: SCRIPTS });
    expect(await page.evaluate(() => (document.getElementById('platform-url') as HTMLInputElement).value)).toBe('');
    await expectAccessible(page, 'list with one platform');

    // Enrolled on the self-hosted host through the extension: its script fills the setup page there.
    await enroll(p, 'jane.doe@example.com', { base: SELF });
    expect((await p.s.send({ type: 'accounts.list' })).value).toMatchObject([{ accountName: 'jane.doe@example.com', origin: SELF }]);

    // The login there gets its code, and the simulator takes it.
    nextStep(p);
    const login = await signIn(p, 'jane.doe@example.com', { base: SELF });
    const startedAt = Date.now();
    await filledOtp(login);
    const fillMs = Date.now() - startedAt;
    // The platform's third script asked for the code as the OTP page started loading, and the
    // page script took its answer (used or not: right after the enrollment it is "wait").
    if (KIND === 'chromium') expect(await earlyCodeUsed(login, p.s.extOrigin)).not.toBeNull();
    await submitAndWait(login, '#kc-login');
    expect(await onDashboard(login)).toBe(true);
    await login.close();

    // The background restarts (event page suspended): the registration is still there and works.
    await p.s.restartBackground();
    expect((await browserSide(p)).scripts).toEqual(SCRIPTS);
    nextStep(p);
    const again = await signIn(p, 'jane.doe@example.com', { base: SELF });
    await filledOtp(again);
    await submitAndWait(again, '#kc-login');
    expect(await onDashboard(again)).toBe(true);
    await again.close();

    // The user takes access back in the browser's settings (they call the same): the page says so,
    // the script goes; "Allow again" asks the browser again and the script comes back.
    await page.close();
    const options = await openOptions(p);
    expect((await shownPlatforms(options))[0]).toContain('1 account bound to it');
    await (await extPage(p)).evaluate((pattern) => ((globalThis as any).browser ?? (globalThis as any).chrome).permissions.remove({ origins: [pattern] }), PATTERN);
    await pollUntil(options, () => document.body.innerText.includes('Access was removed in the browser'));
    await pollUntil(await extPage(p), () => ((globalThis as any).browser ?? (globalThis as any).chrome).scripting.getRegisteredContentScripts().then((s: unknown[]) => s.length === 0));
    await expectAccessible(options, 'access removed');
    await allowInSiteSettings(p);
    await press(options, `Allow again ${SELF}`);
    await pollUntil(options, () => document.body.innerText.includes('is allowed again'));
    expect((await shownPlatforms(options))[0]).toContain('Access allowed');
    await pollUntil(await extPage(p), () => ((globalThis as any).browser ?? (globalThis as any).chrome).scripting.getRegisteredContentScripts().then((s: unknown[]) => s.length === 3));
    expect(await browserSide(p)).toEqual({ permitted: true, scripts: SCRIPTS });

    // Removed: permission released, script unregistered, the account kept.
    await press(options, `Remove ${SELF}`);
    await press(options, 'Remove platform');
    await sectionStatus(options, /was removed/);
    expect(await browserSide(p)).toEqual({ permitted: false, scripts: [] });
    expect(await storedPlatforms(p)).toEqual([]);
    expect((await p.s.send({ type: 'accounts.list' })).value).toHaveLength(1);

    // A new page load there is no longer filled: well past the time the fill took above.
    nextStep(p);
    const after = await signIn(p, 'jane.doe@example.com', { base: SELF });
    await after.waitForSelector('#otp');
    await new Promise((r) => setTimeout(r, Math.max(2000, 4 * fillMs)));
    expect(await after.evaluate(() => (document.getElementById('otp') as HTMLInputElement).value)).toBe('');
    expect(await after.evaluate(() => !!document.querySelector('thingpark-autofill-notice'))).toBe(false);
    expect(errorLogs(p)).toEqual([]);
  });
});
