/**
 * Encrypted backups (lib/vault/backup.ts): the file round-trips, every kind of bad file is told apart,
 * an import never replaces what is stored and says what happened to each account, and the plain
 * export reads back in any authenticator.
 */
import { describe, expect, it } from 'vitest';
import { openBackup, plainExport, planImport, sealBackup } from '../../../lib/vault/backup';
import type { StoredAccount, VaultData } from '../../../lib/vault/accounts';
import { parseOtpauthUri } from '../../../lib/otp/otp';
import { createVault } from '../../../lib/vault/envelope';
import { fromBase64, toBase64 } from '../../../lib/util/base64';

const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'backup passphrase 2024';

const SECRETS = {
  a: 'JBSWY3DPEHPK3PXP',
  b: 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE',
  c: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  d: 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U',
} as const;

const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';

type Over = Omit<Partial<StoredAccount>, 'secret'> & { secret?: string };

/** A stored account; `secret` is plain base32 here (it goes through the URI parser). */
function acct(over: Over = {}): StoredAccount {
  const name = over.accountName ?? 'jane@example.com';
  const otp = parseOtpauthUri(
    `otpauth://totp/ThingPark:${encodeURIComponent(name)}?secret=${over.secret ?? SECRETS.a}&issuer=ThingPark&digits=6&period=30`,
  );
  if (!otp.ok) throw new Error(`test account did not parse: ${otp.error.code}`);
  return {
    ...otp.value,
    id: 'id-1',
    origin: ORIGIN,
    realm: REALM,
    deviceName: 'Chrome on laptop',
    addedAt: 1_700_000_000_000,
    lastUsedStep: null,
    label: null,
    enrollment: null,
    ...over,
    secret: otp.value.secret,
    accountName: name,
  };
}

const summary = (a: StoredAccount) => ({ issuer: a.issuer, accountName: a.accountName, origin: a.origin, realm: a.realm });

let counter = 0;
const newId = () => `new-${++counter}`;

describe('sealBackup / openBackup', () => {
  const data: VaultData = {
    version: 2,
    accounts: [
      acct({ id: 'x', label: 'Work', lastUsedStep: 56_666_666 }),
      acct({ id: 'y', secret: SECRETS.b, accountName: 'bob@example.com', realm: null, deviceName: '' }),
    ],
  };

  it('round-trips the accounts, ids, labels and last used steps', async () => {
    const file = await sealBackup(data, PASS, KDF);
    if (!file.ok) throw new Error(file.error.code);
    expect(file.value.endsWith('}\n')).toBe(true);
    const opened = await openBackup(file.value, PASS);
    expect(opened).toEqual({ ok: true, value: data });
  });

  it('holds no plaintext: no secret, no account name, no passphrase', async () => {
    const file = await sealBackup(data, PASS, KDF);
    if (!file.ok) throw new Error(file.error.code);
    for (const text of [SECRETS.a, SECRETS.b, 'jane@example.com', 'bob', 'Work', PASS]) expect(file.value).not.toContain(text);
    expect(JSON.parse(file.value)).toMatchObject({ format: 'thingpark-autofill-vault', version: 2 });
  });

  it('refuses a weak backup passphrase', async () => {
    expect(await sealBackup(data, 'short', KDF)).toMatchObject({ ok: false, error: { code: 'weak-passphrase' } });
  });

  it('a wrong passphrase is wrong-passphrase', async () => {
    const file = await sealBackup(data, PASS, KDF);
    if (!file.ok) throw new Error(file.error.code);
    expect(await openBackup(file.value, 'another passphrase')).toMatchObject({ ok: false, error: { code: 'wrong-passphrase' } });
    expect(await openBackup(file.value, '')).toMatchObject({ ok: false, error: { code: 'wrong-passphrase' } });
  });

  it('a flipped ciphertext byte is corrupt', async () => {
    const file = await sealBackup(data, PASS, KDF);
    if (!file.ok) throw new Error(file.error.code);
    const envelope = JSON.parse(file.value) as { ciphertext: string };
    for (const at of [0, 10, -1]) {
      const bytes = fromBase64(envelope.ciphertext)!;
      const i = at < 0 ? bytes.length + at : at;
      bytes[i] = bytes[i]! ^ 0x80;
      const damaged = JSON.stringify({ ...envelope, ciphertext: toBase64(bytes) });
      expect(await openBackup(damaged, PASS)).toMatchObject({ ok: false, error: { code: 'corrupt' } });
    }
  });

  it.each([
    ['empty', ''],
    ['text', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP'],
    ['truncated JSON', '{"format":"thingpark-autofill-vault",'],
    ['null', 'null'],
    ['a number', '42'],
    ['an array', '[1,2,3]'],
    ['another format', '{"format":"aegis","version":1,"db":{}}'],
    ['a Bitwarden export', '{"encrypted":false,"items":[]}'],
    ['an empty object', '{}'],
  ])('%s is not-a-vault', async (_name, file) => {
    expect(await openBackup(file, PASS)).toMatchObject({ ok: false, error: { code: 'not-a-vault' } });
  });

  it('an envelope that decrypts to something else than vault data is unsupported-version', async () => {
    for (const content of [{ hello: 'world' }, { version: 3, accounts: [] }, { version: 1, accounts: [{ id: 'x' }] }, []]) {
      const created = await createVault(PASS, content, KDF);
      if (!created.ok) throw new Error(created.error.code);
      const opened = await openBackup(JSON.stringify(created.value.envelope), PASS);
      expect(opened).toMatchObject({ ok: false, error: { code: 'unsupported-version' } });
    }
  });

  it('error details never contain the passphrase or a secret', async () => {
    const file = await sealBackup(data, PASS, KDF);
    if (!file.ok) throw new Error(file.error.code);
    const replies = [await openBackup(file.value, 'wrong passphrase!'), await openBackup('nope', PASS)];
    for (const r of replies) {
      const text = JSON.stringify(r);
      expect(text).not.toContain(PASS);
      expect(text).not.toContain(SECRETS.a);
    }
  });
});

describe('planImport', () => {
  it('adds accounts that are not there, keeping their ids', () => {
    const existing = [acct({ id: 'e1' })];
    const incoming = [acct({ id: 'i1', secret: SECRETS.b, accountName: 'bob@example.com' })];
    const { report, added } = planImport(existing, incoming, newId);
    expect(added).toEqual(incoming);
    expect(report).toEqual({ added: [summary(incoming[0]!)], skipped: [], conflicts: [] });
  });

  it('skips the same key, platform, realm and user (user name in any case)', () => {
    const existing = [acct({ id: 'e1', accountName: 'Jane@Example.com' })];
    const incoming = [
      acct({ id: 'i1', accountName: 'jane@example.com', deviceName: 'another device', label: 'x' }),
      acct({ id: 'e1', accountName: 'JANE@EXAMPLE.COM' }),
    ];
    const { report, added } = planImport(existing, incoming, newId);
    expect(added).toEqual([]);
    expect(report.skipped).toEqual(incoming.map(summary));
    expect(report.added).toEqual([]);
    expect(report.conflicts).toEqual([]);
  });

  it('the same key bound elsewhere (other platform, realm or user) is a conflict', () => {
    const existing = [acct({ id: 'e1' })];
    const incoming = [
      acct({ id: 'i1', origin: 'https://iot.example.net' }),
      acct({ id: 'i2', realm: 'other-realm' }),
      acct({ id: 'i3', realm: null }),
      acct({ id: 'i4', accountName: 'bob@example.com' }),
    ];
    const { report, added } = planImport(existing, incoming, newId);
    expect(added).toEqual([]);
    expect(report.conflicts).toEqual(incoming.map((a) => ({ ...summary(a), reason: 'same-key-elsewhere' })));
    expect(report.added).toEqual([]);
    expect(report.skipped).toEqual([]);
  });

  it('the same user and device name with another key is a conflict (a re-enrolment on one side)', () => {
    const existing = [acct({ id: 'e1', accountName: 'jane@example.com', deviceName: 'Laptop' })];
    const incoming = [acct({ id: 'i1', secret: SECRETS.b, accountName: 'JANE@example.com', deviceName: 'Laptop' })];
    const { report, added } = planImport(existing, incoming, newId);
    expect(added).toEqual([]);
    expect(report.conflicts).toEqual([{ ...summary(incoming[0]!), reason: 'different-key' }]);
  });

  it('the same user with another key on another device, platform or realm is added', () => {
    const existing = [acct({ id: 'e1', deviceName: 'Laptop' })];
    const incoming = [
      acct({ id: 'i1', secret: SECRETS.b, deviceName: 'Phone' }),
      acct({ id: 'i2', secret: SECRETS.c, deviceName: 'Laptop', origin: 'https://iot.example.net' }),
      acct({ id: 'i3', secret: SECRETS.d, deviceName: 'Laptop', realm: 'other-realm' }),
    ];
    const { report, added } = planImport(existing, incoming, newId);
    expect(added.map((a) => a.id)).toEqual(['i1', 'i2', 'i3']);
    expect(report.conflicts).toEqual([]);
  });

  it('empty device names never conflict', () => {
    const existing = [acct({ id: 'e1', deviceName: '' })];
    const incoming = [acct({ id: 'i1', secret: SECRETS.b, deviceName: '' })];
    const { report, added } = planImport(existing, incoming, newId);
    expect(added).toEqual(incoming);
    expect(report.conflicts).toEqual([]);
  });

  it('an id already used in the vault gets a new one (the account is otherwise unchanged)', () => {
    const existing = [acct({ id: 'same' })];
    const incoming = [acct({ id: 'same', secret: SECRETS.b, accountName: 'bob@example.com', label: 'Bob', lastUsedStep: 7 })];
    const { report, added } = planImport(existing, incoming, () => 'fresh');
    expect(added).toEqual([{ ...incoming[0]!, id: 'fresh' }]);
    expect(report.added).toEqual([summary(incoming[0]!)]);
    expect(existing[0]!.id).toBe('same');
  });

  it('duplicates inside the backup itself: the first is added, the copy skipped or in conflict', () => {
    const incoming = [
      acct({ id: 'i1' }),
      acct({ id: 'i2', accountName: 'JANE@example.com' }), // same authenticator again
      acct({ id: 'i3', origin: 'https://iot.example.net' }), // same key, other platform
      acct({ id: 'i4', secret: SECRETS.b }), // same user and device, other key
      acct({ id: 'i1', secret: SECRETS.c, accountName: 'carol@example.com' }), // id used twice in the file
    ];
    const { report, added } = planImport([], incoming, () => 'fresh-i1');
    expect(added.map((a) => a.id)).toEqual(['i1', 'fresh-i1']);
    expect(report.added).toEqual([summary(incoming[0]!), summary(incoming[4]!)]);
    expect(report.skipped).toEqual([summary(incoming[1]!)]);
    expect(report.conflicts).toEqual([
      { ...summary(incoming[2]!), reason: 'same-key-elsewhere' },
      { ...summary(incoming[3]!), reason: 'different-key' },
    ]);
  });

  it('never changes what is stored, and reports every account exactly once', () => {
    const existing = [acct({ id: 'e1' }), acct({ id: 'e2', secret: SECRETS.b, accountName: 'bob@example.com' })];
    const before = structuredClone(existing);
    const incoming = [
      acct({ id: 'e1', deviceName: 'renamed' }),
      acct({ id: 'i2', secret: SECRETS.b, origin: 'https://iot.example.net', accountName: 'bob@example.com' }),
      acct({ id: 'i3', secret: SECRETS.c, accountName: 'carol@example.com' }),
    ];
    const { report } = planImport(existing, incoming, newId);
    expect(existing).toEqual(before);
    expect(report.added.length + report.skipped.length + report.conflicts.length).toBe(incoming.length);
  });

  it('reports carry no secret', () => {
    const { report } = planImport([acct({ id: 'e1' })], [acct({ id: 'i1' }), acct({ id: 'i2', origin: 'https://x.example' }), acct({ id: 'i3', secret: SECRETS.b })], newId);
    const text = JSON.stringify(report);
    expect(text).not.toContain(SECRETS.a);
    expect(text).not.toContain(SECRETS.b);
  });
});

describe('plainExport', () => {
  it('writes one otpauth:// line per account that parses back to the same parameters', () => {
    const accounts = [
      acct({ id: 'a' }),
      acct({ id: 'b', secret: SECRETS.b, accountName: 'bob:ops@example.com' }),
      { ...acct({ id: 'c', secret: SECRETS.c, accountName: 'carol' }), issuer: '', algorithm: 'SHA512' as const, digits: 8, period: 60 },
      { ...acct({ id: 'd', secret: SECRETS.d, accountName: 'dave é ü' }), kind: 'hotp' as const, counter: 42, issuer: 'Thing Park & Co' },
    ];
    const text = plainExport(accounts);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toHaveLength(accounts.length);
    lines.forEach((line, i) => {
      const a = accounts[i]!;
      const parsed = parseOtpauthUri(line);
      if (!parsed.ok) throw new Error(`line ${i + 1}: ${parsed.error.code}`);
      const { kind, secret, algorithm, digits, issuer, accountName } = a;
      expect(parsed.value).toMatchObject({ kind, secret, algorithm, digits, issuer, accountName });
      if (kind === 'totp') expect(parsed.value.period).toBe(a.period);
      else expect(parsed.value.counter).toBe(a.counter);
    });
  });

  it('an empty vault is an empty file', () => {
    expect(plainExport([])).toBe('');
  });
});
