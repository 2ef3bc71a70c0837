/**
 * The options page's settings, changed through the page as a user would, and their effect on the
 * next login or enrollment against the simulator, without reloading anything.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { KIND, pollUntil } from './harness';
import { BASE, DEFAULT_REALM, filledOtp, filledSetup, nextStep, noticeOf, onDashboard, PASSPHRASE, type Platform, platformPerTest, signIn, submitAndWait } from './platform';
import { alertText, byName, press, typeInto } from './ui';

const platform = platformPerTest();

const accounts = async (p: Platform) => (await p.s.send({ type: 'accounts.list' })).value as { accountName: string; deviceName: string }[];

/** Replaces a field's value the way a user does: select all, type. */
async function retype(page: Page, name: string, text: string) {
  const field = await byName(page, name);
  await field.click({ count: 3 });
  await field.evaluate((el) => ((el as HTMLInputElement).value = ''));
  await field.type(text);
}

async function saveSettings(page: Page) {
  await press(page, 'Save settings');
  await pollUntil(page, () => document.body.innerText.includes('Settings saved'));
}

describe(`options page settings in ${KIND}`, () => {
  it('the default device name is used at the next enrollment', async () => {
    const p = await platform();
    const options = await p.s.openExtPage('options.html');
    await retype(options, 'Device name', 'Support laptop 7');
    await saveSettings(options);

    const page = await signIn(p, 'jane.doe@example.com');
    const { label } = await filledSetup(page);
    expect(label).toBe('Support laptop 7');
    await submitAndWait(page, '#saveTOTPBtn');
    await noticeOf(page, /Saved/);
    expect(await accounts(p)).toMatchObject([{ accountName: 'jane.doe@example.com', deviceName: 'Support laptop 7' }]);
  });

  it('"Submit automatically" turned on logs in by itself; turned off again, it waits for the user', async () => {
    const p = await platform();
    const enrollPage = await signIn(p, 'jane.doe@example.com');
    await filledSetup(enrollPage);
    await submitAndWait(enrollPage, '#saveTOTPBtn');
    await noticeOf(enrollPage, /Saved/);
    await enrollPage.close();

    const options = await p.s.openExtPage('options.html');
    await (await byName(options, 'Submit automatically', 'checkbox')).click();
    await saveSettings(options);
    nextStep(p);
    const auto = await signIn(p, 'jane.doe@example.com');
    await pollUntil(auto, () => document.getElementById('tpe-logout') !== null, 15_000);
    expect(await onDashboard(auto)).toBe(true);
    await auto.close();

    await options.bringToFront();
    await (await byName(options, 'Submit automatically', 'checkbox')).click();
    await saveSettings(options);
    nextStep(p);
    const manual = await signIn(p, 'jane.doe@example.com');
    await filledOtp(manual);
    // Filled, and still on the OTP page a while later: nothing was submitted for the user.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await manual.evaluate(() => !!document.getElementById('otp'))).toBe(true);
    await submitAndWait(manual, '#kc-login');
    expect(await onDashboard(manual)).toBe(true);
  });

  it('auto-lock fires after the idle time: the open options page shows it and pages get no code', async () => {
    const p = await platform();
    const enrollPage = await signIn(p, 'jane.doe@example.com');
    await filledSetup(enrollPage);
    await submitAndWait(enrollPage, '#saveTOTPBtn');
    await noticeOf(enrollPage, /Saved/);
    await enrollPage.close();

    const options = await p.s.openExtPage('options.html');
    await retype(options, 'Lock automatically after (minutes)', '1');
    await saveSettings(options);
    expect(await options.evaluate(() => document.body.innerText)).toMatch(/after 1 min without use/);
    // Any extension page that talks to the vault counts as use and restarts the timer: close
    // them all but this one, which stays silent while unlocked.
    for (const page of await p.s.browser.pages()) {
      if (page !== options && page.url().includes('popup.html')) await page.close();
    }
    const started = Date.now();
    await byName(options, 'Unlock', 'button', 100_000);
    const elapsed = Date.now() - started;
    // The alarm is set for 1 minute after the last use (the save); browsers fire alarms late, never early.
    expect(elapsed).toBeGreaterThan(50_000);
    expect((await p.s.send({ type: 'vault.status' })).value.state).toBe('locked');

    nextStep(p);
    const login = await signIn(p, 'jane.doe@example.com');
    await noticeOf(login, /locked/i);
    expect(await login.evaluate(() => (document.getElementById('otp') as HTMLInputElement).value)).toBe('');
  }, 150_000);

  it('changing the passphrase needs the current one; afterwards only the new one unlocks', async () => {
    const p = await platform();
    await p.s.send({
      type: 'accounts.add',
      dryRun: false,
      accounts: [{ uri: 'otpauth://totp/ThingPark:sam%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ThingPark', origin: BASE, realm: DEFAULT_REALM, deviceName: 'Desk' }],
    });
    const options = await p.s.openExtPage('options.html');
    const NEW = 'a new passphrase for the vault';
    await typeInto(options, 'Current passphrase', 'not the passphrase');
    await typeInto(options, 'New passphrase', NEW);
    await typeInto(options, 'Confirm new passphrase', NEW);
    await press(options, 'Change passphrase');
    expect(await alertText(options)).toMatch(/Wrong passphrase/);

    await retype(options, 'Current passphrase', PASSPHRASE);
    await press(options, 'Change passphrase');
    await pollUntil(options, () => document.body.innerText.includes('Passphrase changed'));

    await press(options, 'Lock');
    await typeInto(options, 'Passphrase', PASSPHRASE);
    await press(options, 'Unlock');
    expect(await alertText(options)).toMatch(/Wrong passphrase/);
    await retype(options, 'Passphrase', NEW);
    await press(options, 'Unlock');
    await byName(options, 'Lock', 'button');
    expect(await accounts(p)).toMatchObject([{ accountName: 'sam@example.com', deviceName: 'Desk' }]);
  });
});
