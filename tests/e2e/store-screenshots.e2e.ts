/**
 * The pictures of the store listings (docs/store/screenshots/, 1280x800, what the stores ask
 * for) and the README's picture of an import, taken from the real extension against the
 * simulator: the setup page filled, the login filled, the popup over the platform's page, the
 * settings page. Chromium only (one set of pictures); each step checks what the picture must
 * show before it is taken, so a picture of a broken state fails the test.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret } from 'otpauth';
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { aegisEntry, aegisPlain } from '../unit/import/apps/app-file-writers';
import { KIND, pollUntil } from './harness';
import { BASE, DEFAULT_REALM, filledOtp, filledSetup, nextStep, noticeOf, signIn, startPlatform, submitAndWait, type Platform } from './platform';
import { byName, press } from './ui';

const STORE = 'docs/store/screenshots';
const SIZE = { width: 1280, height: 800 };
const tmp = mkdtempSync(join(tmpdir(), 'tpa-shots-'));

/** An extension page (360 px wide as a popup is) shown over the dimmed platform page, as a user sees it. */
async function asPopupOver(page: Page, background: string): Promise<void> {
  await page.evaluate((bg) => {
    document.documentElement.style.cssText = `background: url(${bg}) center / cover; min-height: 100%;`;
    document.body.style.cssText =
      'margin: 0; min-height: 800px; display: flex; justify-content: flex-end; align-items: flex-start; background: rgb(0 0 0 / 0.25);';
    const app = document.getElementById('app')!;
    app.style.cssText = 'width: 380px; box-sizing: border-box; padding: 12px 16px; margin: 12px 16px 0 0; background: Canvas; border-radius: 8px; box-shadow: 0 8px 28px rgb(0 0 0 / 0.35); max-height: 760px; overflow: auto;';
  }, background);
}

describe.skipIf(KIND !== 'chromium')('pictures for the store listings and the README', () => {
  let p: Platform;
  afterAll(async () => {
    await p?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the setup page filled, then the login filled (1280x800)', async () => {
    p = await startPlatform();
    mkdirSync(STORE, { recursive: true });
    const setup = await signIn(p, 'jane.doe@example.com', { prepare: (tab) => tab.setViewport(SIZE) });
    const { totp, label } = await filledSetup(setup);
    expect(totp).toMatch(/^\d{6}$/);
    expect(label).toMatch(/ThingPark Autofill/);
    await noticeOf(setup, /filled\. Press Submit/);
    // The filled code and device name in view, with the QR code they came from above them.
    await setup.evaluate(() => document.getElementById('userLabel')?.scrollIntoView({ block: 'end' }));
    await setup.screenshot({ path: `${STORE}/enroll.png` });
    await submitAndWait(setup, '#saveTOTPBtn');
    await noticeOf(setup, /Saved/);
    await setup.close();

    nextStep(p);
    const login = await signIn(p, 'jane.doe@example.com', { prepare: (tab) => tab.setViewport(SIZE) });
    await login.waitForSelector('#otp');
    expect(await filledOtp(login)).toMatch(/^\d{6}$/);
    await login.screenshot({ path: `${STORE}/login.png` });
    await login.close();
  });

  it('the popup over the platform page, and the settings page (1280x800)', async () => {
    const behind = await p.s.browser.newPage();
    await behind.setViewport(SIZE);
    await behind.goto(p.sim.loginUrl(DEFAULT_REALM, { base: BASE }));
    await behind.waitForSelector('#username');
    const backdrop = `data:image/png;base64,${await behind.screenshot({ encoding: 'base64' })}`;
    await behind.close();

    const popup = await p.s.openExtPage('popup.html');
    await popup.setViewport(SIZE);
    await byName(popup, 'Add account', 'button');
    await pollUntil(popup, () => /\d{3} \d{3}$/.test(document.querySelector('.code-row .otp .digits:not(.pending)')?.textContent?.trim() ?? ''));
    await asPopupOver(popup, backdrop);
    await popup.screenshot({ path: `${STORE}/popup.png` });
    await popup.close();

    const options = await p.s.openExtPage('options.html');
    await options.setViewport(SIZE);
    await pollUntil(options, () => document.body.innerText.includes('jane.doe@example.com'));
    await options.screenshot({ path: `${STORE}/settings.png` });
    await options.close();
  });

  it("the README's picture of an import from another app: the preview of an Aegis export", async () => {
    const file = join(tmp, 'aegis-export.json');
    const secret = () => new Secret({ size: 20 }).base32;
    writeFileSync(
      file,
      JSON.stringify(
        aegisPlain([
          aegisEntry('totp', 'sam@example.com', 'ThingPark Enterprise', { secret: secret() }),
          aegisEntry('totp', 'ops@example.com', 'ThingPark Enterprise', { secret: secret() }),
          aegisEntry('steam', 'gamer', 'Steam', { secret: secret(), digits: 5 }),
        ]),
      ),
    );
    const page = await p.s.openExtPage('popup.html');
    await page.setViewport({ width: 380, height: 560 });
    await press(page, 'Add account');
    const origin = await byName(page, 'Platform address');
    await origin.click({ count: 3 });
    await origin.type(BASE);
    await page.click('#add-tab-file');
    const input = (await page.$('#add-file')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(file);
    await byName(page, 'Back', 'button', 20_000);
    expect(await page.evaluate(() => document.querySelector('.add-summary')?.textContent)).toBe('2 new, 1 not supported (unknown type)');
    await page.screenshot({ path: 'docs/screenshots/popup-import.png' });
    await page.close();
  });
});
