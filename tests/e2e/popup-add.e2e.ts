/**
 * The popup's "Add account" view in a real browser: a pasted Keycloak link, a typed key, a QR
 * image file and a Google Authenticator export in several batches are previewed (dry run), saved
 * in one go, and then used by the extension to log in to the simulated ThingPark; bad inputs each
 * get a precise message next to the right field and save nothing.
 *
 * One file per popup view; its helpers (tabs, fields, preview, generated QR images and exports)
 * serve only it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-ignore -- pngjs ships no type declarations (no @types/pngjs installed)
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { Secret } from 'otpauth';
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXED_DEVICES } from '../simulator/server.mjs';
import { encodeExport, type MigrationEntry } from '../fixtures/migration/encode';
import { KIND } from './harness';
import { BASE, DEFAULT_REALM, filledOtp, onDashboard, type Platform, platformPerTest, signsInWithFilledCode, signIn, submitAndWait } from './platform';
import { leaks } from './secrets';
import { press } from './ui';
import { control, errorNow, expectAccessible, fill, openAdd, preview, saved, tab } from './add-view';

const platform = platformPerTest();

const tmp = mkdtempSync(join(tmpdir(), 'tpa-add-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const keycloakUri = (account: string, secret: string, extra = '') =>
  `otpauth://totp/ThingPark%20Enterprise:${encodeURIComponent(account)}?secret=${secret}&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30${extra}`;
const randomSecret = () => new Secret({ size: 20 }).base32;

// ---------------------------------------------------------------------------------------------
// Page helpers (by accessible name, as a user finds things)
// ---------------------------------------------------------------------------------------------

/** Puts text into a field at once, as a paste does (long exports would take long to type). */
async function paste(page: Page, name: string, text: string): Promise<void> {
  const field = await control(page, name);
  await field.evaluate((el, value) => {
    (el as HTMLTextAreaElement).value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

/** The error a field announces: aria-invalid and the text of its aria-describedby. */
async function fieldError(page: Page, name: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const text = await errorNow(page, name);
    if (text) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`field "${name}" shows no error`);
}

const isValid = (page: Page, name: string) => control(page, name).then((f) => f.evaluate((el) => el.getAttribute('aria-invalid') !== 'true'));

const listAccounts = async (p: Platform) => (await p.s.send({ type: 'accounts.list' })).value as { accountName: string; origin: string; realm: string | null; deviceName: string; issuer: string }[];

async function setPlatform(page: Page, o: { origin?: string; realm?: string; device?: string } = {}) {
  await fill(page, 'Platform address', o.origin ?? BASE);
  await fill(page, 'Realm', o.realm ?? DEFAULT_REALM);
  await fill(page, 'Device name', o.device ?? '');
}

async function png(name: string, text: string): Promise<string> {
  const path = join(tmp, name);
  await QRCode.toFile(path, text, { type: 'png', width: 300, margin: 2 });
  return path;
}

function noisePng(name: string): string {
  const img = new PNG({ width: 240, height: 240 });
  randomBytes(img.data.length).copy(img.data);
  for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
  const path = join(tmp, name);
  writeFileSync(path, PNG.sync.write(img));
  return path;
}

async function upload(page: Page, path: string) {
  await tab(page, 'QR image');
  const input = (await control(page, 'QR code image')) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(path);
}

/** Google Authenticator entries: TOTP, SHA1, 6 digits, with 20-byte secrets. */
const gaEntries = (n: number, prefix: string): MigrationEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    secret: new Uint8Array(randomBytes(20)),
    name: `${prefix}${i + 1}@example.com`,
    issuer: 'ThingPark Enterprise',
    algorithm: 1,
    digits: 1,
    type: 2,
  }));

// ---------------------------------------------------------------------------------------------

describe(`add account in ${KIND}`, () => {
  it("pasted Keycloak link for a user's existing device: previewed, saved, then fills the login by itself", async () => {
    // pat has the "Pixel 7" phone; without the pending setup action the login ends on the dashboard.
    const p = await platform({ simUsers: [{ username: 'pat@example.com', requiredActions: [] }] });
    const secret = FIXED_DEVICES.patPixel7.secretBase32;
    const page = await openAdd(p);
    await fill(page, 'otpauth:// link or Google Authenticator export', keycloakUri('pat@example.com', secret));
    await setPlatform(page, { device: 'Pixel 7' });
    await press(page, 'Review');

    const shown = await preview(page);
    expect(shown.summary).toBe('1 new');
    expect(shown.rows).toEqual([{ name: expect.stringContaining('pat@example.com'), status: 'New' }]);
    expect(shown.rows[0]!.name).toContain('ThingPark Enterprise');
    // Nothing saved by the review.
    expect(await listAccounts(p)).toEqual([]);

    await press(page, 'Save 1 account');
    expect(await saved(page)).toBe('Saved 1 account.');
    const accounts = await listAccounts(p);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ issuer: 'ThingPark Enterprise', accountName: 'pat@example.com', origin: BASE, realm: DEFAULT_REALM, deviceName: 'Pixel 7' });
    // The secret left the page once saved.
    expect(leaks(await page.evaluate(() => document.documentElement.outerHTML), secret)).toEqual([]);

    expect(await signsInWithFilledCode(p, 'pat@example.com')).toBe(true);
  });

  it('typed key (lower case, spaces): saved, and the login selects "Pixel 7" among the devices', async () => {
    const p = await platform();
    const page = await openAdd(p);
    // The ways to add are tabs: arrow keys move between them, as in any tab list.
    await page.evaluate(() => (document.querySelector('[role=tab][aria-selected=true]') as HTMLElement).focus());
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => [document.activeElement?.getAttribute('role'), document.activeElement?.textContent, document.activeElement?.getAttribute('aria-selected')])).toEqual(['tab', 'Enter a key', 'true']);
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('From an app');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Paste a link');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('QR image');
    await page.keyboard.press('ArrowLeft');
    // Tab moves from the tab list into the chosen panel.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('add-secret');
    await expectAccessible(page, 'key form');
    const grouped = FIXED_DEVICES.multiPixel7.secretBase32.toLowerCase().replace(/(.{4})/g, '$1 ').trim();
    await fill(page, 'Secret key', grouped);
    await fill(page, 'Issuer', 'ThingPark Enterprise');
    await fill(page, 'Account name', 'multi@example.com');
    await setPlatform(page, { device: 'Pixel 7' });
    await press(page, 'Review');

    const shown = await preview(page);
    expect(shown.summary).toBe('1 new');
    expect(shown.rows).toEqual([{ name: expect.stringContaining('multi@example.com'), status: 'New' }]);
    await press(page, 'Save 1 account');
    expect(await saved(page)).toBe('Saved 1 account.');
    expect(await listAccounts(p)).toEqual([expect.objectContaining({ accountName: 'multi@example.com', deviceName: 'Pixel 7', realm: DEFAULT_REALM })]);

    const login = await signIn(p, 'multi@example.com');
    await login.waitForSelector('#otp');
    await filledOtp(login);
    const selected = await login.evaluate(() => {
      const radio = document.querySelector<HTMLInputElement>('input[name=selectedCredentialId]:checked');
      return document.querySelector(`label[for="${radio?.id}"] .pf-c-tile__title`)?.textContent?.trim();
    });
    expect(selected).toBe('Pixel 7');
    await submitAndWait(login, '#kc-login');
    expect(await onDashboard(login)).toBe(true);
  });

  it('QR code image file, pasted image, dropped image: read in the popup, previewed at once, saved', async () => {
    const p = await platform();
    const page = await openAdd(p);
    await setPlatform(page);
    await upload(page, await png('account.png', keycloakUri('qr.user@example.com', randomSecret())));

    const shown = await preview(page);
    expect(shown.rows).toEqual([{ name: expect.stringContaining('qr.user@example.com'), status: 'New' }]);
    await press(page, 'Save 1 account');
    expect(await saved(page)).toBe('Saved 1 account.');
    expect((await listAccounts(p)).map((a) => a.accountName)).toEqual(['qr.user@example.com']);

    // A pasted image (Ctrl+V of a screenshot) and a dropped one take the same way. Firefox drops
    // the files of a paste event made by a script (not of a real paste), so only Chromium can
    // show the paste here.
    const ways = [['drop', 'dropped@example.com'], ...(KIND === 'chromium' ? [['paste', 'pasted@example.com']] : [])] as const;
    for (const [how, account] of ways) {
      await press(page, 'Add another');
      await tab(page, 'Paste a link');
      const bytes = readFileSync(await png(`${how}.png`, keycloakUri(account, randomSecret()))).toString('base64');
      await page.evaluate(
        (b64, kind) => {
          const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([data], 'screenshot.png', { type: 'image/png' }));
          // Onto the open panel, outside the drop zone: the view takes the image from anywhere.
          const target = document.querySelector('[role=tabpanel]')!;
          target.dispatchEvent(
            kind === 'paste'
              ? new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true })
              : new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
          );
        },
        bytes,
        how,
      );
      expect((await preview(page)).rows, how).toEqual([{ name: expect.stringContaining(account), status: 'New' }]);
      await press(page, 'Save 1 account');
      expect(await saved(page)).toBe('Saved 1 account.');
    }
    expect((await listAccounts(p)).map((a) => a.accountName).sort()).toEqual(
      ['dropped@example.com', ...(KIND === 'chromium' ? ['pasted@example.com'] : []), 'qr.user@example.com'],
    );
  });

  it('Google Authenticator export of 25 accounts in 3 QR codes: all new, saved at once; pasted again, all already saved', async () => {
    const p = await platform();
    const uris = encodeExport(gaEntries(25, 'ga'), { perBatch: 10, batchId: 424242 });
    expect(uris).toHaveLength(3);
    const page = await openAdd(p);
    // Pasted in any order, one QR code per line.
    await paste(page, 'otpauth:// link or Google Authenticator export', [uris[2], uris[0], uris[1]].join('\n'));
    await setPlatform(page);
    await press(page, 'Review');

    const first = await preview(page);
    expect(first.summary).toBe('25 new');
    expect(first.rows).toHaveLength(25);
    expect(first.rows.every((r) => r.status === 'New')).toBe(true);
    expect(first.warnings).toEqual([]);
    await expectAccessible(page, 'preview');
    await press(page, 'Save 25 accounts');
    expect(await saved(page)).toBe('Saved 25 accounts.');
    await expectAccessible(page, 'saved');
    const names = (await listAccounts(p)).map((a) => a.accountName).sort();
    expect(names).toEqual(Array.from({ length: 25 }, (_, i) => `ga${i + 1}@example.com`).sort());

    await press(page, 'Add another');
    await paste(page, 'otpauth:// link or Google Authenticator export', uris.join('\n'));
    await press(page, 'Review');
    const again = await preview(page);
    expect(again.summary).toBe('25 already saved');
    expect(again.rows.every((r) => r.status === 'Already saved (skipped)')).toBe(true);
    expect(again.buttons.some((b) => b.startsWith('Save'))).toBe(false);
    expect(await page.evaluate(() => document.body.innerText)).toContain('Nothing new to save.');
    expect(await listAccounts(p)).toHaveLength(25);
  });

  it('an export with an MD5 entry, a missing QR code, a saved account and a repeated link: each reported, the rest saved', async () => {
    const p = await platform();
    const existing = keycloakUri('kept@example.com', randomSecret());
    expect((await p.s.send({ type: 'accounts.add', dryRun: false, accounts: [{ uri: existing, origin: BASE, realm: DEFAULT_REALM, deviceName: '' }] })).ok).toBe(true);
    const entries = gaEntries(3, 'md');
    entries.push({ ...gaEntries(1, 'old')[0]!, algorithm: 4 });
    const [batch1] = encodeExport([...entries, ...gaEntries(2, 'later')], { perBatch: 4, batchId: 7 });
    const page = await openAdd(p);
    const fresh = keycloakUri('fresh@example.com', randomSecret());
    await paste(page, 'otpauth:// link or Google Authenticator export', [batch1, existing, fresh, fresh, 'hello'].join('\n'));
    await setPlatform(page);
    await press(page, 'Review');

    const shown = await preview(page);
    expect(shown.summary).toBe('4 new, 1 already saved, 1 listed twice, 1 not supported (MD5), 1 not valid');
    expect(shown.warnings).toEqual([expect.stringMatching(/has 2 QR codes; missing: 2\./)]);
    expect(shown.rows).toContainEqual({ name: expect.stringContaining('old1@example.com'), status: 'Not supported (MD5)' });
    expect(shown.rows).toContainEqual({ name: expect.stringContaining('kept@example.com'), status: 'Already saved (skipped)' });
    expect(shown.rows).toContainEqual({ name: expect.stringContaining('fresh@example.com'), status: 'Listed twice (skipped)' });
    expect(shown.rows).toContainEqual({ name: 'Line 5', status: expect.stringContaining('neither an otpauth:// link') });
    await press(page, 'Save 4 accounts');
    expect(await saved(page)).toBe('Saved 4 accounts.');
    expect((await listAccounts(p)).map((a) => a.accountName).sort()).toEqual(['fresh@example.com', 'kept@example.com', 'md1@example.com', 'md2@example.com', 'md3@example.com']);
  });

  it('bad inputs: each gets its precise message next to its field, and nothing is saved', async () => {
    const p = await platform();
    const page = await openAdd(p);
    const LINK = 'otpauth:// link or Google Authenticator export';
    await setPlatform(page);

    const linkCases: [string, RegExp][] = [
      ['hello', /^This is neither an otpauth:\/\/ link nor a Google Authenticator export/],
      [keycloakUri('a@example.com', 'ABCDEFGH1JKLMNOP'), /^The secret key is not valid base32/],
      ['otpauth://totp/ThingPark%20Enterprise:a%40example.com?issuer=ThingPark%20Enterprise', /^The secret key is missing\./],
      [keycloakUri('a@example.com', randomSecret()).replace('digits=6', 'digits=12'), /^The number of digits must be a whole number from 6 to 10\./],
      ['otpauth-migration://offline?data=not*base64!', /^The Google Authenticator export is damaged: its data is not valid base64/],
      [`hello\n${keycloakUri('a@example.com', 'ABCDEFGH1JKLMNOP')}`, /^Line 1: This is neither[^\n]*\nLine 2: The secret key is not valid base32/],
    ];
    for (const [input, message] of linkCases) {
      await paste(page, LINK, input);
      await press(page, 'Review');
      expect(await fieldError(page, LINK), input).toMatch(message);
      expect(await isValid(page, 'Platform address')).toBe(true);
    }

    await expectAccessible(page, 'link with an error');

    // A valid link on a bad platform address: the address is what is wrong.
    await paste(page, LINK, keycloakUri('a@example.com', randomSecret()));
    await fill(page, 'Platform address', 'ftp://x');
    await press(page, 'Review');
    expect(await fieldError(page, 'Platform address')).toMatch(/^The platform address must be a full https:\/\/ address/);
    expect(await isValid(page, LINK)).toBe(true);
    // The first invalid field has focus, so its message is read out.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid'))).toBe('true');
    await fill(page, 'Platform address', BASE);

    // Images: random noise holds no QR code; a text file is no image; a QR code of a web link is no authenticator code.
    await upload(page, noisePng('noise.png'));
    expect(await fieldError(page, 'QR code image')).toBe('No QR code was found in this image. Try a sharper picture that shows the whole code.');
    const textFile = join(tmp, 'notes.txt');
    writeFileSync(textFile, 'not an image');
    await upload(page, textFile);
    expect(await fieldError(page, 'QR code image')).toBe('This file is not an image the browser can read.');
    await upload(page, await png('web.png', 'https://example.com/'));
    expect(await fieldError(page, 'QR code image')).toBe('The QR code is not an authenticator code.');
    await expectAccessible(page, 'image with an error');

    // The key form: empty secret and no account name; then period 0 and 12 digits.
    await tab(page, 'Enter a key');
    await press(page, 'Review');
    expect(await fieldError(page, 'Secret key')).toBe('The secret key is missing.');
    expect(await fieldError(page, 'Account name')).toMatch(/^The account name is missing/);
    await fill(page, 'Secret key', 'JBSW Y3DP EHPK 3PXP');
    await fill(page, 'Account name', 'a@example.com');
    await fill(page, 'Period (seconds)', '0');
    await fill(page, 'Digits', '12');
    await press(page, 'Review');
    expect(await fieldError(page, 'Period (seconds)')).toBe('The period must be a whole number of seconds from 1 to 3600.');
    expect(await fieldError(page, 'Digits')).toBe('The number of digits must be a whole number from 6 to 10.');
    expect(await isValid(page, 'Secret key')).toBe(true);
    await expectAccessible(page, 'key form with errors');
    await fill(page, 'Secret key', 'JBSW Y3DP EHPK 3PX0');
    await press(page, 'Review');
    expect(await fieldError(page, 'Secret key')).toMatch(/^The secret key is not valid base32/);

    // No preview was ever offered, and nothing was saved.
    expect(await page.evaluate(() => [...document.querySelectorAll('button')].some((b) => b.textContent?.startsWith('Save')))).toBe(false);
    expect(await listAccounts(p)).toEqual([]);
  });
});
