/**
 * Vault format version 2 (accounts carry their enrollment record): version 1 vaults and backups,
 * as 0.1.0 wrote them, open unchanged and are written back as version 2; version 0.1.0's reader
 * refuses a version 2 vault or backup as "made by a newer version", before decrypting anything.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openVault, parseEnvelope, sealVault, unlockVault, VAULT_VERSION } from '../../../lib/vault/envelope';
import { parseVaultData, type VaultData } from '../../../lib/vault/accounts';
import { openBackup, sealBackup } from '../../../lib/vault/backup';
import * as reader010 from '../../fixtures/reader-0.1.0/vault';

const PASS = 'correct horse battery staple';
const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
/** Written by 0.1.0's createVault (lib/vault/envelope.ts at 17bf7ee): two accounts, version 1 content. */
const V1_TEXT = readFileSync(new URL('../../fixtures/vault-v1/vault.json', import.meta.url), 'utf8');
const v1 = () => JSON.parse(V1_TEXT) as Record<string, unknown>;

describe('a version 1 vault (0.1.0)', () => {
  it('opens with its passphrase, and its accounts migrate with no enrollment record', async () => {
    expect(v1().version).toBe(1);
    const opened = await unlockVault<unknown>(v1(), PASS);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect((opened.value.data as { version: number }).version).toBe(1);
    const data = parseVaultData(opened.value.data);
    expect(data.ok).toBe(true);
    if (!data.ok) return;
    expect(data.value.version).toBe(2);
    expect(data.value.accounts.map((a) => [a.id, a.accountName, a.kind, a.counter, a.lastUsedStep, a.label, a.enrollment])).toEqual([
      ['a1', 'jane.doe@example.com', 'totp', 0, 58800000, null, null],
      ['a2', 'ops', 'hotp', 7, 6, 'Lab ops', null],
    ]);
  });

  it('is written back as version 2 under the same key, and reopens', async () => {
    const opened = await unlockVault<unknown>(v1(), PASS);
    if (!opened.ok) throw new Error(opened.error.code);
    const data = parseVaultData(opened.value.data);
    if (!data.ok) throw new Error(data.error);
    const resealed = await sealVault(opened.value.key, data.value);
    expect(resealed.version).toBe(VAULT_VERSION);
    expect(VAULT_VERSION).toBe(2);
    // Same salt, KDF and check: the passphrase and the key both still open it.
    expect(resealed.kdf).toEqual(opened.value.envelope.kdf);
    const again = await openVault<VaultData>(resealed, opened.value.key);
    expect(again.ok && again.value).toEqual(data.value);
    const byPassphrase = await unlockVault<VaultData>(resealed, PASS);
    expect(byPassphrase.ok && byPassphrase.value.data).toEqual(data.value);
  });

  it('as a backup file: imports, migrated', async () => {
    const opened = await openBackup(V1_TEXT, PASS);
    expect(opened.ok && opened.value.accounts.map((a) => a.enrollment)).toEqual([null, null]);
  });

  it('content version 1 with an enrollment record is refused as damaged, not half-read', () => {
    const raw = { version: 1, accounts: [{ enrollment: { filledAt: 1, submittedAt: null, confirmed: null } }] };
    expect(parseVaultData(raw).ok).toBe(false);
  });
});

describe("version 0.1.0's reader and a version 2 vault", () => {
  const data: VaultData = {
    version: 2,
    accounts: [
      {
        kind: 'totp',
        issuer: 'ThingPark Enterprise',
        accountName: 'jane.doe@example.com',
        secret: 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE' as never,
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        counter: 0,
        id: 'u1',
        origin: 'https://community.thingpark.io',
        realm: 'tpw-users-actility-tpe-ope',
        deviceName: 'ThingPark Autofill · Firefox on Linux',
        addedAt: 1,
        lastUsedStep: null,
        label: null,
        enrollment: { filledAt: 1, submittedAt: 2, confirmed: null },
      },
    ],
  };

  it('refuses the vault as made by a newer version, before any key derivation, and changes nothing', async () => {
    const opened = await unlockVault<unknown>(v1(), PASS);
    if (!opened.ok) throw new Error(opened.error.code);
    const stored = await sealVault(opened.value.key, data);
    const before = JSON.stringify(stored);
    const refused = await reader010.unlockVault(stored, PASS);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    // 0.1.0 shows error_unsupported_version / damagedWhyNewer for this code: "made by a newer
    // version of the extension. Update the extension; nothing was changed."
    expect(refused.error.code).toBe('unsupported-version');
    expect(refused.error.detail).toContain('version 2');
    expect(reader010.parseEnvelope(stored).ok).toBe(false);
    expect(JSON.stringify(stored)).toBe(before);
    // And this build still reads what it wrote.
    expect(parseEnvelope(stored).ok).toBe(true);
  });

  it('refuses a version 2 backup file the same way', async () => {
    const file = await sealBackup(data, 'backup passphrase', KDF);
    if (!file.ok) throw new Error(file.error.code);
    const refused = await reader010.unlockVault(JSON.parse(file.value), 'backup passphrase');
    expect(!refused.ok && refused.error.code).toBe('unsupported-version');
    const opened = await openBackup(file.value, 'backup passphrase');
    expect(opened.ok && opened.value).toEqual(data);
  });
});
