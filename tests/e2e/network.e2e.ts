/**
 * The extension makes no network request but one kind: the content script's same-origin `HEAD` on a
 * Keycloak page that fills a code (setup, OTP), once per page, for the server's `Date` header, sent
 * without cookies (SECURITY.md, Network).
 * Every request of the browser is recorded while the extension starts, the vault is unlocked in
 * the popup, an account is enrolled on the simulated ThingPark (QR code read, form filled, code
 * accepted), the user logs in with the filled code, and the popup and the options page are open:
 *
 * - the browser's own record (Chromium: its net log, every URL request with its initiator;
 *   Firefox: the test proxy, through which all its traffic goes) must hold nothing but the
 *   simulated ThingPark host, apart from Chromium's own services (see `browserOwn`);
 * - the simulator's record of what reached ThingPark (with the request's headers) must hold only
 *   what the page itself does (the test's navigations, Keycloak's form posts, the redirects the
 *   server answered with, the browser's favicon request) and the extension's HEAD. They are told
 *   apart by the Fetch Metadata headers (`Sec-Fetch-*`), which the browser sets and no script can
 *   forge: a script's request is never a `navigate` to a `document`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THINGPARK_HOSTS } from '../browsers.mjs';
import type { LogEntry } from '../simulator/server.mjs';
import { KIND, pollUntil, type NetRequest } from './harness';
import { BASE, enroll, filledOtp, nextStep, onDashboard, PASSPHRASE, signIn, startPlatform, submitAndWait, type Platform } from './platform';
import { byName, press, typeInto } from './ui';

const JANE = 'jane.doe@example.com';
const HOST = new URL(BASE).host;

/** The Keycloak realm's base URL: where the content script asks for the server's clock. */
const CLOCK_PATH = /^(\/auth)?\/realms\/[^/]+\/$/;

/**
 * What reached the simulator, each request with the reason it is allowed, or `null` when nothing
 * but the extension can have made it. In order, so that a redirect is matched with its answer.
 */
function classify(log: readonly LogEntry[]): { entry: LogEntry; why: string | null }[] {
  const redirects: string[] = [];
  return log.map((entry) => {
    const h = entry.headers;
    const url = `https://${entry.host}${entry.path}`;
    const navigation = h['sec-fetch-mode'] === 'navigate' && h['sec-fetch-dest'] === 'document';
    let why: string | null = null;
    if (entry.host !== HOST) why = null;
    // Opened by the test, as from the address bar: only ThingPark's login address.
    else if (navigation && entry.method === 'GET' && h['sec-fetch-site'] === 'none' && entry.path.includes('/protocol/openid-connect/auth?')) why = 'the test opened the login page';
    // Keycloak's own forms (password, setup, one-time code), submitted by the test's clicks.
    else if (navigation && entry.method === 'POST' && h['sec-fetch-site'] === 'same-origin') why = "the page's form post";
    // The browser following a redirect the server just answered with (each answer once).
    else if (navigation && entry.method === 'GET' && h['sec-fetch-site'] === 'same-origin' && redirects.includes(url)) {
      redirects.splice(redirects.indexOf(url), 1);
      why = 'a redirect of the server';
    }
    // The browser's own favicon request for the tab (the pages link none).
    else if (entry.method === 'GET' && entry.path === '/favicon.ico' && h['sec-fetch-dest'] === 'image' && h['sec-fetch-mode'] === 'no-cors') why = "the browser's favicon";
    // The extension's clock check: HEAD, same origin, no cookie although the realm's cookies
    // (AUTH_SESSION_ID, path /auth/realms/<realm>/) cover this very path.
    else if (
      entry.method === 'HEAD' &&
      CLOCK_PATH.test(entry.path) &&
      h['sec-fetch-site'] === 'same-origin' &&
      h['sec-fetch-mode'] === 'cors' &&
      h['sec-fetch-dest'] === 'empty' &&
      h.cookie === undefined
    )
      why = "the extension's clock check";
    if (entry.status >= 300 && entry.status < 400 && entry.location) redirects.push(entry.location);
    return { entry, why };
  });
}

/**
 * Chromium's own services (network time, component and account checks, autofill's form
 * signatures: none of them the extension's) send requests that no origin initiated and that load
 * no document. The extension's requests always have an initiator: its background and pages their
 * `chrome-extension://` origin, its content scripts the page's origin; a tab it would open is a
 * document load. Firefox, behind the test proxy, makes no request of its own here: nothing is
 * filtered there.
 */
const browserOwn = (r: NetRequest) => KIND === 'chromium' && r.initiator === 'not an origin' && r.type === 'other';

const onThingPark = (r: NetRequest) => {
  const url = new URL(r.url);
  return url.protocol === 'https:' && THINGPARK_HOSTS.includes(url.hostname);
};

const show = (entries: { entry: LogEntry }[]) =>
  entries.map(({ entry: e }) => `${e.method} https://${e.host}${e.path} ${JSON.stringify(e.headers)}`).join('\n');

describe(`network in ${KIND}`, () => {
  let p: Platform;
  let seen: { entry: LogEntry; why: string | null }[] = [];
  let browserRecord: NetRequest[] = [];

  beforeAll(async () => {
    p = await startPlatform({ recordNetwork: true });
    // The vault is unlocked in the popup.
    await p.s.send({ type: 'vault.lock' });
    const popup = await p.s.openExtPage('popup.html');
    await typeInto(popup, 'Passphrase', PASSPHRASE);
    await press(popup, 'Unlock');
    await byName(popup, 'Add account', 'button');

    await enroll(p, JANE);

    nextStep(p);
    const heads = () => p.sim.log.filter((e) => e.method === 'HEAD').length;
    const headsBefore = heads();
    const login = await signIn(p, JANE);
    await filledOtp(login);
    // The clock check runs alongside the first fill: let it reach the server before the submit.
    const deadline = Date.now() + 10_000;
    while (heads() === headsBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await submitAndWait(login, '#kc-login');
    expect(await onDashboard(login)).toBe(true);

    // The popup with the code, the options page with the account.
    await popup.close();
    const again = await p.s.openExtPage('popup.html');
    await pollUntil(again, () => document.body.innerText.includes('jane.doe@example.com') && /\d{3}\s?\d{3}/.test(document.body.innerText));
    const options = await p.s.openExtPage('options.html');
    await pollUntil(options, () => document.body.innerText.includes('jane.doe@example.com'));

    seen = classify(p.sim.log);
    browserRecord = await p.s.network();
  }, 120_000); // the whole recorded sequence: ~15 s on an idle 2-core machine
  afterAll(async () => {
    await p?.close();
  });

  it('the browser sent nothing anywhere but to ThingPark (besides its own services)', () => {
    const elsewhere = browserRecord.filter((r) => !onThingPark(r) && !browserOwn(r));
    expect(elsewhere, JSON.stringify(elsewhere, null, 1)).toEqual([]);
    // The record is real: the ThingPark traffic is in it.
    expect(browserRecord.filter(onThingPark).length).toBeGreaterThan(0);
    if (KIND === 'chromium') console.info(`Chromium's own requests, not the extension's:\n${[...new Set(browserRecord.filter(browserOwn).map((r) => new URL(r.url).origin))].join('\n')}`);
  });

  it("ThingPark saw only the page's own requests and one cookieless HEAD for the clock per page that fills a code", () => {
    const unexplained = seen.filter((s) => s.why === null);
    expect(unexplained, show(unexplained)).toEqual([]);
    // The OTP page's, and the setup page's unless its submit came first (it is sent after the
    // page's load event): Keycloak checks both codes with its own clock.
    const clock = seen.filter((s) => s.why === "the extension's clock check");
    expect(clock.length, show(seen)).toBeGreaterThanOrEqual(1);
    expect(clock.length, show(seen)).toBeLessThanOrEqual(2);
    // Each HEAD went where cookies would have gone: the browser held the realm's session cookie
    // for that path and sent it with the page's own request just before.
    for (const check of clock) {
      const realmPath = check.entry.path;
      expect(seen.some((s) => s.entry.path.startsWith(realmPath) && /AUTH_SESSION_ID=/.test(String(s.entry.headers.cookie)))).toBe(true);
    }
  });
});
