import { afterEach, describe, expect, it } from 'vitest';
import { KIND, pollUntil } from './harness';
import { BASE, DEFAULT_REALM, filledSetup, noticeOf, signIn, startPlatform, submitAndWait, type Platform } from './platform';

let platforms: Platform[] = [];
async function platform(opts: Parameters<typeof startPlatform>[0] = {}) {
  const p = await startPlatform(opts);
  platforms.push(p);
  return p;
}
afterEach(async () => {
  for (const p of platforms) await p.close();
  platforms = [];
});

const browserLabel = KIND === 'chromium' ? 'Chromium' : 'Firefox';

describe(`enrollment in ${KIND}`, () => {
  it('reads the QR code, fills code and device name, and saves the account once Keycloak accepts it', async () => {
    const p = await platform();
    const page = await signIn(p, 'jane.doe@example.com');
    const filled = await filledSetup(page);
    expect(filled.label).toBe(`ThingPark Autofill · ${browserLabel} on Linux`);
    await noticeOf(page, /filled/);
    // Nothing is stored before Keycloak has accepted the code.
    expect((await p.s.send({ type: 'accounts.list' })).value).toEqual([]);

    await submitAndWait(page, '#saveTOTPBtn');
    await page.waitForSelector('h1');
    expect(await page.evaluate(() => document.querySelector('h1')?.textContent)).toBe('ThingPark Enterprise');
    await noticeOf(page, /Saved jane\.doe@example\.com/);

    const devices = p.sim.devices(DEFAULT_REALM, 'jane.doe@example.com');
    expect(devices.map((d: { label: string }) => d.label)).toEqual([filled.label]);
    const accounts = (await p.s.send({ type: 'accounts.list' })).value;
    expect(accounts).toHaveLength(1);
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
  });
});
