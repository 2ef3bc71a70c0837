/**
 * The options page's Backups section in a real browser: an encrypted backup exported from one
 * profile (a real download) and imported into a fresh one with another vault passphrase gives
 * the same accounts and codes, and the simulator accepts a login with them; a second import
 * changes nothing; conflicts, a wrong passphrase, a damaged or foreign file are reported and
 * change nothing; the plain otpauth:// list is reachable only past its warning.
 *
 * One file per options-page section; its cases share the two browser profiles (profileA,
 * profileB) and the helpers that export and import.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-ignore -- pngjs ships no type declarations (no @types/pngjs installed)
import { PNG } from 'pngjs';
import { HOTP, Secret, TOTP, URI } from 'otpauth';
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KIND, launch, pollUntil, type Session } from './harness';
import { BASE, DEFAULT_REALM, enroll, filledOtp, nextStep, onDashboard, PASSPHRASE, signIn, startPlatform, submitAndWait, type Platform } from './platform';
import { leaks } from './secrets';
import { byName, press } from './ui';
import { allowDownloads, downloaded, firefoxDownloadPrefs } from './downloads';

const tmp = mkdtempSync(join(tmpdir(), 'tpa-backups-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups = [];
});

const BACKUP_PASSPHRASE = 'a different backup passphrase';
const PASSPHRASE_B = 'second profile vault passphrase';
const EU = 'https://thingparkenterprise.eu.actility.com';

// ---------------------------------------------------------------------------------------------
// Profiles with real downloads
// ---------------------------------------------------------------------------------------------

/** Profile A: simulator, browser, vault; downloads saved into its own folder. */
async function profileA(): Promise<Platform & { downloads: string }> {
  const downloads = mkdtempSync(join(tmp, 'dl-a-'));
  const p = await startPlatform({ firefoxPrefs: firefoxDownloadPrefs(downloads) });
  cleanups.push(() => p.close());
  await allowDownloads(p.s, downloads);
  return { ...p, downloads };
}

/** A fresh browser profile on the same simulator, with its own vault under another passphrase. */
async function profileB(a: Platform): Promise<Platform & { downloads: string }> {
  const downloads = mkdtempSync(join(tmp, 'dl-b-'));
  const s = await launch({ thingparkPort: a.sim.port, firefoxPrefs: firefoxDownloadPrefs(downloads) });
  cleanups.push(() => s.close());
  await allowDownloads(s, downloads);
  const created = await s.send({ type: 'vault.create', passphrase: PASSPHRASE_B, confirm: PASSPHRASE_B });
  expect(created.ok).toBe(true);
  return { sim: a.sim, s, close: () => s.close(), downloads };
}


const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

interface Listed {
  id: string;
  label: string | null;
  issuer: string;
  accountName: string;
  origin: string;
  realm: string | null;
  deviceName: string;
  kind: string;
  algorithm: string;
  digits: number;
  period: number;
}

const list = async (s: Session): Promise<Listed[]> => (await s.send({ type: 'accounts.list' })).value;
/** What must survive a backup: everything the UI sees but the id and the time it was added. */
const comparable = (accounts: Listed[]) =>
  accounts
    .map(({ label, issuer, accountName, origin, realm, deviceName, kind, algorithm, digits, period }) => ({
      label, issuer, accountName, origin, realm, deviceName, kind, algorithm, digits, period,
    }))
    .sort((x, y) => `${x.origin} ${x.accountName}`.localeCompare(`${y.origin} ${y.accountName}`));
const vaultBlob = async (s: Session) => JSON.stringify((await s.storageLocal()).vault);

/** Current codes keyed by platform and user, so that two profiles' lists can be compared. */
async function codes(s: Session): Promise<Record<string, string>> {
  const accounts = await list(s);
  const reply = await s.send({ type: 'accounts.codes', ids: accounts.map((a) => a.id) });
  const byId = new Map(accounts.map((a) => [a.id, `${a.origin} ${a.realm} ${a.accountName}`]));
  return Object.fromEntries((reply.value as { id: string; code: string }[]).map((c) => [byId.get(c.id)!, c.code]));
}

/** Codes of both profiles read at the same moment (read again should a 30 s step end between). */
async function sameMomentCodes(a: Session, b: Session) {
  let pair = { a: {}, b: {} } as { a: Record<string, string>; b: Record<string, string> };
  for (let i = 0; i < 3; i++) {
    pair = { a: await codes(a), b: await codes(b) };
    if (JSON.stringify(pair.a) === JSON.stringify(pair.b)) break;
  }
  return pair;
}

const newSecret = () => new Secret({ size: 20 }).base32;
const uri = (kind: 'totp' | 'hotp', account: string, secret: string, params: string) =>
  `otpauth://${kind}/ThingPark%20Enterprise:${encodeURIComponent(account)}?secret=${secret}&issuer=ThingPark%20Enterprise&${params}`;

async function add(s: Session, accounts: { uri: string; origin: string; realm: string | null; deviceName: string }[]) {
  const reply = await s.send({ type: 'accounts.add', accounts, dryRun: false });
  expect(reply.ok).toBe(true);
  expect(reply.value.map((o: { status: string }) => o.status)).toEqual(accounts.map(() => 'added'));
}

// ---------------------------------------------------------------------------------------------
// Page helpers: controls by their visible label inside a part of the section (two parts both
// have a "Backup passphrase" field, and two a "Vault passphrase")
// ---------------------------------------------------------------------------------------------

async function openOptions(s: Session): Promise<Page> {
  const page = await s.openExtPage('options.html');
  await byName(page, 'Export encrypted backup', 'button');
  return page;
}

/** The control labelled `label` in the form named `part` (its heading or disclosure summary). */
async function control(page: Page, part: string, label: string): Promise<ElementHandle<HTMLInputElement>> {
  await page.bringToFront();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const handle = await page.evaluateHandle(
      (partName, labelText) => {
        const form = [...document.querySelectorAll('form')].find(
          (f) => document.getElementById(f.getAttribute('aria-labelledby') ?? '')?.textContent?.trim() === partName,
        );
        return [...(form?.querySelectorAll('label') ?? [])].find((l) => l.textContent?.trim() === labelText)?.control ?? null;
      },
      part,
      label,
    );
    const el = handle.asElement();
    if (el) return el as ElementHandle<HTMLInputElement>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no control "${label}" in "${part}"`);
}

/**
 * Replaces the field's text the way pasting from a password manager does: one insertText edit,
 * which fires a real input event (typing key by key costs seconds per field over BiDi).
 */
async function typeIn(page: Page, part: string, label: string, text: string) {
  const field = await control(page, part, label);
  await field.click();
  await field.evaluate((el, t) => {
    el.select();
    if (t) document.execCommand('insertText', false, t);
    else document.execCommand('delete');
  }, text);
  expect(await field.evaluate((el) => el.value)).toBe(text);
}

const EXPORT = 'Export an encrypted backup';
const IMPORT = 'Import a backup';
const PLAIN = 'Export without encryption…';

/** Text of the live regions (status and alert) inside the form named `part`. */
const liveText = (page: Page, part: string, role: 'status' | 'alert') =>
  page.evaluate(
    (partName, r) => {
      const form = [...document.querySelectorAll('form')].find(
        (f) => document.getElementById(f.getAttribute('aria-labelledby') ?? '')?.textContent?.trim() === partName,
      );
      return [...(form?.querySelectorAll(`[role=${r}]`) ?? [])].map((e) => e.textContent?.trim() ?? '').join(' ').trim();
    },
    part,
    role,
  );

async function waitLive(page: Page, part: string, role: 'status' | 'alert', re: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await liveText(page, part, role).catch(() => last);
    if (re.test(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`"${part}" ${role} never matched ${re} (last: "${last}")`);
}

/** Exports through the form; returns the downloaded file's text and the status sentence. */
async function exportBackup(page: Page, downloads: string, vaultPassphrase: string) {
  await typeIn(page, EXPORT, 'Vault passphrase', vaultPassphrase);
  await typeIn(page, EXPORT, 'Backup passphrase', BACKUP_PASSPHRASE);
  await typeIn(page, EXPORT, 'Repeat backup passphrase', BACKUP_PASSPHRASE);
  await press(page, 'Export encrypted backup');
  const name = `thingpark-autofill-backup-${today()}.json`;
  const status = await waitLive(page, EXPORT, 'status', /Backup of/);
  return { status, name, file: await downloaded(downloads, name) };
}

/** Imports `path` through the form and waits for its answer (report or error). */
async function importFile(page: Page, path: string, passphrase: string): Promise<{ status: string; alert: string }> {
  const input = await control(page, IMPORT, 'Backup file');
  await input.uploadFile(path);
  await typeIn(page, IMPORT, 'Backup passphrase', passphrase);
  await press(page, 'Import backup');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [status, alert] = [await liveText(page, IMPORT, 'status'), await liveText(page, IMPORT, 'alert')];
    if (status || alert) return { status, alert };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the import never answered');
}

/** Waits until the element `id` has the focus (forms move it to the field to fix after rendering). */
async function focusOn(page: Page, id: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let focused: string | undefined;
  while (Date.now() < deadline) {
    focused = await page.evaluate(() => document.activeElement?.id);
    if (focused === id) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the focus is on "${focused}", not on ${id}`);
}

/** Import report lists as shown: heading → item texts. */
const reportLists = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('.backups ul[aria-labelledby]')].map((ul) => [
        document.getElementById(ul.getAttribute('aria-labelledby')!)?.textContent?.trim(),
        [...ul.querySelectorAll('li')].map((li) => (li as HTMLElement).innerText.replace(/\s+/g, ' ').trim()),
      ]),
    ),
  );

const writeTmp = (name: string, content: string | Buffer) => {
  const path = join(tmp, `${randomBytes(4).toString('hex')}-${name}`);
  writeFileSync(path, content);
  return path;
};

/** axe-core on the Backups section only (the other sections have their own tests). */
let axeSource: string | null = null;
async function sectionViolations(page: Page) {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object'))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await (globalThis as any).axe.run({ include: [['section[aria-labelledby="backups-title"]']] }, { resultTypes: ['violations'] });
    if (!result.passes.length) throw new Error('axe checked nothing');
    return result.violations.map((v: any) => ({ id: v.id, help: v.help, targets: v.nodes.map((n: any) => n.target.join(' ')) }));
  });
}

// ---------------------------------------------------------------------------------------------

describe(`options page backups in ${KIND}`, () => {
  it(
    'a backup exported in one profile is imported into a fresh one: same accounts, same codes, a login the simulator accepts; a second import adds nothing',
    async () => {
      const a = await profileA();
      await enroll(a, 'jane.doe@example.com');
      const jane = a.sim.devices(DEFAULT_REALM, 'jane.doe@example.com')[0]!.secretBase32 as string;
      const shaSecret = newSecret();
      const hotpSecret = newSecret();
      await add(a.s, [
        { uri: uri('totp', 'sha@example.com', shaSecret, 'algorithm=SHA256&digits=8&period=60'), origin: BASE, realm: 'tpw-users-sha256-ope', deviceName: 'Office laptop' },
        { uri: uri('hotp', 'ops@example.com', hotpSecret, 'algorithm=SHA1&digits=6&counter=5'), origin: EU, realm: null, deviceName: '' },
      ]);
      const secrets = [jane, shaSecret, hotpSecret];
      const accountsA = await list(a.s);
      expect(accountsA).toHaveLength(3);

      // Export through the page: a real download.
      const optionsA = await openOptions(a.s);
      const exported = await exportBackup(optionsA, a.downloads, PASSPHRASE);
      expect(exported.status).toBe(`Backup of 3 accounts saved as ${exported.name}.`);
      // The three fields are empty again.
      for (const label of ['Vault passphrase', 'Backup passphrase', 'Repeat backup passphrase']) {
        expect(await (await control(optionsA, EXPORT, label)).evaluate((el) => el.value)).toBe('');
      }
      const envelope = JSON.parse(exported.file);
      expect(envelope).toMatchObject({ format: 'thingpark-autofill-vault', version: 2, kdf: { name: 'PBKDF2' }, cipher: { name: 'AES-GCM' } });
      for (const secret of secrets) expect(leaks(exported.file, secret)).toEqual([]);
      expect(exported.file).not.toMatch(/jane\.doe|otpauth|ThingPark Enterprise/);
      // Under its own passphrase: not the vault's.
      expect((await a.s.send({ type: 'backup.import', file: exported.file, passphrase: PASSPHRASE })).error?.code).toBe('wrong-passphrase');
      const backupPath = writeTmp(exported.name, exported.file);

      // Profile B: a fresh browser profile with its own vault and passphrase.
      const b = await profileB(a);
      expect(await list(b.s)).toEqual([]);
      const optionsB = await openOptions(b.s);
      const first = await importFile(optionsB, backupPath, BACKUP_PASSPHRASE);
      expect(first).toEqual({ status: 'Backup imported. Added: 3. Already present: 0. In conflict: 0.', alert: '' });
      const shown = await reportLists(optionsB);
      expect(Object.keys(shown)).toEqual(['Added (3)']);
      expect(shown['Added (3)']).toEqual(
        expect.arrayContaining([
          'ThingPark Enterprise jane.doe@example.com community.thingpark.io · realm tpw-users-actility-tpe-ope',
          'ThingPark Enterprise sha@example.com community.thingpark.io · realm tpw-users-sha256-ope',
          'ThingPark Enterprise ops@example.com thingparkenterprise.eu.actility.com',
        ]),
      );
      // The form is ready for another file: nothing of this one is kept.
      expect(await (await control(optionsB, IMPORT, 'Backup file')).evaluate((el) => el.files?.length ?? 0)).toBe(0);
      expect(await (await control(optionsB, IMPORT, 'Backup passphrase')).evaluate((el) => el.value)).toBe('');

      const accountsB = await list(b.s);
      expect(comparable(accountsB)).toEqual(comparable(accountsA));
      const pair = await sameMomentCodes(a.s, b.s);
      expect(Object.keys(pair.b)).toHaveLength(3);
      expect(pair.b).toEqual(pair.a);
      // And they are the right codes, not merely equal ones.
      const janeKey = `${BASE} ${DEFAULT_REALM} jane.doe@example.com`;
      const shaKey = `${BASE} tpw-users-sha256-ope sha@example.com`;
      const step = (period: number) => (code: string, secret: TOTP) =>
        [-1, 0].some((d) => secret.generate({ timestamp: Date.now() + d * period * 1000 }) === code);
      expect(step(30)(pair.b[janeKey]!, new TOTP({ secret: Secret.fromBase32(jane) }))).toBe(true);
      expect(step(60)(pair.b[shaKey]!, new TOTP({ secret: Secret.fromBase32(shaSecret), algorithm: 'SHA256', digits: 8, period: 60 }))).toBe(true);

      // The simulator accepts a login in B with the imported account, filled by B's extension.
      nextStep(a);
      const login = await signIn(b, 'jane.doe@example.com');
      await filledOtp(login);
      await submitAndWait(login, '#kc-login');
      expect(await onDashboard(login)).toBe(true);
      await login.close();

      // The same file again: everything is already there; the stored vault is not even rewritten.
      const listBefore = await list(b.s);
      const blobBefore = await vaultBlob(b.s);
      const again = await importFile(optionsB, backupPath, BACKUP_PASSPHRASE);
      expect(again).toEqual({ status: 'Backup imported. Added: 0. Already present: 3. In conflict: 0.', alert: '' });
      expect(Object.keys(await reportLists(optionsB))).toEqual(['Already present, nothing to do (3)']);
      expect(await list(b.s)).toEqual(listBefore);
      expect(await vaultBlob(b.s)).toBe(blobBefore);

      for (const s of [a.s, b.s]) for (const secret of secrets) expect(leaks(s.logs.join('\n'), secret)).toEqual([]);
    },
    180_000,
  );

  it('conflicts are reported with their reason and leave the stored accounts as they were; axe finds nothing', async () => {
    const a = await profileA();
    const [k1, k2, k3] = [newSecret(), newSecret(), newSecret()];
    await add(a.s, [
      { uri: uri('totp', 'ann@example.com', k1, 'period=30'), origin: BASE, realm: DEFAULT_REALM, deviceName: 'Laptop' },
      { uri: uri('totp', 'bob@example.com', k2, 'period=30'), origin: BASE, realm: DEFAULT_REALM, deviceName: 'Laptop' },
    ]);
    const backup = await a.s.send({ type: 'backup.export', vaultPassphrase: PASSPHRASE, passphrase: BACKUP_PASSPHRASE, confirm: BACKUP_PASSPHRASE });
    expect(backup.ok).toBe(true);
    const path = writeTmp('conflicts.json', backup.value.file);

    // Since the backup: ann re-enrolled this device (another key); bob's account moved platform.
    const listed = await list(a.s);
    const ann = listed.find((x) => x.accountName === 'ann@example.com');
    const bob = listed.find((x) => x.accountName === 'bob@example.com');
    expect((await a.s.send({ type: 'accounts.delete', id: ann!.id })).ok).toBe(true);
    await add(a.s, [{ uri: uri('totp', 'ann@example.com', k3, 'period=30'), origin: BASE, realm: DEFAULT_REALM, deviceName: 'Laptop' }]);
    expect((await a.s.send({ type: 'accounts.update', id: bob!.id, changes: { origin: EU, realm: null } })).ok).toBe(true);
    const listBefore = await list(a.s);
    const blobBefore = await vaultBlob(a.s);

    const page = await openOptions(a.s);
    const result = await importFile(page, path, BACKUP_PASSPHRASE);
    expect(result).toEqual({ status: 'Backup imported. Added: 0. Already present: 0. In conflict: 2.', alert: '' });
    expect(await reportLists(page)).toEqual({
      'In conflict, not imported (2)': expect.arrayContaining([
        'ThingPark Enterprise ann@example.com community.thingpark.io · realm tpw-users-actility-tpe-ope a different key is stored for this user and device',
        'ThingPark Enterprise bob@example.com community.thingpark.io · realm tpw-users-actility-tpe-ope the same key is stored for another platform or user',
      ]),
    });
    expect(await page.evaluate(() => document.body.innerText)).toContain('The accounts stored here were kept unchanged.');
    expect(await list(a.s)).toEqual(listBefore);
    expect(await vaultBlob(a.s)).toBe(blobBefore);
    // ann keeps the newer key: her code is still k3's, not the backup's k1's.
    const annCode = (await codes(a.s))[`${BASE} ${DEFAULT_REALM} ann@example.com`]!;
    const codesOf = (k: string) => [0, -30_000].map((d) => new TOTP({ secret: Secret.fromBase32(k) }).generate({ timestamp: Date.now() + d }));
    expect(codesOf(k3)).toContain(annCode);
    expect(codesOf(k1)).not.toContain(annCode);

    expect(await sectionViolations(page)).toEqual([]);
    for (const secret of [k1, k2, k3]) expect(leaks(a.s.logs.join('\n'), secret)).toEqual([]);
  }, 120_000);

  it('a wrong passphrase, a damaged file and foreign files each say what is wrong and change nothing', async () => {
    const a = await profileA();
    const secret = newSecret();
    await add(a.s, [{ uri: uri('totp', 'ann@example.com', secret, 'period=30'), origin: BASE, realm: DEFAULT_REALM, deviceName: 'Laptop' }]);
    // A backup of another profile's account, so that a successful import would change something.
    const other = await a.s.send({ type: 'backup.export', vaultPassphrase: PASSPHRASE, passphrase: BACKUP_PASSPHRASE, confirm: BACKUP_PASSPHRASE });
    expect((await a.s.send({ type: 'accounts.delete', id: (await list(a.s))[0]!.id })).ok).toBe(true);
    await add(a.s, [{ uri: uri('totp', 'kim@example.com', newSecret(), 'period=30'), origin: BASE, realm: DEFAULT_REALM, deviceName: 'Laptop' }]);
    const file = other.value.file as string;

    const envelope = JSON.parse(file);
    const c: string = envelope.ciphertext;
    const i = Math.floor(c.length / 2);
    const damaged = JSON.stringify({ ...envelope, ciphertext: `${c.slice(0, i)}${c[i] === 'A' ? 'B' : 'A'}${c.slice(i + 1)}` });
    const png = new PNG({ width: 8, height: 8 });
    randomBytes(png.data.length).copy(png.data);

    const cases: [string, string, string | Buffer, string][] = [
      ['wrong passphrase', 'backup.json', file, 'Wrong backup passphrase. Nothing was imported.'],
      ['damaged', 'damaged.json', damaged, 'The backup file is damaged and cannot be decrypted. Nothing was imported; try another copy of the backup.'],
      ['foreign JSON', 'hello.json', '{"hello":1}', 'This file is not a ThingPark Autofill backup. Nothing was imported.'],
      ['PNG', 'picture.png', PNG.sync.write(png), 'This file is not a ThingPark Autofill backup. Nothing was imported.'],
      ['too large', 'huge.json', Buffer.alloc(10 * 1024 * 1024 + 1, 0x20), 'This file is too large to be a backup (more than 10 MB). Nothing was imported.'],
    ];
    const page = await openOptions(a.s);
    for (const [what, name, content, message] of cases) {
      const listBefore = await list(a.s);
      const blobBefore = await vaultBlob(a.s);
      const passphrase = what === 'wrong passphrase' ? 'not the backup passphrase' : BACKUP_PASSPHRASE;
      const result = await importFile(page, writeTmp(name, content), passphrase);
      expect(result, what).toEqual({ status: '', alert: message });
      // The field to fix is marked and gets the focus.
      const field = what === 'wrong passphrase' ? 'Backup passphrase' : 'Backup file';
      await pollUntil(page, () => (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent ?? '').then((focused) => expect(focused, what).toBe(field));
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid')), what).toBe('true');
      expect(await list(a.s), what).toEqual(listBefore);
      expect(await vaultBlob(a.s), what).toBe(blobBefore);
    }
    // The right passphrase then imports it: the file was fine, only the passphrase was wrong.
    const ok = await importFile(page, writeTmp('backup.json', file), BACKUP_PASSPHRASE);
    expect(ok).toEqual({ alert: '', status: 'Backup imported. Added: 1. Already present: 0. In conflict: 0.' });
    expect(leaks(a.s.logs.join('\n'), secret)).toEqual([]);
  }, 120_000);

  it('export errors name the passphrase that is wrong', async () => {
    const a = await profileA();
    const page = await openOptions(a.s);
    const attempt = async (vault: string, backup: string, repeat: string) => {
      for (const [label, text] of [['Vault passphrase', vault], ['Backup passphrase', backup], ['Repeat backup passphrase', repeat]] as const) {
        await typeIn(page, EXPORT, label, text);
      }
      await press(page, 'Export encrypted backup');
      return waitLive(page, EXPORT, 'alert', /./);
    };
    expect(await attempt(PASSPHRASE, 'short', 'short')).toBe('The backup passphrase is too short: use at least 8 characters. No backup was made.');
    await focusOn(page, 'backup-export-passphrase');
    expect(await attempt(PASSPHRASE, BACKUP_PASSPHRASE, `${BACKUP_PASSPHRASE}!`)).toBe('The two backup passphrases are not the same. No backup was made.');
    await focusOn(page, 'backup-export-confirm');
    expect(await attempt('not the vault passphrase', BACKUP_PASSPHRASE, BACKUP_PASSPHRASE)).toBe(
      'Wrong vault passphrase: enter the passphrase that unlocks this extension. Nothing was exported.',
    );
    await focusOn(page, 'backup-export-vault');
    expect(await (await control(page, EXPORT, 'Vault passphrase')).evaluate((el) => el.value)).toBe('');
    expect(readdirSync(a.downloads)).toEqual([]);
  }, 120_000);

  it('the plain otpauth:// list is reachable only past its warning, by keyboard, and parses back to the same accounts', async () => {
    const a = await profileA();
    const secrets = [newSecret(), newSecret(), newSecret()];
    await add(a.s, [
      { uri: uri('totp', 'ann@example.com', secrets[0]!, 'period=30'), origin: BASE, realm: DEFAULT_REALM, deviceName: 'Laptop' },
      { uri: uri('totp', 'sha@example.com', secrets[1]!, 'algorithm=SHA512&digits=8&period=60'), origin: BASE, realm: 'tpw-users-sha256-ope', deviceName: '' },
      { uri: uri('hotp', 'ops@example.com', secrets[2]!, 'counter=7'), origin: EU, realm: null, deviceName: '' },
    ]);
    const page = await openOptions(a.s);
    // Closed: neither the button nor its passphrase field is there for anyone.
    await expect(byName(page, 'Export unencrypted list', 'button', 1000)).rejects.toThrow();
    expect(await page.evaluate(() => (document.getElementById('backup-plain-vault') as HTMLElement).checkVisibility())).toBe(false);

    // Opened by keyboard: the warning, the checkbox; the rest is disabled and out of the tab order.
    const summary = await page.$('summary#backup-plain-title');
    await summary!.focus();
    await page.keyboard.press('Enter');
    const box = await byName(page, 'I understand that this file is not protected', 'checkbox');
    const warning = await page.evaluate(() => document.getElementById('backup-plain-warning')?.textContent ?? '');
    expect(warning).toContain('anyone who gets this file can log in as you to these platforms');
    expect(warning).toContain('Prefer the encrypted backup');
    expect(warning).toContain('delete the file right after');
    const button = await byName(page, 'Export unencrypted list', 'button');
    expect(await button.evaluate((el) => (el as HTMLButtonElement).matches(':disabled'))).toBe(true);
    expect(await (await control(page, PLAIN, 'Vault passphrase')).evaluate((el) => el.matches(':disabled'))).toBe(true);
    // Disabled controls cannot take the focus at all (so neither Tab nor a script's focus() reaches them).
    const takesFocus = (h: ElementHandle<Element>) =>
      h.evaluate((el) => {
        (el as HTMLElement).focus();
        return document.activeElement === el;
      });
    expect(await takesFocus(button)).toBe(false);
    expect(await takesFocus(await control(page, PLAIN, 'Vault passphrase'))).toBe(false);
    expect(await takesFocus(box)).toBe(true); // the check itself works
    expect(await sectionViolations(page)).toEqual([]);

    // Ticked: Tab reaches the passphrase, then the button. A wrong passphrase first.
    await box.focus();
    await page.keyboard.press(' ');
    await page.keyboard.press('Tab');

    expect(await page.evaluate(() => document.activeElement?.id)).toBe('backup-plain-vault');
    await page.keyboard.type('not the vault passphrase');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Export unencrypted list');
    await page.keyboard.press('Enter');
    expect(await waitLive(page, PLAIN, 'alert', /./)).toBe('Wrong vault passphrase: enter the passphrase that unlocks this extension. Nothing was exported.');
    expect(readdirSync(a.downloads)).toEqual([]);

    await page.keyboard.type(PASSPHRASE);
    await page.keyboard.press('Enter');
    const name = `thingpark-autofill-otpauth-${today()}.txt`;
    expect(await waitLive(page, PLAIN, 'status', /list of/)).toBe(`Unencrypted list of 3 accounts saved as ${name}. Delete the file once you have used it.`);
    const text = await downloaded(a.downloads, name);
    // Cleared: passphrase empty, checkbox unticked (so the button is disabled again).
    expect(await (await control(page, PLAIN, 'Vault passphrase')).evaluate((el) => el.value)).toBe('');
    expect(await box.evaluate((el) => (el as HTMLInputElement).checked)).toBe(false);
    expect(await button.evaluate((el) => (el as HTMLButtonElement).matches(':disabled'))).toBe(true);

    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^otpauth:\/\/(totp|hotp)\//);
    const parsed = lines.map((l) => URI.parse(l));
    const summaryOf = (o: TOTP | HOTP) => ({
      kind: o instanceof TOTP ? 'totp' : 'hotp',
      issuer: o.issuer,
      accountName: o.label,
      algorithm: o.algorithm,
      digits: o.digits,
      ...(o instanceof TOTP ? { period: o.period } : { counter: o.counter }),
      secret: o.secret.base32,
    });
    const accounts = await list(a.s);
    const expected = accounts.map((acc, i) => ({
      kind: acc.kind,
      issuer: acc.issuer,
      accountName: acc.accountName,
      algorithm: acc.algorithm,
      digits: acc.digits,
      ...(acc.kind === 'totp' ? { period: acc.period } : { counter: 7 }),
      secret: secrets[['ann@example.com', 'sha@example.com', 'ops@example.com'].indexOf(acc.accountName)]!,
      i,
    }));
    expect(parsed.map(summaryOf).sort((x, y) => x.accountName.localeCompare(y.accountName))).toEqual(
      expected.map(({ i: _i, ...e }) => e).sort((x, y) => x.accountName.localeCompare(y.accountName)),
    );
    for (const secret of secrets) expect(leaks(a.s.logs.join('\n'), secret)).toEqual([]);
  }, 120_000);
});
