/**
 * The toolbar button in a real browser: its tooltip says whether there is a vault and whether it
 * is locked; on a ThingPark page, a badge says that an account belongs to it (✓), first as not
 * confirmed by ThingPark (!) from the moment the setup form is filled until ThingPark's next page.
 * The icon changes with the tooltip (toolbar.ts sets both together; browsers offer no getter for
 * the icon).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { KIND, pollUntil } from './harness';
import { BASE, DEFAULT_REALM, filledSetup, noticeOf, onDashboard, PASSPHRASE, signIn, startPlatform, submitAndWait, type Platform } from './platform';

const UNLOCKED = 'ThingPark Autofill: unlocked';
const LOCKED = 'ThingPark Autofill: locked. Open to unlock';

/** Waits until the button says `want` (for the tab, or for every tab). */
async function untilToolbar(p: Platform, want: { title: string; badge: string }, tabId?: number) {
  const deadline = Date.now() + 10_000;
  let last = await p.s.toolbar(tabId);
  while (Date.now() < deadline) {
    if (last.title === want.title && last.badge === want.badge) return;
    await new Promise((r) => setTimeout(r, 100));
    last = await p.s.toolbar(tabId);
  }
  expect(last).toEqual(want);
}

describe(`the toolbar button in ${KIND}`, () => {
  let p: Platform | undefined;
  afterAll(async () => {
    await p?.close();
  });

  it('says there is no vault yet, then unlocked, then locked', async () => {
    p = await startPlatform({ unlocked: false });
    await untilToolbar(p, { title: 'ThingPark Autofill: no vault yet. Open to create one', badge: '' });
    expect((await p.s.send({ type: 'vault.create', passphrase: PASSPHRASE, confirm: PASSPHRASE }))?.ok).toBe(true);
    await untilToolbar(p, { title: UNLOCKED, badge: '' });
    expect((await p.s.send({ type: 'vault.lock' }))?.ok).toBe(true);
    await untilToolbar(p, { title: LOCKED, badge: '' });
    expect((await p.s.send({ type: 'vault.unlock', passphrase: PASSPHRASE }))?.ok).toBe(true);
    await untilToolbar(p, { title: UNLOCKED, badge: '' });
  });

  let page: Page;
  let tabId: number;
  it("marks the ThingPark page: '!' from the setup form's fill, '✓' once ThingPark confirmed it; none on another realm", async () => {
    page = await signIn(p!, 'jane.doe@example.com');
    await filledSetup(page);
    tabId = await p!.s.tabIdOf(page.url());
    await untilToolbar(p!, { title: "ThingPark Autofill: this page's account is not confirmed by ThingPark yet", badge: '!' }, tabId);
    await submitAndWait(page, '#saveTOTPBtn');
    await noticeOf(page, /Saved/);
    await untilToolbar(p!, { title: 'ThingPark Autofill: an account for this page', badge: '✓' }, tabId);
    // The same platform's login page in another realm: none of ours.
    const other = await p!.s.browser.newPage();
    const url = p!.sim.loginUrl('tpw-users-sha256-ope', { base: BASE });
    await other.goto(url);
    await other.waitForSelector('#username');
    const otherTab = await p!.s.tabIdOf(other.url());
    await untilToolbar(p!, { title: UNLOCKED, badge: '' }, otherTab);
    await other.close();
  });

  it('locking takes every mark back; the unlock gives them again to the pages already open, and a page loaded later gets its own', async () => {
    expect((await p!.s.send({ type: 'vault.lock' }))?.ok).toBe(true);
    await untilToolbar(p!, { title: LOCKED, badge: '' }, tabId);
    // ThingPark's application page (after the setup), loaded again while locked: it reports, unmarked.
    expect(await onDashboard(page)).toBe(true);
    await page.reload();
    await pollUntil(page, () => document.readyState === 'complete');
    // The page reports itself 300 ms after its load (entrypoints/thingpark/index.ts): let that
    // report reach the locked background first, so that the mark below can only come from the unlock.
    await new Promise((r) => setTimeout(r, 2000));
    await untilToolbar(p!, { title: LOCKED, badge: '' }, tabId);
    expect((await p!.s.send({ type: 'vault.unlock', passphrase: PASSPHRASE }))?.ok).toBe(true);
    // No reload: the background marks the tabs open on the platform as it unlocks (the
    // application page does not report again by itself).
    await untilToolbar(p!, { title: 'ThingPark Autofill: an account for this page', badge: '✓' }, tabId);
    // A page loaded later gives its own report.
    await page.goto(p!.sim.loginUrl(DEFAULT_REALM, { base: BASE }));
    await untilToolbar(p!, { title: 'ThingPark Autofill: an account for this page', badge: '✓' }, await p!.s.tabIdOf(page.url()));
  });
});
