import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { KIND, pollUntil } from './harness';
import { BASE, enroll, nextStep, noticeOf, startPlatform, type Platform } from './platform';

let platforms: Platform[] = [];
afterEach(async () => {
  for (const p of platforms) await p.close();
  platforms = [];
});

/**
 * The "Fill one-time code" shortcut and context-menu entry call the background's fillTab for the
 * active tab. Headless browsers cannot press a browser-level shortcut or open a native menu, so
 * the test sends the same request an extension page sends ('tab.fillOtp'), which runs the very
 * same fillTab; the manifest's command and the menu registration are checked in bundle.e2e.ts.
 */
async function fillFromToolbar(p: Platform, page: Page) {
  const tabId = await p.s.tabIdOf(page.url());
  const reply = await p.s.send({ type: 'tab.fillOtp', tabId, accountId: null });
  expect(reply).toMatchObject({ ok: true });
}

async function customPage(p: Platform, variant: string, base = BASE) {
  const page = await p.s.browser.newPage();
  await page.goto(`${base}/custom/otp?user=${encodeURIComponent('jane.doe@example.com')}&variant=${variant}`);
  await page.bringToFront();
  return page;
}

async function submitAndResult(page: Page) {
  await Promise.all([page.waitForNavigation(), page.evaluate(() => (document.querySelector('form') as HTMLFormElement).requestSubmit())]);
  return page.evaluate(() => document.getElementById('custom-result')?.textContent);
}

describe(`"Fill one-time code" on pages not recognised automatically, in ${KIND}`, () => {
  it('a custom page with autocomplete="one-time-code", then one with six single-digit boxes', async () => {
    const p = await startPlatform();
    platforms.push(p);
    await enroll(p, 'jane.doe@example.com');

    // One period later on the server's clock (which the filler reads from the Date header), so
    // the enrollment's code is not the current one.
    nextStep(p);
    const single = await customPage(p, 'single');
    await fillFromToolbar(p, single);
    const code = await pollUntil(single, () => (document.getElementById('mfa-code') as HTMLInputElement).value);
    expect(code).toMatch(/^\d{6}$/);
    expect(await single.evaluate(() => (document.querySelector('input[name=search]') as HTMLInputElement).value)).toBe('');
    expect(await submitAndResult(single)).toBe('Verified');

    nextStep(p);
    const boxes = await customPage(p, 'segmented');
    await fillFromToolbar(p, boxes);
    const digits = await pollUntil(
      boxes,
      () => {
        const values = [...document.querySelectorAll<HTMLInputElement>('input.digit')].map((i) => i.value);
        return values.every((v) => /^\d$/.test(v)) ? values.join('') : '';
      },
    );
    expect(digits).toMatch(/^\d{6}$/);
    expect(await submitAndResult(boxes)).toBe('Verified');
  });

  it('no account for another origin: says so and fills nothing', async () => {
    const p = await startPlatform();
    platforms.push(p);
    await enroll(p, 'jane.doe@example.com');
    const page = await customPage(p, 'named', 'https://other.thingpark.com');
    await fillFromToolbar(p, page);
    await noticeOf(page, /no account for other\.thingpark\.com/);
    expect(await page.evaluate(() => (document.querySelector('input[name=verification_code]') as HTMLInputElement).value)).toBe('');
  });
});
