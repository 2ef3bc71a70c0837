/**
 * A vault written by version 0.1.0 (format 1: tests/fixtures/vault-v1/vault.json, made by that
 * version's own code) in a real browser: it unlocks with its passphrase as it is, its accounts
 * are all there with their codes, and the first change writes it as format 2, which still opens.
 * (That 0.1.0 refuses format 2 as "made by a newer version" is proved against its reader in
 * tests/unit/vault/version.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIND, launch, type Session } from './harness';
import { byName, press, typeInto } from './ui';

const PASSPHRASE = 'correct horse battery staple';
const V1 = JSON.parse(readFileSync(new URL('../fixtures/vault-v1/vault.json', import.meta.url), 'utf8')) as { version: number };

let s: Session;
beforeAll(async () => {
  s = await launch();
});
afterAll(async () => {
  await s?.close();
});

describe(`a vault of version 0.1.0 in ${KIND}`, () => {
  it('unlocks as it is, lists its accounts with their codes, and is written as format 2 at the first change', async () => {
    expect(V1.version).toBe(1);
    // storage.local as 0.1.0 left it.
    const setup = await s.openExtPage('popup.html');
    await setup.evaluate(async (vault) => {
      const api = (globalThis as any).browser ?? (globalThis as any).chrome;
      await api.storage.local.clear();
      await api.storage.local.set({ vault });
    }, V1);
    await setup.close();
    expect(((await s.storageLocal()).vault as { version: number }).version).toBe(1);

    const page = await s.openExtPage('options.html');
    await typeInto(page, 'Passphrase', PASSPHRASE);
    await press(page, 'Unlock');
    await byName(page, 'Lock', 'button');
    // Opening it changed nothing stored.
    expect((await s.storageLocal()).vault).toEqual(V1);
    const listed = (await s.send({ type: 'accounts.list' })).value as { id: string; accountName: string; label: string | null; unconfirmed: unknown }[];
    // In list order (issuer "Lab" before "ThingPark Enterprise"); enrolled by 0.1.0: no mark.
    expect(listed.map((a) => [a.accountName, a.label, a.unconfirmed])).toEqual([
      ['ops', 'Lab ops', null],
      ['jane.doe@example.com', null, null],
    ]);
    const codes = (await s.send({ type: 'accounts.codes', ids: listed.map((a) => a.id) })).value as { code: string }[];
    expect(codes.map((c) => c.code)).toEqual([expect.stringMatching(/^\d{6}$/), expect.stringMatching(/^\d{6}$/)]);
    await page.close();

    // The first change writes the vault again: format 2, the same passphrase, the same accounts.
    const jane = listed.find((a) => a.accountName === 'jane.doe@example.com')!;
    expect((await s.send({ type: 'accounts.update', id: jane.id, changes: { label: 'Jane' } })).ok).toBe(true);
    const stored = (await s.storageLocal()).vault as { version: number; kdf: unknown };
    expect(stored.version).toBe(2);
    expect(stored.kdf).toEqual((V1 as unknown as { kdf: unknown }).kdf);
    await s.send({ type: 'vault.lock' });
    const again = await s.openExtPage('options.html');
    await typeInto(again, 'Passphrase', PASSPHRASE);
    await press(again, 'Unlock');
    await byName(again, 'Lock', 'button');
    const after = (await s.send({ type: 'accounts.list' })).value as { accountName: string; label: string | null }[];
    expect(after.map((a) => a.label ?? a.accountName).sort()).toEqual(['Jane', 'Lab ops']);
    await again.close();
  });
});
