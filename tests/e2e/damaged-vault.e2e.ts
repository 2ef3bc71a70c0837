/**
 * A stored vault that cannot be read, in a real browser: the settings page and
 * the popup say what happened and that nothing was deleted; "Download the stored data" saves a
 * file that is exactly what storage.local holds; nothing the page does changes storage by itself;
 * deleting it takes an inline confirmation (and, without a copy, an explicit tick), after which
 * a new vault can be created. Data that does not decrypt behind a valid envelope is found by the
 * right passphrase and shown the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIND, launch, pollUntil, type Session } from './harness';
import { axeViolations } from './a11y';
import { byName, press, typeInto } from './ui';
import { allowDownloads, downloaded, firefoxDownloadPrefs } from './downloads';

const PASSPHRASE = 'correct horse battery staple';
const downloads = mkdtempSync(join(tmpdir(), 'tpa-damaged-dl-'));

let s: Session;
beforeAll(async () => {
  s = await launch({ firefoxPrefs: firefoxDownloadPrefs(downloads) });
  await allowDownloads(s, downloads);
});
afterAll(async () => {
  await s?.close();
  rmSync(downloads, { recursive: true, force: true });
});

/**
 * Replaces the extension's storage.local with exactly this (from an extension page), the vault
 * locked first: an open vault lives in the background's memory, whatever storage holds.
 */
async function store(items: Record<string, unknown>): Promise<void> {
  await s.send({ type: 'vault.lock' });
  const page = await s.openExtPage('popup.html');
  await page.evaluate(async (v) => {
    const api = (globalThis as any).browser ?? (globalThis as any).chrome;
    await api.storage.local.clear();
    await api.storage.local.set(v);
  }, items);
  await page.close();
}

const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};


const text = (page: Page) => page.evaluate(() => document.body.innerText);
const disabled = (page: Page, name: string) => byName(page, name, 'button').then((b) => b.evaluate((e) => (e as HTMLButtonElement).disabled));

const FILE = () => `thingpark-autofill-damaged-vault-${today()}.json`;
// What a later version might write: this version must leave it alone.
const NEWER = { format: 'thingpark-autofill-vault', version: 3, kdf: { name: 'Argon2id', memory: 65536, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' }, ciphertext: 'c2VjcmV0cw==' };

describe(`a damaged vault in ${KIND}`, () => {
  it('settings page: explained, downloaded exactly as stored, storage untouched; deleted after the confirmation, then a new vault', async () => {
    await store({ vault: NEWER, settings: { autoLockMinutes: 10, autoSubmit: false, deviceName: 'Laptop' } });
    const before = await s.storageLocal();
    const page = await s.openExtPage('options.html');
    await pollUntil(page, () => document.body.innerText.includes('cannot be read'));
    const shown = await text(page);
    expect(shown).toMatch(/written by a newer version/);
    expect(shown).toMatch(/Nothing has been changed or deleted/);
    expect(shown).toMatch(/Update ThingPark Autofill/);
    expect(await page.evaluate(() => document.querySelector('[role=alert]')?.textContent)).toMatch(/newer version/);
    // No unlock form for a vault this version cannot read, and no settings link on the settings page.
    expect(await page.$('input[type=password]')).toBeNull();
    expect(shown).not.toMatch(/Open settings/);
    expect(await axeViolations(page)).toEqual([]);

    await press(page, 'Download the stored data');
    const file = await downloaded(downloads, FILE());
    expect(JSON.parse(file)).toEqual({ vault: before.vault });
    expect(file).toBe(JSON.stringify({ vault: before.vault }));
    await pollUntil(page, () => document.querySelector('[role=status]')?.textContent?.includes('thingpark-autofill-damaged-vault-'));
    // Reading, explaining and exporting changed nothing.
    expect(await s.storageLocal()).toEqual(before);

    // Deleting asks first, naming the loss; with a copy downloaded no extra tick is needed.
    await press(page, 'Delete the damaged vault…');
    await pollUntil(page, () => document.activeElement?.id === 'damaged-question');
    expect(await text(page)).toMatch(/gone from this browser for good/);
    expect(await page.$('#damaged-without-copy')).toBeNull();
    expect(await s.storageLocal()).toEqual(before);
    await press(page, 'Delete for good');
    await byName(page, 'Create vault', 'button');
    const after = await s.storageLocal();
    expect(after).not.toHaveProperty('vault');
    expect(after.settings).toEqual(before.settings);

    await typeInto(page, 'Passphrase', PASSPHRASE);
    await typeInto(page, 'Confirm passphrase', PASSPHRASE);
    await press(page, 'Create vault');
    await byName(page, 'Lock', 'button');
    expect((await s.send({ type: 'vault.status' })).value.state).toBe('unlocked');
    await page.close();
  });

  it('popup: without a copy the deletion needs an explicit tick; Cancel changes nothing', async () => {
    await store({ vault: 'not a vault {' });
    const before = await s.storageLocal();
    const popup = await s.openExtPage('popup.html');
    await pollUntil(popup, () => document.body.innerText.includes('cannot be read'));
    expect(await text(popup)).toMatch(/not a ThingPark Autofill vault/);
    // The popup offers the settings page too (a download started from a popup is fragile in
    // Firefox when it asks where to save: the popup closes and the file goes with it).
    await byName(popup, 'Open settings', 'button');

    await press(popup, 'Delete the damaged vault…');
    expect(await disabled(popup, 'Delete for good')).toBe(true);
    await press(popup, 'Cancel');
    await pollUntil(popup, () => document.activeElement?.textContent === 'Delete the damaged vault…');
    expect(await s.storageLocal()).toEqual(before);

    // Keyboard only: open the confirmation again, tick, delete.
    await press(popup, 'Delete the damaged vault…');
    await pollUntil(popup, () => document.activeElement?.id === 'damaged-question');
    await (await byName(popup, 'I have not downloaded the stored data and want to delete it anyway', 'checkbox')).focus();
    await popup.keyboard.press(' ');
    expect(await disabled(popup, 'Delete for good')).toBe(false);
    expect(await s.storageLocal()).toEqual(before);
    await (await byName(popup, 'Delete for good', 'button')).focus();
    await popup.keyboard.press('Enter');
    await byName(popup, 'Create vault', 'button');
    expect(await s.storageLocal()).not.toHaveProperty('vault');
    await popup.close();
  });

  it('data that does not decrypt behind a valid envelope: the right passphrase finds it, then the same way out', async () => {
    await store({});
    expect((await s.send({ type: 'vault.create', passphrase: PASSPHRASE, confirm: PASSPHRASE })).ok).toBe(true);
    await s.send({ type: 'vault.lock' });
    const envelope = (await s.storageLocal()).vault as { ciphertext: string };
    const bytes = Buffer.from(envelope.ciphertext, 'base64');
    bytes[0]! ^= 0x01;
    const damaged = { ...envelope, ciphertext: bytes.toString('base64') };
    await store({ vault: damaged });

    const page = await s.openExtPage('options.html');
    // Without the key it looks like any locked vault.
    await typeInto(page, 'Passphrase', 'not the passphrase');
    await press(page, 'Unlock');
    await pollUntil(page, () => /Wrong passphrase/.test(document.body.innerText));
    await typeInto(page, 'Passphrase', PASSPHRASE);
    await press(page, 'Unlock');
    await pollUntil(page, () => document.body.innerText.includes('cannot be read'));
    expect(await text(page)).toMatch(/damaged: part of its data is missing or changed/);
    expect(await s.storageLocal()).toEqual({ vault: damaged });

    await press(page, 'Download the stored data');
    expect(JSON.parse(await downloaded(downloads, FILE()))).toEqual({ vault: damaged });
    expect(await s.storageLocal()).toEqual({ vault: damaged });
    await press(page, 'Delete the damaged vault…');
    await press(page, 'Delete for good');
    await byName(page, 'Create vault', 'button');
    expect(await s.storageLocal()).toEqual({});
    await page.close();
  });
});
