/**
 * The popup's "Add account" view, tab "From an app", in a real browser: export files of other
 * authenticators picked (or dropped) as a user does it, read in the popup, previewed and saved.
 * - Aegis plain (a Steam entry listed "not supported"), then an imported account logs in to the
 *   simulated ThingPark; the same file again: all "already saved", nothing added.
 * - Aegis encrypted: the password field (axe-checked), a wrong password said on it and nothing
 *   saved, the right one opens the preview.
 * - 2FAS plain and encrypted; Bitwarden unencrypted JSON (otpauth URI, bare key, item without
 *   TOTP) and an encrypted Bitwarden export refused with its message.
 * - The Authenticator extension's JSON backup and its .txt of otpauth:// links (dropped).
 * - Bad files (not an export, truncated, damaged, empty): the file field says what is wrong and
 *   the vault is unchanged. Too large is unit-tested (tests/unit/import/apps/app-file.test.ts).
 * After every save, no imported secret is left in the popup's DOM.
 *
 * The page helpers are copies of popup-add.e2e.ts's (by accessible name); the sample files come
 * from the unit tests' writers (Aegis, 2FAS) or are built here like the unit tests build them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret } from 'otpauth';
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { aegisEncrypted, aegisEntry, aegisPlain, twofasEncrypted, twofasPlain, twofasService } from '../unit/import/apps/app-file-writers';
import { KIND, pollUntil } from './harness';
import { BASE, DEFAULT_REALM, listAccounts, platformPerTest, signsInWithFilledCode, type Platform } from './platform';
import { leaks } from './secrets';
import { press } from './ui';
import { control, errorNow, expectAccessible, fill, openAdd, preview, saved, tab } from './add-view';

const platform = platformPerTest();

const tmp = mkdtempSync(join(tmpdir(), 'tpa-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const randomSecret = () => new Secret({ size: 20 }).base32;
const FILE = 'Export file of another authenticator';
const TPE = 'ThingPark Enterprise';

/** A sample file in the temporary folder, JSON unless given as text. */
function writeFile(name: string, content: unknown): string {
  writeFileSync(join(tmp, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return join(tmp, name);
}

// ---------------------------------------------------------------------------------------------
// Page helpers (by accessible name; the Add view's own in add-view.ts)

/** Waits until the field says exactly `text` (a previous file's error may still be on screen). */
async function expectFieldError(page: Page, name: string, text: string): Promise<void> {
  await expect.poll(() => errorNow(page, name), { timeout: 15_000, interval: 100 }).toBe(text);
}

/** What the file panel's status line says. */
const fileStatus = (page: Page) => page.evaluate(() => document.querySelector('[role=tabpanel] [role=status]')?.textContent?.trim() ?? '');


async function setPlatform(page: Page) {
  await fill(page, 'Platform address', BASE);
  await fill(page, 'Realm', DEFAULT_REALM);
}

async function upload(page: Page, path: string) {
  await tab(page, 'From an app');
  const input = (await control(page, FILE)) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(path);
}

/** Saves what the preview offers, checks the count said, and that none of `secrets` stayed in the popup's DOM. */
async function saveAll(page: Page, n: number, secrets: string[]) {
  await press(page, n === 1 ? 'Save 1 account' : `Save ${n} accounts`);
  expect(await saved(page)).toBe(n === 1 ? 'Saved 1 account.' : `Saved ${n} accounts.`);
  const html = await page.evaluate(() => document.documentElement.outerHTML);
  for (const s of secrets) expect(leaks(html, s)).toEqual([]);
}

const names = async (p: Platform) => (await listAccounts(p.s)).map((a) => a.accountName).sort();

// ---------------------------------------------------------------------------------------------
// Sample files, in the structures the unit tests write

/** A Bitwarden login item (CipherWithIdExport with a LoginExport), as bitwarden.test.ts builds it. */
let bwId = 0;
const bwLogin = (name: string, totp: string | null, username: string | null) => ({
  id: `00000000-0000-4000-8000-${String(++bwId).padStart(12, '0')}`,
  ...{ organizationId: null, folderId: null, type: 1, reprompt: 0, name, notes: null, favorite: false, collectionIds: null },
  login: { fido2Credentials: [], uris: [{ match: null, uri: `${BASE}/` }], username, password: 'correct horse battery staple', totp },
});

/** An Authenticator extension entry (OTPStorage, defaults left out), as authenticator.test.ts builds it. */
const authEntry = (index: number, secret: string, issuer: string, account: string): [string, Record<string, unknown>] => {
  const hash = `7f1c${String(index).padStart(4, '0')}-1b2c-4d3e-8f40-a1b2c3d4e5f6`;
  return [hash, { encrypted: false, hash, index, type: 'totp', secret, issuer, account, dataType: 'OTPStorage' }];
};

const link = (issuer: string, account: string, secret: string) =>
  `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}?secret=${secret}&issuer=${encodeURIComponent(issuer)}`;

// ---------------------------------------------------------------------------------------------

describe(`import from an app in ${KIND}`, () => {
  it('Aegis plain: previewed with a Steam entry not supported, saved, logs in; the same file again adds nothing', async () => {
    const secret = randomSecret();
    // The simulator knows this user's phone with the secret the Aegis file holds.
    const p = await platform({ simUsers: [{ username: 'aegis.user@example.com', devices: [{ label: 'Phone', secret }], requiredActions: [] }] });
    const others = [randomSecret(), randomSecret()];
    const file = writeFile(
      'aegis-export.json',
      aegisPlain([
        aegisEntry('totp', 'aegis.user@example.com', TPE, { secret }),
        aegisEntry('totp', 'ops@example.com', 'Keycloak dev', { secret: others[0], algo: 'SHA256', digits: 8 }),
        aegisEntry('steam', 'gamer', 'Steam', { secret: randomSecret(), digits: 5 }),
        aegisEntry('hotp', 'vpn-user', 'VPN', { secret: others[1], counter: 3 }),
      ]),
    );
    const page = await openAdd(p);
    await setPlatform(page);
    await upload(page, file);

    const shown = await preview(page);
    expect(shown.summary).toBe('3 new, 1 not supported (unknown type)');
    expect(shown.rows).toEqual([
      { name: expect.stringContaining('aegis.user@example.com'), status: 'New' },
      { name: expect.stringContaining('ops@example.com'), status: 'New' },
      { name: expect.stringContaining('vpn-user'), status: 'New' },
      { name: expect.stringContaining('gamer'), status: 'Not supported (unknown type)' },
    ]);
    expect(shown.rows[0]!.name).toContain(TPE);
    expect(await listAccounts(p.s)).toEqual([]);
    await saveAll(page, 3, [secret, ...others]);
    const accounts = await listAccounts(p.s);
    expect(accounts.map((a) => a.accountName).sort()).toEqual(['aegis.user@example.com', 'ops@example.com', 'vpn-user']);
    expect(accounts.every((a) => a.origin === BASE && a.realm === DEFAULT_REALM)).toBe(true);

    // The same file once more: everything is there already, nothing to save.
    await press(page, 'Add another');
    await upload(page, file);
    const again = await preview(page);
    expect(again.summary).toBe('3 already saved, 1 not supported (unknown type)');
    expect(again.rows.filter((r) => r.status === 'Already saved (skipped)')).toHaveLength(3);
    expect(again.buttons.some((b) => b.startsWith('Save'))).toBe(false);
    expect(await page.evaluate(() => document.body.innerText)).toContain('Nothing new to save.');
    expect(await listAccounts(p.s)).toHaveLength(3);

    // The imported account fills the login by itself.
    expect(await signsInWithFilledCode(p, 'aegis.user@example.com')).toBe(true);
  });

  it('Aegis encrypted: asks its password (accessible), a wrong one is said and saves nothing, the right one opens it', async () => {
    const p = await platform();
    const secrets = [randomSecret(), randomSecret()];
    const password = 'aegis vault passphrase 42';
    const file = writeFile(
      'aegis-encrypted.json',
      aegisEncrypted([aegisEntry('totp', 'locked1@example.com', TPE, { secret: secrets[0] }), aegisEntry('totp', 'locked2@example.com', TPE, { secret: secrets[1] })], [{ password }]),
    );
    const page = await openAdd(p);
    await setPlatform(page);
    await upload(page, file);
    const PASSWORD = 'Password of this Aegis file';
    await control(page, PASSWORD);
    expect(await fileStatus(page)).toBe('aegis-encrypted.json: encrypted Aegis export. Type its password, then Review.');
    await expectAccessible(page, 'file panel asking a password');

    await press(page, 'Review');
    await expectFieldError(page, PASSWORD, 'This Aegis file is encrypted: type its password.');
    await fill(page, PASSWORD, 'not the password');
    await press(page, 'Review');
    await expectFieldError(page, PASSWORD, 'Wrong password for this Aegis file.');
    // The field with the error has focus, so its message is read out.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('add-file-password');
    expect(await errorNow(page, FILE)).toBe('');
    await expectAccessible(page, 'wrong password');
    expect(await listAccounts(p.s)).toEqual([]);

    await fill(page, PASSWORD, password);
    await press(page, 'Review');
    const shown = await preview(page);
    expect(shown.summary).toBe('2 new');
    expect(shown.rows.map((r) => r.status)).toEqual(['New', 'New']);
    await saveAll(page, 2, secrets);
    expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain(password);
    expect(await names(p)).toEqual(['locked1@example.com', 'locked2@example.com']);
  });

  it('2FAS plain and encrypted (.2fas): previewed and saved', async () => {
    const p = await platform();
    const secrets = [randomSecret(), randomSecret(), randomSecret()];
    const plain = writeFile('backup.2fas', twofasPlain([twofasService({ name: 'TPE', issuer: TPE, account: 'plain@example.com', secret: secrets[0] })]));
    const password = '2fas backup password';
    const locked = writeFile(
      'locked.2fas',
      twofasEncrypted(
        [
          twofasService({ name: 'TPE', issuer: TPE, account: 'enc1@example.com', secret: secrets[1] }),
          twofasService({ name: 'Grafana', issuer: 'Grafana', account: 'enc2', secret: secrets[2], digits: 8, period: 60 }),
        ],
        password,
      ),
    );
    const page = await openAdd(p);
    await setPlatform(page);
    await upload(page, plain);
    expect((await preview(page)).rows).toEqual([{ name: expect.stringContaining('plain@example.com'), status: 'New' }]);
    await saveAll(page, 1, [secrets[0]!]);

    await press(page, 'Add another');
    await upload(page, locked);
    await fill(page, 'Password of this 2FAS file', 'wrong');
    await press(page, 'Review');
    await expectFieldError(page, 'Password of this 2FAS file', 'Wrong password for this 2FAS file.');
    await fill(page, 'Password of this 2FAS file', password);
    await press(page, 'Review');
    const shown = await preview(page);
    expect(shown.summary).toBe('2 new');
    expect(shown.rows).toEqual([
      { name: expect.stringContaining('enc1@example.com'), status: 'New' },
      { name: expect.stringContaining('enc2'), status: 'New' },
    ]);
    await saveAll(page, 2, secrets);
    expect(await names(p)).toEqual(['enc1@example.com', 'enc2', 'plain@example.com']);
  });

  it('Bitwarden: an otpauth URI and a bare key saved, an item without TOTP left out; an encrypted export refused', async () => {
    const p = await platform();
    const secrets = [randomSecret(), randomSecret()];
    const file = writeFile('bitwarden_export.json', {
      encrypted: false,
      folders: [{ id: 'f1', name: 'Work' }],
      items: [
        bwLogin('TPE production', `otpauth://totp/${encodeURIComponent(TPE)}:bw.uri%40example.com?secret=${secrets[0]}&issuer=${encodeURIComponent(TPE)}`, 'someone'),
        // A key as pasted into Bitwarden: lower case, in groups.
        bwLogin('Keycloak dev', secrets[1]!.toLowerCase().replace(/(.{4})/g, '$1 '), 'bw.key@example.com'),
        bwLogin('Mail', null, 'bw.mail@example.com'),
        { id: 'n1', type: 2, name: 'Recovery codes', notes: 'abcd-efgh', secureNote: { type: 0 } },
      ],
    });
    const page = await openAdd(p);
    await setPlatform(page);
    await upload(page, file);
    const shown = await preview(page);
    expect(shown.summary).toBe('2 new');
    expect(shown.rows).toEqual([
      { name: expect.stringContaining('bw.uri@example.com'), status: 'New' },
      { name: expect.stringContaining('bw.key@example.com'), status: 'New' },
    ]);
    expect(shown.rows[1]!.name).toContain('Keycloak dev');
    await saveAll(page, 2, secrets);
    expect(await names(p)).toEqual(['bw.key@example.com', 'bw.uri@example.com']);

    // A password-protected export (bitwarden.test.ts): PBKDF2 settings and EncStrings.
    const enc = (n: number) => `2.${'A'.repeat(22)}${n}==|${'B'.repeat(40)}|${'C'.repeat(43)}=`;
    const kdf = { salt: 'c2FsdHNhbHRzYWx0c2FsdA==', kdfType: 0, kdfIterations: 600000 };
    const encrypted = writeFile('bitwarden_encrypted_export.json', { encrypted: true, passwordProtected: true, ...kdf, encKeyValidation_DO_NOT_EDIT: enc(0), data: enc(1) });
    await press(page, 'Add another');
    await upload(page, encrypted);
    await expectFieldError(page, FILE, 'This Bitwarden export is encrypted. Export your vault again as .json (not encrypted).');
    await press(page, 'Review');
    await expectFieldError(page, FILE, 'This Bitwarden export is encrypted. Export your vault again as .json (not encrypted).');
    expect(await names(p)).toEqual(['bw.key@example.com', 'bw.uri@example.com']);
  });

  it("the Authenticator extension's JSON backup, and its .txt of otpauth:// links dropped on the view", async () => {
    const p = await platform();
    const secrets = [randomSecret(), randomSecret(), randomSecret(), randomSecret()];
    const backup = writeFile(
      'authenticator.json',
      Object.fromEntries([authEntry(0, secrets[0]!, TPE, 'auth1@example.com'), authEntry(1, secrets[1]!, 'GitLab', 'auth2')]),
    );
    const page = await openAdd(p);
    await setPlatform(page);
    await upload(page, backup);
    const shown = await preview(page);
    expect(shown.rows).toEqual([
      { name: expect.stringContaining('auth1@example.com'), status: 'New' },
      { name: expect.stringContaining('auth2'), status: 'New' },
    ]);
    await saveAll(page, 2, secrets.slice(0, 2));

    // The extension's other export: one link a line (a blank line in between), dropped, not picked.
    await press(page, 'Add another');
    await tab(page, 'From an app');
    const text = `${link(TPE, 'txt1@example.com', secrets[2]!)}\n\n${link('Jira', 'txt2', secrets[3]!)}\n`;
    await page.evaluate((content) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([content], 'authenticator.txt', { type: 'text/plain' }));
      document.querySelector('[role=tabpanel]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, text);
    const links = await preview(page);
    expect(links.rows).toEqual([
      { name: expect.stringContaining('txt1@example.com'), status: 'New' },
      { name: expect.stringContaining('txt2'), status: 'New' },
    ]);
    await saveAll(page, 2, secrets);
    expect(await names(p)).toEqual(['auth1@example.com', 'auth2', 'txt1@example.com', 'txt2']);
  });

  it('bad files: the file field says what is wrong, and the vault is unchanged', async () => {
    const p = await platform();
    const kept = randomSecret();
    expect((await p.s.send({ type: 'accounts.add', dryRun: false, accounts: [{ uri: link(TPE, 'kept@example.com', kept), origin: BASE, realm: DEFAULT_REALM, deviceName: '' }] })).ok).toBe(true);
    const before = await listAccounts(p.s);
    const full = JSON.stringify(aegisPlain([aegisEntry('totp', 'cut@example.com', TPE, { secret: randomSecret() })]));
    const UNKNOWN = 'This file is not an export we can read: Aegis, 2FAS, Bitwarden, the Authenticator extension, or otpauth:// links.';
    const DAMAGED = 'This file is damaged: it cannot be read. Export it again.';
    const cases: [string, unknown, string][] = [
      ['settings.json', { settings: { theme: 'dark', language: 'en' }, version: '2.1' }, UNKNOWN],
      // A cut file is no JSON any more: its app cannot be recognised, but it is said as damaged.
      ['aegis-cut.json', full.slice(0, Math.floor(full.length / 2)), DAMAGED],
      ['aegis-damaged.json', { ...aegisPlain([]), db: { version: 3, entries: 'none', groups: [] } }, DAMAGED],
      ['aegis-empty.json', aegisPlain([]), 'This file holds no accounts.'],
      ['aegis-newer.json', { ...aegisPlain([]), version: 9 }, 'This Aegis file was written by a newer version than we can read.'],
    ];
    const page = await openAdd(p);
    await setPlatform(page);
    for (const [name, content, message] of cases) {
      await upload(page, writeFile(name, content));
      await expectFieldError(page, FILE, message);
      // Review says it again rather than sending anything.
      await press(page, 'Review');
      await expectFieldError(page, FILE, message);
      expect(await page.evaluate(() => [...document.querySelectorAll('button')].some((b) => b.textContent?.startsWith('Save'))), name).toBe(false);
    }
    await expectAccessible(page, 'file with an error');
    expect(await listAccounts(p.s)).toEqual(before);
  });

  it("popup.html#add-file (the tab a Firefox popup opens to choose a file) starts on 'From an app', with the file picker itself", async () => {
    const p = await platform();
    const page = await p.s.openExtPage('popup.html#add-file');
    await pollUntil(page, () => document.getElementById('add-tab-file')?.getAttribute('aria-selected') === 'true');
    // In a tab a file dialog closes nothing: the picker is there, not the way to a tab.
    const input = await control(page, FILE);
    expect(await input.evaluate((el) => (el as HTMLInputElement).type)).toBe('file');
    expect(await page.evaluate(() => document.body.innerText)).not.toContain('Choose the file in a tab');
    await setPlatform(page);
    const file = writeFile('from-tab.json', aegisPlain([aegisEntry('totp', 'tab@example.com', TPE, { secret: randomSecret() })]));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(file);
    expect((await preview(page)).summary).toBe('1 new');
  });
});
