/**
 * The options page's background side, driven with in-memory fakes: editing, deleting and
 * revealing accounts, self-hosted platforms (host permission + registered content script, kept in
 * step across browser restarts and revoked permissions), and encrypted backups moved from one
 * vault to another. A refused request leaves the stored vault byte for byte as it was, and no
 * reply but a reveal or a plain export ever carries a secret.
 */
import { FakePlatforms } from './memory-platforms';
import { describe, expect, it } from 'vitest';
import { createVaultService, type VaultService } from '../../../lib/service/service';
import { KEYS } from '../../../lib/service/ports';
import type { AccountSummary, Message, MessageType, NewAccount, Protocol, Reply } from '../../../lib/protocol/messages';
import type { AppErrorCode } from '../../../lib/protocol/errors';
import type { Caller } from '../../../lib/protocol/access';
import { importKey, openVault } from '../../../lib/vault/envelope';
import { inListOrder, parseVaultData, type VaultData } from '../../../lib/vault/accounts';
import { onPlatform, platformFirst } from '../../../lib/platforms/on-platform';
import { parseMessage } from '../../../lib/protocol/validation';
import { parseOtpauthUri } from '../../../lib/otp/otp';
import { MAX_BACKUP_BYTES } from '../../../lib/vault/backup';
import { fromBase64, toBase64 } from '../../../lib/util/base64';
import { MemoryArea, FakeAlarms } from './memory-ports';
import { fakeReadQr } from './text-qr';

// ---------------------------------------------------------------------------------------------
// Data

const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const OTHER_PASS = 'a different vault passphrase';
const BACKUP_PASS = 'backup passphrase 2024';

const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';
const SELF = 'https://iot.example.net:8443';
const SELF_PATTERN = 'https://iot.example.net/*';
const SELF_SCRIPT = `platform:${SELF_PATTERN}`;

const SECRETS = [
  'JBSWY3DPEHPK3PXP',
  'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE',
  'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U',
] as const;

const uri = (name: string, secret: string, extra = '') =>
  `otpauth://totp/ThingPark:${encodeURIComponent(name)}?secret=${secret}&issuer=ThingPark${extra}`;

const NEW: NewAccount[] = [
  { uri: uri('jane@example.com', SECRETS[0]), origin: ORIGIN, realm: REALM, deviceName: 'Laptop' },
  { uri: uri('bob@example.com', SECRETS[1], '&algorithm=SHA256&digits=8&period=60'), origin: SELF, realm: 'iot', deviceName: '' },
  { uri: `otpauth://hotp/Ops:carol?secret=${SECRETS[2]}&issuer=Ops&counter=5`, origin: SELF, realm: null, deviceName: 'Phone' },
];

// ---------------------------------------------------------------------------------------------
// Helpers

const PAGE: Caller = { kind: 'extension-page' };
/** The only replies that may carry a secret, on purpose. */
const REVEALING = new Set<MessageType>(['accounts.reveal', 'backup.exportPlain']);

interface Stores {
  local: MemoryArea;
  session: MemoryArea;
  platforms: FakePlatforms;
}

interface Env extends Stores {
  svc: VaultService;
  send<K extends MessageType>(type: K, payload: Protocol[K]['req']): Promise<Reply<K>>;
}

/** One service instance ("worker start") over the given stores, or fresh ones. */
function boot(stores: Partial<Stores> = {}): Env {
  const local = stores.local ?? new MemoryArea();
  const session = stores.session ?? new MemoryArea();
  const platforms = stores.platforms ?? new FakePlatforms();
  const svc = createVaultService({
    local,
    session,
    alarms: new FakeAlarms(),
    bootId: 'boot',
    kdf: KDF,
    defaultDeviceName: async () => 'ThingPark Autofill · Test on Linux',
    fillTab: async () => true,
    platforms,
    loadQrReader: async () => undefined,
    readQr: fakeReadQr,
  });
  const send = async <K extends MessageType>(type: K, payload: Protocol[K]['req']): Promise<Reply<K>> => {
    const reply = await svc.handle({ type, ...payload } as unknown as Message<K>, PAGE);
    // Whatever happened, a reply is a value whose JSON carries no secret (but for a reveal).
    if (!REVEALING.has(type) || !reply.ok) {
      const text = JSON.stringify(reply);
      for (const s of SECRETS) expect(text, `${type} reply`).not.toContain(s);
    }
    // Nor does storage.local hold one in plaintext.
    const stored = JSON.stringify(Object.fromEntries(local.map));
    for (const s of SECRETS) expect(stored).not.toContain(s);
    return reply;
  };
  return { local, session, platforms, svc, send };
}

function expectOk<T>(reply: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}

function expectErr(reply: unknown, code: AppErrorCode): void {
  expect(reply).toMatchObject({ ok: false, error: { code } });
  expect(reply).not.toHaveProperty('value');
}

/** A service with an unlocked vault holding the NEW accounts. */
async function withAccounts(pass = PASS, stores: Partial<Stores> = {}): Promise<Env> {
  const env = boot(stores);
  expectOk(await env.send('vault.create', { passphrase: pass, confirm: pass }));
  const outcomes = expectOk(await env.send('accounts.add', { accounts: NEW, dryRun: false }));
  expect(outcomes.map((o) => o.status)).toEqual(['added', 'added', 'added']);
  return env;
}

async function list(env: Env): Promise<AccountSummary[]> {
  return expectOk(await env.send('accounts.list', {}));
}

async function byName(env: Env, accountName: string): Promise<AccountSummary> {
  const found = (await list(env)).find((a) => a.accountName === accountName);
  if (!found) throw new Error(`no account ${accountName}`);
  return found;
}

/** Decrypts what storage.local holds with the key parked in storage.session. */
async function storedData(env: Env): Promise<VaultData> {
  const key = await importKey(env.session.map.get(KEYS.sessionKey));
  if (!key.ok) throw new Error('no usable session key');
  const opened = await openVault<unknown>(env.local.map.get(KEYS.vault), key.value);
  if (!opened.ok) throw new Error(`stored vault does not open: ${opened.error.code}`);
  const data = parseVaultData(opened.value);
  if (!data.ok) throw new Error(data.error);
  return data.value;
}

/** The stored envelope as text, to compare byte for byte. */
const blob = (env: Env): string => JSON.stringify(env.local.map.get(KEYS.vault));

async function lockedEnv(): Promise<Env> {
  const env = await withAccounts();
  expectOk(await env.send('vault.lock', {}));
  return env;
}

// ---------------------------------------------------------------------------------------------

describe('accounts.update', () => {
  it('sets and clears the label; the stored vault and the list follow', async () => {
    const env = await withAccounts();
    const jane = await byName(env, 'jane@example.com');
    expect(jane.label).toBeNull();
    const before = blob(env);

    const set = expectOk(await env.send('accounts.update', { id: jane.id, changes: { label: '  Work account  ' } }));
    expect(set).toEqual({ ...jane, label: 'Work account' });
    expect(blob(env)).not.toBe(before);
    expect((await storedData(env)).accounts.find((a) => a.id === jane.id)?.label).toBe('Work account');
    expect((await byName(env, 'jane@example.com')).label).toBe('Work account');

    // The label survives a lock and unlock (it is in the encrypted vault, nowhere else).
    expectOk(await env.send('vault.lock', {}));
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect((await byName(env, 'jane@example.com')).label).toBe('Work account');

    for (const cleared of ['', '   ']) {
      expectOk(await env.send('accounts.update', { id: jane.id, changes: { label: 'x' } }));
      const reply = expectOk(await env.send('accounts.update', { id: jane.id, changes: { label: cleared } }));
      expect(reply.label).toBeNull();
      expect((await storedData(env)).accounts.find((a) => a.id === jane.id)?.label).toBeNull();
    }
  });

  it('keeps long labels and device names to 64 characters, never splitting one', async () => {
    const env = await withAccounts();
    const jane = await byName(env, 'jane@example.com');
    const label = expectOk(await env.send('accounts.update', { id: jane.id, changes: { label: 'x'.repeat(100) } })).label;
    expect(label).toBe('x'.repeat(64));
    // An emoji is two UTF-16 units: a cut in its middle would leave a lone surrogate.
    const emoji = `${'a'.repeat(63)}🔑🔑`;
    const reply = expectOk(await env.send('accounts.update', { id: jane.id, changes: { label: emoji, deviceName: emoji } }));
    expect(reply.label).toBe(`${'a'.repeat(63)}🔑`);
    expect(reply.deviceName).toBe(`${'a'.repeat(63)}🔑`);
    expect(reply.label!.isWellFormed()).toBe(true);
  });

  it('trims the device name; an empty one is allowed', async () => {
    const env = await withAccounts();
    const jane = await byName(env, 'jane@example.com');
    expect(expectOk(await env.send('accounts.update', { id: jane.id, changes: { deviceName: '  Work laptop \n' } })).deviceName).toBe(
      'Work laptop',
    );
    expect(expectOk(await env.send('accounts.update', { id: jane.id, changes: { deviceName: '   ' } })).deviceName).toBe('');
    expect((await storedData(env)).accounts.find((a) => a.id === jane.id)?.deviceName).toBe('');
  });

  it('moves an account to another platform: the origin is normalised, the realm kept unless given', async () => {
    const env = await withAccounts();
    const jane = await byName(env, 'jane@example.com');
    const moved = expectOk(
      await env.send('accounts.update', { id: jane.id, changes: { origin: ' HTTPS://IOT.Example.NET:443/tpe/dashboard?x=1 ' } }),
    );
    expect(moved.origin).toBe('https://iot.example.net');
    expect(moved.realm).toBe(REALM);
    const withRealm = expectOk(await env.send('accounts.update', { id: jane.id, changes: { origin: SELF, realm: '  iot  ' } }));
    expect(withRealm).toMatchObject({ origin: SELF, realm: 'iot' });
    expect(expectOk(await env.send('accounts.update', { id: jane.id, changes: { realm: ' ' } })).realm).toBeNull();
    expect(expectOk(await env.send('accounts.update', { id: jane.id, changes: { realm: null } })).realm).toBeNull();
    expect(expectOk(await env.send('accounts.update', { id: jane.id, changes: { origin: 'http://localhost:3000/' } })).origin).toBe(
      'http://localhost:3000',
    );

    // Nothing else changed, the secret least of all.
    const stored = (await storedData(env)).accounts.find((a) => a.id === jane.id)!;
    expect(stored).toMatchObject({ secret: SECRETS[0], accountName: 'jane@example.com', deviceName: 'Laptop', addedAt: jane.addedAt });
    expect((await list(env)).map((a) => a.id)).toContain(jane.id);
    expect(await list(env)).toHaveLength(3);
  });

  it.each(['http://iot.example.net', 'iot.example.net', 'not a url', 'javascript:alert(1)', 'ftp://iot.example.net', 'https://u:p@iot.example.net', ''])(
    'refuses the origin %j with bad-origin and saves nothing',
    async (origin) => {
      const env = await withAccounts();
      const jane = await byName(env, 'jane@example.com');
      const before = blob(env);
      const sets = env.local.sets;
      expectErr(await env.send('accounts.update', { id: jane.id, changes: { label: 'changed', origin } }), 'bad-origin');
      expect(blob(env)).toBe(before);
      expect(env.local.sets).toBe(sets);
      expect(await byName(env, 'jane@example.com')).toEqual(jane);
    },
  );

  it('refuses a move onto a platform that already holds the same authenticator (account-exists)', async () => {
    const env = await withAccounts();
    // The same key and user, added again on the self-hosted platform.
    expectOk(await env.send('accounts.add', { accounts: [{ ...NEW[0]!, origin: SELF, realm: REALM }], dryRun: false }));
    const onSaas = (await list(env)).find((a) => a.accountName === 'jane@example.com' && a.origin === ORIGIN)!;
    const before = blob(env);
    expectErr(await env.send('accounts.update', { id: onSaas.id, changes: { origin: SELF } }), 'account-exists');
    expect(blob(env)).toBe(before);
    // Another realm on that platform is another Keycloak account: allowed.
    expect(expectOk(await env.send('accounts.update', { id: onSaas.id, changes: { origin: SELF, realm: 'other' } }))).toMatchObject({ origin: SELF, realm: 'other' });
  });

  it('an unknown id is not-found; a locked vault is locked; nothing is written', async () => {
    const env = await withAccounts();
    const before = blob(env);
    expectErr(await env.send('accounts.update', { id: 'no-such-id', changes: { label: 'x' } }), 'not-found');
    expect(blob(env)).toBe(before);

    const jane = await byName(env, 'jane@example.com');
    expectOk(await env.send('vault.lock', {}));
    const locked = blob(env);
    expectErr(await env.send('accounts.update', { id: jane.id, changes: { label: 'x' } }), 'locked');
    expect(blob(env)).toBe(locked);
  });

  it('an empty change set still answers with the account (and changes nothing it shows)', async () => {
    const env = await withAccounts();
    const jane = await byName(env, 'jane@example.com');
    expect(expectOk(await env.send('accounts.update', { id: jane.id, changes: {} }))).toEqual(jane);
  });
});

describe('accounts.delete', () => {
  it('deletes one account from the stored vault, the others stay', async () => {
    const env = await withAccounts();
    const bob = await byName(env, 'bob@example.com');
    expect(expectOk(await env.send('accounts.delete', { id: bob.id }))).toEqual({ deleted: true });
    // The list comes in list order (issuer, then name); the vault keeps its own order.
    expect((await list(env)).map((a) => a.accountName)).toEqual(['carol', 'jane@example.com']);
    expect((await storedData(env)).accounts.map((a) => a.accountName)).toEqual(['jane@example.com', 'carol']);
    expect((await env.send('vault.status', {})).ok && (await env.send('vault.status', {}))).toMatchObject({ value: { accounts: 2 } });

    // Gone after a lock and unlock too; a second delete is not-found.
    expectOk(await env.send('vault.lock', {}));
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect(await list(env)).toHaveLength(2);
    const before = blob(env);
    expectErr(await env.send('accounts.delete', { id: bob.id }), 'not-found');
    expect(blob(env)).toBe(before);
  });

  it('is locked while the vault is locked', async () => {
    const env = await withAccounts();
    const jane = await byName(env, 'jane@example.com');
    expectOk(await env.send('vault.lock', {}));
    const before = blob(env);
    expectErr(await env.send('accounts.delete', { id: jane.id }), 'locked');
    expect(blob(env)).toBe(before);
  });
});

describe('accounts.reveal', () => {
  it('needs the vault passphrase even while unlocked', async () => {
    const env = await withAccounts();
    const jane = await byName(env, 'jane@example.com');
    for (const passphrase of ['', 'wrong passphrase', `${PASS} `]) {
      const reply = await env.send('accounts.reveal', { id: jane.id, passphrase });
      expectErr(reply, 'wrong-passphrase');
      expect(JSON.stringify(reply)).not.toContain('uri');
    }
  });

  it('answers a URI that parses to the account', async () => {
    const env = await withAccounts();
    for (const [i, name] of ['jane@example.com', 'bob@example.com', 'carol'].entries()) {
      const summary = await byName(env, name);
      const { uri: revealed } = expectOk(await env.send('accounts.reveal', { id: summary.id, passphrase: PASS }));
      const parsed = parseOtpauthUri(revealed);
      const original = parseOtpauthUri(NEW[i]!.uri);
      if (!parsed.ok || !original.ok) throw new Error('URI does not parse');
      expect(parsed.value).toEqual(original.value);
      expect(parsed.value.secret).toBe(SECRETS[i]);
    }
  });

  it('unknown id is not-found, locked is locked', async () => {
    const env = await withAccounts();
    expectErr(await env.send('accounts.reveal', { id: 'nope', passphrase: PASS }), 'not-found');
    const jane = await byName(env, 'jane@example.com');
    expectOk(await env.send('vault.lock', {}));
    expectErr(await env.send('accounts.reveal', { id: jane.id, passphrase: PASS }), 'locked');
  });

  it('after a passphrase change only the new passphrase reveals', async () => {
    const env = await withAccounts();
    const jane = await byName(env, 'jane@example.com');
    expectOk(await env.send('vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: OTHER_PASS, confirm: OTHER_PASS }));
    expectErr(await env.send('accounts.reveal', { id: jane.id, passphrase: PASS }), 'wrong-passphrase');
    expectOk(await env.send('accounts.reveal', { id: jane.id, passphrase: OTHER_PASS }));
  });
});

// ---------------------------------------------------------------------------------------------

describe('platforms', () => {
  it('add is refused without the host permission: nothing stored, no script', async () => {
    const env = await withAccounts();
    expectErr(await env.send('platforms.add', { url: 'https://iot.example.net:8443/tpe/' }), 'permission-refused');
    expect(env.local.map.has(KEYS.platforms)).toBe(false);
    expect(env.platforms.scripts.size).toBe(0);
    expect(expectOk(await env.send('platforms.list', {}))).toEqual([]);
  });

  it('add with the permission stores the origin and registers the script for the host pattern', async () => {
    const env = await withAccounts();
    env.platforms.granted.add(SELF_PATTERN);
    const listed = expectOk(await env.send('platforms.add', { url: 'iot.example.net:8443/tpe/dashboard' }));
    expect(listed).toEqual([{ origin: SELF, accounts: 2, permitted: true, managed: false, addedAt: expect.any(Number) }]);
    expect(env.local.map.get(KEYS.platforms)).toEqual([{ origin: SELF, addedAt: listed[0]!.addedAt }]);
    expect([...env.platforms.scripts]).toEqual([[SELF_SCRIPT, SELF_PATTERN]]);
    expect(expectOk(await env.send('platforms.list', {}))).toEqual(listed);
  });

  it('counts the accounts bound to each exact origin (null while locked)', async () => {
    const env = await withAccounts();
    env.platforms.granted.add(SELF_PATTERN);
    env.platforms.granted.add('http://localhost/*');
    expectOk(await env.send('platforms.add', { url: SELF }));
    expectOk(await env.send('platforms.add', { url: 'http://localhost:3000' }));
    const counts = (l: { origin: string; accounts: number | null }[]) => Object.fromEntries(l.map((p) => [p.origin, p.accounts]));
    expect(counts(expectOk(await env.send('platforms.list', {})))).toEqual({ [SELF]: 2, 'http://localhost:3000': 0 });

    // Another port of the same host is another platform for accounts.
    const jane = await byName(env, 'jane@example.com');
    expectOk(await env.send('accounts.update', { id: jane.id, changes: { origin: 'https://iot.example.net' } }));
    expect(counts(expectOk(await env.send('platforms.list', {})))).toEqual({ [SELF]: 2, 'http://localhost:3000': 0 });
    expectOk(await env.send('accounts.update', { id: jane.id, changes: { origin: 'http://localhost:3000' } }));
    expect(counts(expectOk(await env.send('platforms.list', {})))).toEqual({ [SELF]: 2, 'http://localhost:3000': 1 });

    expectOk(await env.send('vault.lock', {}));
    expect(counts(expectOk(await env.send('platforms.list', {})))).toEqual({ [SELF]: null, 'http://localhost:3000': null });
  });

  it('refuses duplicates, built-in hosts, invalid and http addresses without storing anything', async () => {
    const env = await withAccounts();
    env.platforms.granted.add(SELF_PATTERN);
    expectOk(await env.send('platforms.add', { url: SELF }));
    const stored = structuredClone(env.local.map.get(KEYS.platforms));
    const cases: [string, AppErrorCode][] = [
      [SELF, 'platform-exists'],
      ['https://iot.example.net:8443/other/path', 'platform-exists'],
      ['https://iot.example.net', 'platform-exists'], // same host, another port: same permission and script
      ['https://iot.example.net.:9443', 'platform-exists'],
      ['https://community.thingpark.io', 'built-in-platform'],
      ['community.thingpark.io', 'built-in-platform'],
      ['https://eu1.thingpark.com/tpe', 'built-in-platform'],
      ['https://thingpark.io', 'built-in-platform'],
      ['https://portal.actility.com:8443', 'built-in-platform'],
      ['https://community.thingpark.io./', 'built-in-platform'],
      ['', 'invalid-url'],
      ['https://user:pw@other.example.net', 'invalid-url'],
      ['javascript:alert(1)', 'invalid-url'],
      ['ftp://other.example.net', 'invalid-url'],
      ['not a url', 'invalid-url'],
      ['http://other.example.net', 'not-https'],
    ];
    for (const [url, code] of cases) {
      env.platforms.granted.add('https://other.example.net/*');
      const reply = await env.send('platforms.add', { url });
      expect(reply, url).toMatchObject({ ok: false, error: { code } });
    }
    expect(env.local.map.get(KEYS.platforms)).toEqual(stored);
    expect([...env.platforms.scripts.keys()]).toEqual([SELF_SCRIPT]);
  });

  it('works while the vault is locked or absent (no secret involved)', async () => {
    const env = boot();
    env.platforms.granted.add(SELF_PATTERN);
    expect(expectOk(await env.send('platforms.add', { url: SELF }))).toEqual([
      { origin: SELF, accounts: null, permitted: true, managed: false, addedAt: expect.any(Number) },
    ]);
    expect(expectOk(await env.send('platforms.remove', { origin: SELF }))).toEqual([]);
  });

  it('remove unregisters the script and releases the permission; bound accounts stay', async () => {
    const env = await withAccounts();
    env.platforms.granted.add(SELF_PATTERN);
    env.platforms.granted.add('https://other.example.net/*');
    expectOk(await env.send('platforms.add', { url: SELF }));
    expectOk(await env.send('platforms.add', { url: 'https://other.example.net' }));
    const before = blob(env);

    const listed = expectOk(await env.send('platforms.remove', { origin: SELF }));
    expect(listed.map((p) => p.origin)).toEqual(['https://other.example.net']);
    expect([...env.platforms.scripts.keys()]).toEqual(['platform:https://other.example.net/*']);
    expect(env.platforms.released).toEqual([SELF_PATTERN]);
    expect(env.platforms.granted.has(SELF_PATTERN)).toBe(false);
    expect(env.local.map.get(KEYS.platforms)).toEqual([{ origin: 'https://other.example.net', addedAt: expect.any(Number) }]);
    expect((await list(env)).filter((a) => a.origin === SELF)).toHaveLength(2);
    expect(blob(env)).toBe(before);

    expectErr(await env.send('platforms.remove', { origin: SELF }), 'not-found');
    expectErr(await env.send('platforms.remove', { origin: 'https://other.example.net/' }), 'not-found');
    expect(env.platforms.released).toEqual([SELF_PATTERN]);
  });

  it('syncPlatforms after a browser restart re-registers lost scripts and drops revoked or stale ones', async () => {
    const first = await withAccounts();
    first.platforms.granted.add(SELF_PATTERN);
    first.platforms.granted.add('https://other.example.net/*');
    expectOk(await first.send('platforms.add', { url: SELF }));
    expectOk(await first.send('platforms.add', { url: 'https://other.example.net' }));

    // Browser restart: storage.session is gone; the browser lost our scripts (and kept a stale one).
    const platforms = first.platforms;
    platforms.scripts.clear();
    platforms.scripts.set('platform:https://removed.example.net/*', 'https://removed.example.net/*');
    const second = boot({ local: first.local, platforms });
    await second.svc.syncPlatforms();
    expect(new Map(platforms.scripts)).toEqual(
      new Map([
        [SELF_SCRIPT, SELF_PATTERN],
        ['platform:https://other.example.net/*', 'https://other.example.net/*'],
      ]),
    );

    // The user revokes one site in the browser's settings: its script goes, the platform stays listed.
    platforms.granted.delete(SELF_PATTERN);
    await second.svc.syncPlatforms();
    expect([...platforms.scripts.keys()]).toEqual(['platform:https://other.example.net/*']);
    const listed = expectOk(await second.send('platforms.list', {}));
    expect(listed.map((p) => [p.origin, p.permitted, p.accounts])).toEqual([
      [SELF, false, null],
      ['https://other.example.net', true, null],
    ]);

    // Granted again (from the options page or the browser): registered again, once.
    platforms.granted.add(SELF_PATTERN);
    await second.svc.syncPlatforms();
    await second.svc.syncPlatforms();
    expect([...platforms.scripts.keys()].sort()).toEqual(['platform:https://other.example.net/*', SELF_SCRIPT].sort());

    // A sync with nothing to do changes nothing.
    const scripts = new Map(platforms.scripts);
    await boot({ local: first.local, platforms }).svc.syncPlatforms();
    expect(platforms.scripts).toEqual(scripts);
  });

  it('ignores malformed stored platforms', async () => {
    const env = boot();
    env.local.map.set(KEYS.platforms, [{ origin: 'http://evil.example', addedAt: 1 }, 'x', { origin: SELF, addedAt: 2 }]);
    env.platforms.granted.add(SELF_PATTERN);
    env.platforms.granted.add('http://evil.example/*');
    await env.svc.syncPlatforms();
    expect([...env.platforms.scripts.keys()]).toEqual([SELF_SCRIPT]);
    expect(expectOk(await env.send('platforms.list', {})).map((p) => p.origin)).toEqual([SELF]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('backup.export and backup.import', () => {
  async function exported(env: Env): Promise<string> {
    const reply = expectOk(await env.send('backup.export', { vaultPassphrase: PASS, passphrase: BACKUP_PASS, confirm: BACKUP_PASS }));
    expect(reply.accounts).toBe(3);
    return reply.file;
  }

  it('export needs the vault passphrase and a strong, confirmed backup passphrase', async () => {
    const env = await withAccounts();
    const cases: [Protocol['backup.export']['req'], AppErrorCode][] = [
      [{ vaultPassphrase: 'wrong passphrase', passphrase: BACKUP_PASS, confirm: BACKUP_PASS }, 'wrong-passphrase'],
      [{ vaultPassphrase: '', passphrase: BACKUP_PASS, confirm: BACKUP_PASS }, 'wrong-passphrase'],
      [{ vaultPassphrase: PASS, passphrase: 'short', confirm: 'short' }, 'weak-passphrase'],
      [{ vaultPassphrase: PASS, passphrase: '', confirm: '' }, 'weak-passphrase'],
      [{ vaultPassphrase: PASS, passphrase: BACKUP_PASS, confirm: `${BACKUP_PASS}!` }, 'passphrase-mismatch'],
    ];
    for (const [payload, code] of cases) {
      const reply = await env.send('backup.export', payload);
      expectErr(reply, code);
      expect(JSON.stringify(reply)).not.toContain('file');
    }
    expectOk(await env.send('vault.lock', {}));
    expectErr(await env.send('backup.export', { vaultPassphrase: PASS, passphrase: BACKUP_PASS, confirm: BACKUP_PASS }), 'locked');
  });

  it('a file exported from one vault imports into another vault with identical accounts', async () => {
    const first = await withAccounts();
    const jane = await byName(first, 'jane@example.com');
    expectOk(await first.send('accounts.update', { id: jane.id, changes: { label: 'Work' } }));
    const file = await exported(first);
    expect(file).not.toContain(PASS);
    expect(file).not.toContain(BACKUP_PASS);

    const second = boot();
    expectOk(await second.send('vault.create', { passphrase: OTHER_PASS, confirm: OTHER_PASS }));
    // The first vault's passphrase does not open the backup: only the backup's own does.
    expectErr(await second.send('backup.import', { file, passphrase: PASS }), 'wrong-passphrase');
    const report = expectOk(await second.send('backup.import', { file, passphrase: BACKUP_PASS }));
    expect(report.added.map((a) => a.accountName)).toEqual(['jane@example.com', 'bob@example.com', 'carol']);
    expect(report).toMatchObject({ skipped: [], conflicts: [] });
    expect(await list(second)).toEqual(await list(first));
    expect((await storedData(second)).accounts).toEqual((await storedData(first)).accounts);

    // The imported vault still opens with its own passphrase, and its codes work.
    expectOk(await second.send('vault.lock', {}));
    expectOk(await second.send('vault.unlock', { passphrase: OTHER_PASS }));
    const codes = expectOk(await second.send('accounts.codes', { ids: (await list(second)).map((a) => a.id) }));
    expect(codes).toHaveLength(3);

    // Importing the same file again adds nothing and writes nothing.
    const before = blob(second);
    const again = expectOk(await second.send('backup.import', { file, passphrase: BACKUP_PASS }));
    expect(again.added).toEqual([]);
    expect(again.skipped).toEqual(report.added);
    expect(again.conflicts).toEqual([]);
    expect(blob(second)).toBe(before);
    expect(await list(second)).toHaveLength(3);
  });

  it('merges: stored accounts are kept, conflicts reported, ids never clash', async () => {
    const first = await withAccounts();
    const file = await exported(first);
    const second = boot();
    expectOk(await second.send('vault.create', { passphrase: OTHER_PASS, confirm: OTHER_PASS }));
    expectOk(
      await second.send('accounts.add', {
        accounts: [
          // Same key as jane's, on another platform.
          { uri: uri('jane@example.com', SECRETS[0]), origin: 'https://other.example.net', realm: null, deviceName: 'Laptop' },
          // Bob on the same platform and device, with another key.
          { uri: uri('bob@example.com', SECRETS[3]), origin: SELF, realm: 'iot', deviceName: 'X' },
        ],
        dryRun: false,
      }),
    );
    const bobHere = await byName(second, 'bob@example.com');
    expectOk(await second.send('accounts.update', { id: bobHere.id, changes: { deviceName: '' } }));
    const mine = await list(second);

    const report = expectOk(await second.send('backup.import', { file, passphrase: BACKUP_PASS }));
    expect(report.conflicts).toEqual([
      { issuer: 'ThingPark', accountName: 'jane@example.com', origin: ORIGIN, realm: REALM, reason: 'same-key-elsewhere' },
    ]);
    // An empty device name never conflicts: bob's other key is added next to the stored one.
    expect(report.added.map((a) => a.accountName)).toEqual(['bob@example.com', 'carol']);
    const after = await list(second);
    // Every stored account is still there, unchanged (the list is in list order, not stored order).
    for (const stored of mine) expect(after).toContainEqual(stored);
    expect(new Set(after.map((a) => a.id)).size).toBe(after.length);
  });

  it('wrong passphrase, damaged, foreign, too large: an error, and the stored vault is byte-identical', async () => {
    const first = await withAccounts();
    const file = await exported(first);
    const envelope = JSON.parse(file) as { ciphertext: string };
    const bytes = fromBase64(envelope.ciphertext)!;
    bytes[5] = bytes[5]! ^ 0x01;
    const damaged = JSON.stringify({ ...envelope, ciphertext: toBase64(bytes) });

    const second = await withAccounts(OTHER_PASS);
    const before = blob(second);
    const sets = second.local.sets;
    const cases: [Protocol['backup.import']['req'], AppErrorCode][] = [
      [{ file, passphrase: 'not the backup passphrase' }, 'wrong-passphrase'],
      [{ file, passphrase: '' }, 'wrong-passphrase'],
      [{ file: damaged, passphrase: BACKUP_PASS }, 'corrupt'],
      [{ file: file.slice(0, file.length / 2), passphrase: BACKUP_PASS }, 'not-a-vault'],
      [{ file: '', passphrase: BACKUP_PASS }, 'not-a-vault'],
      [{ file: NEW.map((a) => a.uri).join('\n'), passphrase: BACKUP_PASS }, 'not-a-vault'],
      [{ file: '{"format":"aegis","version":1}', passphrase: BACKUP_PASS }, 'not-a-vault'],
      [{ file: JSON.stringify({ ...envelope, version: 3 }), passphrase: BACKUP_PASS }, 'unsupported-version'],
      [{ file: ' '.repeat(MAX_BACKUP_BYTES + 1), passphrase: BACKUP_PASS }, 'backup-too-large'],
    ];
    for (const [payload, code] of cases) {
      const reply = await second.send('backup.import', payload);
      expect(reply, code).toMatchObject({ ok: false, error: { code } });
    }
    expect(blob(second)).toBe(before);
    expect(second.local.sets).toBe(sets);
    expect(await list(second)).toHaveLength(3);
  });

  it('a raw vault blob is a backup too (its vault passphrase opens it)', async () => {
    const first = await withAccounts();
    const raw = blob(first);
    const second = boot();
    expectOk(await second.send('vault.create', { passphrase: OTHER_PASS, confirm: OTHER_PASS }));
    const report = expectOk(await second.send('backup.import', { file: raw, passphrase: PASS }));
    expect(report.added).toHaveLength(3);
  });

  it('import is locked while the vault is locked', async () => {
    const first = await withAccounts();
    const file = await exported(first);
    const env = await lockedEnv();
    const before = blob(env);
    expectErr(await env.send('backup.import', { file, passphrase: BACKUP_PASS }), 'locked');
    expect(blob(env)).toBe(before);
  });
});

describe('backup.exportPlain', () => {
  it('needs the vault passphrase', async () => {
    const env = await withAccounts();
    for (const vaultPassphrase of ['', 'wrong passphrase']) {
      const reply = await env.send('backup.exportPlain', { vaultPassphrase });
      expectErr(reply, 'wrong-passphrase');
      expect(JSON.stringify(reply)).not.toContain('otpauth');
    }
    expectOk(await env.send('vault.lock', {}));
    expectErr(await env.send('backup.exportPlain', { vaultPassphrase: PASS }), 'locked');
  });

  it('answers one otpauth:// line per account, parsing back to the accounts', async () => {
    const env = await withAccounts();
    const { text, accounts } = expectOk(await env.send('backup.exportPlain', { vaultPassphrase: PASS }));
    expect(accounts).toBe(3);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => {
      const parsed = parseOtpauthUri(line);
      const original = parseOtpauthUri(NEW[i]!.uri);
      if (!parsed.ok || !original.ok) throw new Error('URI does not parse');
      expect(parsed.value).toEqual(original.value);
    });
  });
});

describe('accounts.list order', () => {
  it('is list order: issuer, then the name shown (label, else account name); case, accents and numbers as people read them', () => {
    const a = (issuer: string, accountName: string, label: string | null = null) => ({ issuer, accountName, label });
    const sorted = inListOrder([
      a('thingpark', 'user10'),
      a('Acme', 'zed'),
      a('ThingPark', 'user2'),
      a('ThingPark', 'zoe', 'Alpha'),
      a('Élan', 'x'),
      a('acme', 'Bob'),
    ]);
    expect(sorted.map((x) => `${x.issuer}/${x.label ?? x.accountName}`)).toEqual([
      'acme/Bob',
      'Acme/zed',
      'Élan/x',
      'ThingPark/Alpha',
      'ThingPark/user2',
      'thingpark/user10',
    ]);
  });

  it('comes sorted from the background, is sorted again after a change, and a caller cannot disturb the kept list', async () => {
    const env = await withAccounts();
    const names = (l: AccountSummary[]) => l.map((a) => a.accountName);
    const first = await list(env);
    expect(first).toEqual(inListOrder(first));
    // Same issuer (ThingPark): bob before jane; a label puts jane first.
    expect(names(first)).toEqual(['carol', 'bob@example.com', 'jane@example.com']);
    const jane = await byName(env, 'jane@example.com');
    expectOk(await env.send('accounts.update', { id: jane.id, changes: { label: 'Admin' } }));
    const renamed = await list(env);
    expect(names(renamed)).toEqual(['carol', 'jane@example.com', 'bob@example.com']);
    // What a caller does with a reply does not change the next one.
    renamed.reverse();
    expect(names(await list(env))).toEqual(['carol', 'jane@example.com', 'bob@example.com']);
  });
});

describe('accounts.head (the popup\'s first screen)', () => {
  const names = (l: { accountName: string }[]) => l.map((a) => a.accountName);

  it("is the head of the popup's order: the platform's accounts first, then the rest, each in list order", async () => {
    const env = await withAccounts();
    const all = await list(env); // carol (SELF, no realm), bob (SELF, iot), jane (ORIGIN)
    // Jane's platform: jane first, then the others in list order.
    const here = expectOk(await env.send('accounts.head', { platform: { origin: ORIGIN, realm: REALM }, limit: 8 }));
    expect(names(here.accounts)).toEqual(['jane@example.com', 'carol', 'bob@example.com']);
    expect(here.total).toBe(3);
    expect(here.accounts).toEqual(platformFirst(all, { origin: ORIGIN, realm: REALM }));
    // Only what was asked for; the total says there is more.
    const two = expectOk(await env.send('accounts.head', { platform: { origin: ORIGIN, realm: REALM }, limit: 2 }));
    expect(names(two.accounts)).toEqual(['jane@example.com', 'carol']);
    expect(two.total).toBe(3);
    // Another realm on the self-hosted origin: carol (realm unknown) still belongs, bob (iot) does not.
    const other = expectOk(await env.send('accounts.head', { platform: { origin: SELF, realm: 'other' }, limit: 8 }));
    expect(names(other.accounts)).toEqual(['carol', 'bob@example.com', 'jane@example.com']);
    // No platform (a tab that is not a web page): list order.
    const none = expectOk(await env.send('accounts.head', { platform: null, limit: 8 }));
    expect(none.accounts).toEqual(all);
    // No secret in it.
    expect(JSON.stringify(none)).not.toMatch(new RegExp(SECRETS.join('|')));
  });

  it('is refused while the vault is locked, and malformed requests are refused', async () => {
    const env = await withAccounts();
    expectOk(await env.send('vault.lock', {}));
    expect(await env.send('accounts.head', { platform: null, limit: 8 })).toMatchObject({ ok: false, error: { code: 'locked' } });
    for (const bad of [{ platform: null, limit: 0 }, { platform: null, limit: 1.5 }, { platform: null, limit: 501 }, { platform: 'x', limit: 8 }, { platform: { origin: 7, realm: null }, limit: 8 }, { limit: 8 }]) {
      expect(parseMessage({ type: 'accounts.head', ...bad }), JSON.stringify(bad)).toBeNull();
    }
  });
});

describe('platformFirst and onPlatform', () => {
  const acc = (name: string, origin: string, realm: string | null) => ({ accountName: name, origin, realm });
  it('puts the platform\'s accounts first without reordering either part; same origin, realm only when both are known', () => {
    const list = [acc('a', SELF, 'iot'), acc('b', ORIGIN, REALM), acc('c', SELF, null), acc('d', ORIGIN, 'other'), acc('e', ORIGIN, null)];
    expect(platformFirst(list, { origin: ORIGIN, realm: REALM }).map((a) => a.accountName)).toEqual(['b', 'e', 'a', 'c', 'd']);
    expect(platformFirst(list, { origin: ORIGIN, realm: null }).map((a) => a.accountName)).toEqual(['b', 'd', 'e', 'a', 'c']);
    expect(platformFirst(list, { origin: null, realm: null })).toEqual(list);
    expect(platformFirst(list, null)).toEqual(list);
    expect(platformFirst(list, { origin: 'https://nowhere.example', realm: null })).toEqual(list);
    expect(platformFirst(list, null)).not.toBe(list); // a copy: the caller's list is not the one returned
    expect(onPlatform(acc('x', ORIGIN, REALM), { origin: `${ORIGIN}:8443`, realm: REALM })).toBe(false);
  });
});
