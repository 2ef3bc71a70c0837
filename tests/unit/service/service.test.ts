/**
 * The background's vault state machine, driven through its ports with in-memory fakes: create,
 * unlock, lock, auto-lock, worker restart (storage.session survives), browser restart (it does
 * not), damaged storage that must never be overwritten, passphrase change, settings, and the
 * write queue. Every reply must be a value, never a thrown exception.
 */
import { FakePlatforms } from './memory-platforms';
import { describe, expect, it } from 'vitest';
import { createVaultService, type VaultService } from '../../../lib/service/service';
import { AUTO_LOCK_ALARM, KEYS } from '../../../lib/service/ports';
import type { AppErrorCode } from '../../../lib/protocol/errors';
import type { Caller } from '../../../lib/protocol/access';
import type { Message, MessageType, Protocol, Reply, VaultStatus } from '../../../lib/protocol/messages';
import { importKey, openVault, parseEnvelope, type VaultEnvelopeV1 } from '../../../lib/vault/envelope';
import { parseVaultData, type StoredAccount, type VaultData } from '../../../lib/vault/accounts';
import { parseOtpauthUri } from '../../../lib/otp/otp';
import { fromBase64, toBase64 } from '../../../lib/util/base64';
import { MemoryArea, FakeAlarms } from './memory-ports';
import { fakeReadQr } from './text-qr';

// ---------------------------------------------------------------------------------------------
// Helpers

const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const OTHER_PASS = 'a different passphrase';
const NEW_PASS = 'new passphrase 2024';

const PAGE: Caller = { kind: 'extension-page' };
const CONTENT: Caller = {
  kind: 'content-script',
  tabId: 7,
  frameId: 0,
  url: 'https://community.thingpark.io/auth/realms/tpw-users-actility-tpe-ope/login-actions/authenticate',
};

let boots = 0;

interface Env {
  local: MemoryArea;
  session: MemoryArea;
  alarms: FakeAlarms;
  svc: VaultService;
  bootId: string;
  send<K extends MessageType>(type: K, payload: Protocol[K]['req'], caller?: Caller): Promise<Reply<K>>;
}

/** A service instance (one "worker boot") over the given stores, or fresh ones. */
function boot(stores: { local?: MemoryArea; session?: MemoryArea; alarms?: FakeAlarms } = {}): Env {
  const local = stores.local ?? new MemoryArea();
  const session = stores.session ?? new MemoryArea();
  const alarms = stores.alarms ?? new FakeAlarms();
  const bootId = `boot-${++boots}`;
  const svc = createVaultService({
    local,
    session,
    alarms,
    bootId,
    kdf: KDF,
    defaultDeviceName: async () => 'ThingPark Autofill · Test on Linux',
    fillTab: async () => true,
    platforms: new FakePlatforms(),
    loadQrReader: async () => undefined,
    readQr: fakeReadQr,
  });
  const send = <K extends MessageType>(type: K, payload: Protocol[K]['req'], caller: Caller = PAGE) =>
    svc.handle({ type, ...payload } as unknown as Message<K>, caller);
  return { local, session, alarms, svc, bootId, send };
}

function expectOk<T>(reply: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}

function expectErr(reply: unknown, code: AppErrorCode): void {
  // A value, not a throw: the reply is a plain { ok: false, error: { code } } object.
  expect(reply).toMatchObject({ ok: false, error: { code } });
  expect(reply).not.toHaveProperty('value');
}

async function statusOf(env: Env, caller: Caller = PAGE): Promise<VaultStatus> {
  return expectOk(await env.send('vault.status', {}, caller));
}

/** A service with a freshly created, unlocked vault. */
async function created(pass = PASS, stores: Parameters<typeof boot>[0] = {}): Promise<Env> {
  const env = boot(stores);
  expectOk(await env.send('vault.create', { passphrase: pass, confirm: pass }));
  return env;
}

function account(id: string, name: string): StoredAccount {
  const otp = parseOtpauthUri(
    `otpauth://totp/ThingPark:${encodeURIComponent(name)}?secret=JBSWY3DPEHPK3PXP&issuer=ThingPark&algorithm=SHA1&digits=6&period=30`,
  );
  if (!otp.ok) throw new Error(`test account did not parse: ${otp.error.code}`);
  return {
    ...otp.value,
    id,
    origin: 'https://community.thingpark.io',
    realm: 'tpw-users-actility-tpe-ope',
    deviceName: 'Chrome on laptop',
    addedAt: 1_700_000_000_000,
    lastUsedStep: null,
  };
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

function flipCiphertextByte(envelope: VaultEnvelopeV1): VaultEnvelopeV1 {
  const bytes = fromBase64(envelope.ciphertext)!;
  bytes[0] = bytes[0]! ^ 0x01;
  return { ...envelope, ciphertext: toBase64(bytes) };
}

// ---------------------------------------------------------------------------------------------

describe('create', () => {
  it("reports 'none' before any vault exists", async () => {
    const env = boot();
    const status = await statusOf(env);
    expect(status.state).toBe('none');
    expect(status.accounts).toBeNull();
    expect(status.bootId).toBe(env.bootId);
    expect(status.settings.autoLockMinutes).toBe(30);
    expect(env.local.map.size).toBe(0);
  });

  it("refuses a confirmation that differs with 'passphrase-mismatch' and stores nothing", async () => {
    const env = boot();
    expectErr(await env.send('vault.create', { passphrase: PASS, confirm: `${PASS}!` }), 'passphrase-mismatch');
    expect(env.local.map.size).toBe(0);
    expect(env.session.map.size).toBe(0);
    expect((await statusOf(env)).state).toBe('none');
  });

  it("refuses a short passphrase with 'weak-passphrase' and stores nothing", async () => {
    const env = boot();
    expectErr(await env.send('vault.create', { passphrase: 'short', confirm: 'short' }), 'weak-passphrase');
    expectErr(await env.send('vault.create', { passphrase: '', confirm: '' }), 'weak-passphrase');
    expect(env.local.map.size).toBe(0);
    expect(env.session.map.size).toBe(0);
    expect(env.alarms.scheduled).toEqual([]);
  });

  it('creates an unlocked, empty vault: only the envelope in local, the key in session, auto-lock in 30 minutes', async () => {
    const env = boot();
    const status = expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    expect(status.state).toBe('unlocked');
    expect(status.accounts).toBe(0);

    // storage.local: just the encrypted envelope, no passphrase, no plaintext.
    expect([...env.local.map.keys()]).toEqual([KEYS.vault]);
    const stored = env.local.map.get(KEYS.vault);
    const env1 = parseEnvelope(stored);
    expect(env1.ok).toBe(true);
    expect(stored).toEqual(env1.ok ? env1.value : null);
    const localText = JSON.stringify(env.local.snapshot());
    expect(localText).not.toContain(PASS);
    expect(localText).not.toContain('accounts');

    // storage.session: the exported key, which opens exactly the stored vault.
    expect([...env.session.map.keys()]).toEqual([KEYS.sessionKey]);
    expect(JSON.stringify(env.session.snapshot())).not.toContain(PASS);
    expect(await storedData(env)).toEqual({ version: 2, accounts: [] });

    // Auto-lock alarm at the default delay.
    expect(env.alarms.scheduled.length).toBeGreaterThan(0);
    expect(env.alarms.scheduled.every((a) => a.name === AUTO_LOCK_ALARM && a.delayMinutes === 30)).toBe(true);
    expect(env.alarms.active.get(AUTO_LOCK_ALARM)).toBe(30);
  });

  it("refuses 'vault-exists' over an existing vault, even a damaged one, without touching it", async () => {
    const env = await created();
    const before = env.local.snapshot();
    expectErr(await env.send('vault.create', { passphrase: OTHER_PASS, confirm: OTHER_PASS }), 'vault-exists');
    expect(env.local.snapshot()).toEqual(before);

    const damaged = boot();
    damaged.local.map.set(KEYS.vault, 'garbage');
    expectErr(await damaged.send('vault.create', { passphrase: PASS, confirm: PASS }), 'vault-exists');
    expect(damaged.local.map.get(KEYS.vault)).toBe('garbage');
    expect(damaged.session.map.size).toBe(0);
    expect((await statusOf(damaged)).state).toBe('damaged');
  });
});

describe('lock and unlock', () => {
  it("locks: state 'locked', session key removed, alarm cleared", async () => {
    const env = await created();
    const status = expectOk(await env.send('vault.lock', {}));
    expect(status.state).toBe('locked');
    expect(status.accounts).toBeNull();
    expect(env.session.map.has(KEYS.sessionKey)).toBe(false);
    expect(env.alarms.cleared).toContain(AUTO_LOCK_ALARM);
    expect(env.alarms.active.has(AUTO_LOCK_ALARM)).toBe(false);
    expect((await statusOf(env)).state).toBe('locked');
  });

  it("refuses a wrong passphrase with 'wrong-passphrase' and leaves storage.local unchanged", async () => {
    const env = await created();
    expectOk(await env.send('vault.lock', {}));
    const before = env.local.snapshot();
    expectErr(await env.send('vault.unlock', { passphrase: OTHER_PASS }), 'wrong-passphrase');
    expectErr(await env.send('vault.unlock', { passphrase: '' }), 'wrong-passphrase');
    expect(env.local.snapshot()).toEqual(before);
    expect(env.session.map.size).toBe(0);
    expect((await statusOf(env)).state).toBe('locked');
  });

  it('unlocks with the right passphrase and parks the key in session again', async () => {
    const env = await created();
    expectOk(await env.send('vault.lock', {}));
    env.alarms.reset();
    const status = expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect(status.state).toBe('unlocked');
    expect(status.accounts).toBe(0);
    expect(env.session.map.has(KEYS.sessionKey)).toBe(true);
    expect(env.alarms.active.get(AUTO_LOCK_ALARM)).toBe(30);
  });

  it("answers 'no-vault' to unlock when nothing is stored", async () => {
    const env = boot();
    expectErr(await env.send('vault.unlock', { passphrase: PASS }), 'no-vault');
    expectErr(
      await env.send('vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: NEW_PASS, confirm: NEW_PASS }),
      'no-vault',
    );
    expect(env.local.map.size).toBe(0);
  });
});

describe('worker and browser restarts', () => {
  it('a new worker over the same stores is still unlocked (key restored from storage.session)', async () => {
    const first = await created();
    const second = boot({ local: first.local, session: first.session, alarms: first.alarms });
    const status = await statusOf(second);
    expect(status.state).toBe('unlocked');
    expect(status.accounts).toBe(0);
    expect(status.bootId).toBe(second.bootId);
    expect(status.bootId).not.toBe(first.bootId);
  });

  it('a browser restart (storage.session emptied) leaves the vault locked', async () => {
    const first = await created();
    const second = boot({ local: first.local, session: new MemoryArea() });
    expect((await statusOf(second)).state).toBe('locked');
    expectOk(await second.send('vault.unlock', { passphrase: PASS }));
  });

  it('onBrowserStartup() locks and removes the session key', async () => {
    const first = await created();
    const second = boot({ local: first.local, session: first.session, alarms: first.alarms });
    await second.svc.onBrowserStartup();
    expect(second.session.map.has(KEYS.sessionKey)).toBe(false);
    expect(second.alarms.active.has(AUTO_LOCK_ALARM)).toBe(false);
    expect((await statusOf(second)).state).toBe('locked');

    // Also for the instance that was unlocked in memory.
    const third = await created();
    await third.svc.onBrowserStartup();
    expect(third.session.map.has(KEYS.sessionKey)).toBe(false);
    expect((await statusOf(third)).state).toBe('locked');
  });

  it('a session key from another vault is dropped: locked, stored vault untouched', async () => {
    const a = await created(PASS);
    const b = await created(OTHER_PASS);
    const before = a.local.snapshot();
    const session = new MemoryArea();
    session.map.set(KEYS.sessionKey, structuredClone(b.session.map.get(KEYS.sessionKey)));

    const env = boot({ local: a.local, session });
    const status = await statusOf(env);
    expect(status.state).toBe('locked');
    expect(session.map.has(KEYS.sessionKey)).toBe(false);
    expect(a.local.snapshot()).toEqual(before);
    expect(a.local.sets).toBe(1); // only the create
    expectErr(await env.send('vault.unlock', { passphrase: OTHER_PASS }), 'wrong-passphrase');
    expect(expectOk(await env.send('vault.unlock', { passphrase: PASS })).state).toBe('unlocked');
  });

  it('a malformed session key is dropped and the vault reports locked', async () => {
    const a = await created();
    const session = new MemoryArea();
    session.map.set(KEYS.sessionKey, { raw: 'not base64!', header: {} });
    const env = boot({ local: a.local, session });
    expect((await statusOf(env)).state).toBe('locked');
    expect(session.map.has(KEYS.sessionKey)).toBe(false);
  });
});

describe('auto-lock and callers', () => {
  it("onAlarm('auto-lock') locks", async () => {
    const env = await created();
    await env.svc.onAlarm(AUTO_LOCK_ALARM);
    expect(env.session.map.has(KEYS.sessionKey)).toBe(false);
    expect((await statusOf(env)).state).toBe('locked');
  });

  it("onAlarm('other') does nothing", async () => {
    const env = await created();
    const session = env.session.snapshot();
    env.alarms.reset();
    await env.svc.onAlarm('other');
    expect(env.session.snapshot()).toEqual(session);
    expect(env.alarms.cleared).toEqual([]);
    expect((await statusOf(env, CONTENT)).state).toBe('unlocked');
  });

  it('any extension-page request while unlocked reschedules the auto-lock alarm', async () => {
    const env = await created();
    env.alarms.reset();
    expectOk(await env.send('vault.status', {}));
    expect(env.alarms.scheduled).toEqual([{ name: AUTO_LOCK_ALARM, delayMinutes: 30 }]);

    env.alarms.reset();
    expectErr(await env.send('vault.unlock', { passphrase: OTHER_PASS }), 'wrong-passphrase');
    expect(env.alarms.scheduled).toEqual([{ name: AUTO_LOCK_ALARM, delayMinutes: 30 }]);

    // Not from a content script, and not while locked.
    env.alarms.reset();
    expectOk(await env.send('vault.status', {}, CONTENT));
    expect(env.alarms.scheduled).toEqual([]);
    expectOk(await env.send('vault.lock', {}));
    env.alarms.reset();
    expectOk(await env.send('vault.status', {}));
    expect(env.alarms.scheduled).toEqual([]);
  });

  it("a content script cannot unlock, create or lock ('forbidden')", async () => {
    const env = await created();
    const local = env.local.snapshot();
    expectErr(await env.send('vault.lock', {}, CONTENT), 'forbidden');
    expectErr(await env.send('vault.unlock', { passphrase: PASS }, CONTENT), 'forbidden');
    expectErr(await env.send('vault.create', { passphrase: PASS, confirm: PASS }, CONTENT), 'forbidden');
    expectErr(
      await env.send('vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: NEW_PASS, confirm: NEW_PASS }, CONTENT),
      'forbidden',
    );
    expectErr(await env.send('settings.update', { settings: { autoLockMinutes: 5 } }, CONTENT), 'forbidden');
    expect(env.local.snapshot()).toEqual(local);
    expect((await statusOf(env)).state).toBe('unlocked'); // the forbidden lock did nothing

    const fresh = boot();
    expectErr(await fresh.send('vault.create', { passphrase: PASS, confirm: PASS }, CONTENT), 'forbidden');
    expect(fresh.local.map.size).toBe(0);
  });

  it("a content script can call 'vault.status'", async () => {
    const env = await created();
    const status = await statusOf(env, CONTENT);
    expect(status.state).toBe('unlocked');
    expect(status.accounts).toBe(0);
  });
});

describe('damaged storage is reported and never overwritten', () => {
  async function hammer(env: Env): Promise<void> {
    // Every request and event the service knows; none may write the vault key.
    await env.send('vault.status', {});
    await env.send('vault.create', { passphrase: PASS, confirm: PASS });
    await env.send('vault.unlock', { passphrase: PASS });
    await env.send('vault.unlock', { passphrase: OTHER_PASS });
    await env.send('vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: NEW_PASS, confirm: NEW_PASS });
    await env.send('settings.update', { settings: { autoLockMinutes: 10 } });
    await env.send('vault.lock', {});
    await env.svc.onAlarm(AUTO_LOCK_ALARM);
    await env.svc.onBrowserStartup();
    expectErr(await env.svc.update((d) => ({ ...d, accounts: [account('x', 'x@example.com')] })), 'locked');
    await env.send('vault.status', {});
  }

  it("'garbage' → damaged (not-a-vault); unlock says not-a-vault; nothing overwrites it", async () => {
    const env = boot();
    env.local.map.set(KEYS.vault, 'garbage');
    const status = await statusOf(env);
    expect(status.state).toBe('damaged');
    expect(status.damage).toBe('not-a-vault');
    expectErr(await env.send('vault.unlock', { passphrase: PASS }), 'not-a-vault');
    await hammer(env);
    expect(env.local.map.get(KEYS.vault)).toBe('garbage');
    expect(env.session.map.size).toBe(0);
  });

  it('a future version → damaged (unsupported-version); nothing overwrites it', async () => {
    const env = boot();
    const future = { format: 'thingpark-autofill-vault', version: 9 };
    env.local.map.set(KEYS.vault, structuredClone(future));
    const status = await statusOf(env);
    expect(status.state).toBe('damaged');
    expect(status.damage).toBe('unsupported-version');
    expectErr(await env.send('vault.unlock', { passphrase: PASS }), 'unsupported-version');
    await hammer(env);
    expect(env.local.map.get(KEYS.vault)).toEqual(future);
    expect(env.session.map.size).toBe(0);
  });

  it("a flipped ciphertext byte → 'locked', then unlock says 'corrupt' ('damaged' from then on); nothing overwrites it", async () => {
    const good = await created();
    const envelope = good.local.map.get(KEYS.vault) as VaultEnvelopeV1;
    const bad = flipCiphertextByte(envelope);
    const env = boot();
    env.local.map.set(KEYS.vault, structuredClone(bad));

    expect((await statusOf(env)).state).toBe('locked');
    expectErr(await env.send('vault.unlock', { passphrase: PASS }), 'corrupt');
    expectErr(
      await env.send('vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: NEW_PASS, confirm: NEW_PASS }),
      'corrupt',
    );
    await hammer(env);
    expect(env.local.map.get(KEYS.vault)).toEqual(bad);
    expect(env.session.map.size).toBe(0);
    // The right passphrase proved the data unreadable: reported as damaged from then on.
    expect(await statusOf(env)).toMatchObject({ state: 'damaged', damage: 'corrupt' });
  });
});

describe('changePassphrase', () => {
  it("a wrong old passphrase → 'wrong-passphrase', storage.local unchanged", async () => {
    const env = await created();
    const before = env.local.snapshot();
    expectErr(
      await env.send('vault.changePassphrase', { oldPassphrase: OTHER_PASS, newPassphrase: NEW_PASS, confirm: NEW_PASS }),
      'wrong-passphrase',
    );
    expect(env.local.snapshot()).toEqual(before);
  });

  it("a new passphrase too short → 'weak-passphrase'; a differing confirmation → 'passphrase-mismatch'", async () => {
    const env = await created();
    const before = env.local.snapshot();
    expectErr(
      await env.send('vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: 'short', confirm: 'short' }),
      'weak-passphrase',
    );
    expectErr(
      await env.send('vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: NEW_PASS, confirm: `${NEW_PASS}x` }),
      'passphrase-mismatch',
    );
    expect(env.local.snapshot()).toEqual(before);
  });

  it('after a change the old passphrase no longer unlocks and the new one does, with the accounts kept', async () => {
    const env = await created();
    expectOk(await env.svc.update((d) => ({ ...d, accounts: [account('a1', 'alice@example.com')] })));
    const oldEnvelope = env.local.map.get(KEYS.vault) as VaultEnvelopeV1;
    const status = expectOk(
      await env.send('vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: NEW_PASS, confirm: NEW_PASS }),
    );
    expect(status.state).toBe('unlocked');
    expect(status.accounts).toBe(1);
    const newEnvelope = env.local.map.get(KEYS.vault) as VaultEnvelopeV1;
    expect(newEnvelope.kdf.salt).not.toBe(oldEnvelope.kdf.salt);
    // The session key follows the new envelope (a worker restart stays unlocked).
    expect((await storedData(env)).accounts.map((a) => a.id)).toEqual(['a1']);

    expectOk(await env.send('vault.lock', {}));
    expectErr(await env.send('vault.unlock', { passphrase: PASS }), 'wrong-passphrase');
    const unlocked = expectOk(await env.send('vault.unlock', { passphrase: NEW_PASS }));
    expect(unlocked.state).toBe('unlocked');
    expect(unlocked.accounts).toBe(1);
  });

  it("a failed storage write → 'internal' value; the old envelope stays and still unlocks with the old passphrase", async () => {
    const env = await created();
    const before = env.local.snapshot();
    const sessionBefore = env.session.snapshot();
    env.local.failNextSet();
    const reply = await env.send('vault.changePassphrase', {
      oldPassphrase: PASS,
      newPassphrase: NEW_PASS,
      confirm: NEW_PASS,
    });
    expectErr(reply, 'internal');
    expect(JSON.stringify(reply)).not.toContain(PASS);
    expect(JSON.stringify(reply)).not.toContain(NEW_PASS);
    expect(env.local.snapshot()).toEqual(before);
    expect(env.session.snapshot()).toEqual(sessionBefore);

    // The in-memory state still matches storage: a worker restart restores the old key.
    const restarted = boot({ local: env.local, session: env.session });
    expect((await statusOf(restarted)).state).toBe('unlocked');

    expectOk(await env.send('vault.lock', {}));
    expectErr(await env.send('vault.unlock', { passphrase: NEW_PASS }), 'wrong-passphrase');
    expect(expectOk(await env.send('vault.unlock', { passphrase: PASS })).state).toBe('unlocked');
  });
});

describe('settings.update', () => {
  it('accepts autoLockMinutes 5 and reschedules the alarm with 5 while unlocked', async () => {
    const env = await created();
    env.alarms.reset();
    const status = expectOk(await env.send('settings.update', { settings: { autoLockMinutes: 5 } }));
    expect(status.settings.autoLockMinutes).toBe(5);
    expect(env.local.map.get(KEYS.settings)).toMatchObject({ autoLockMinutes: 5 });
    expect(env.alarms.scheduled.length).toBeGreaterThan(0);
    expect(env.alarms.scheduled.every((a) => a.name === AUTO_LOCK_ALARM && a.delayMinutes === 5)).toBe(true);
    expect(env.alarms.active.get(AUTO_LOCK_ALARM)).toBe(5);

    // Later unlocks use the stored setting.
    expectOk(await env.send('vault.lock', {}));
    env.alarms.reset();
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect(env.alarms.active.get(AUTO_LOCK_ALARM)).toBe(5);
  });

  it('while locked, a new autoLockMinutes is stored but no alarm is scheduled', async () => {
    const env = await created();
    expectOk(await env.send('vault.lock', {}));
    env.alarms.reset();
    expect(expectOk(await env.send('settings.update', { settings: { autoLockMinutes: 5 } })).settings.autoLockMinutes).toBe(5);
    expect(env.alarms.scheduled).toEqual([]);
  });

  it.each([0, 1.5, 100000, '5', -1, Number.NaN, null])("rejects autoLockMinutes %s with 'bad-request'", async (value) => {
    const env = await created();
    const before = env.local.snapshot();
    env.alarms.reset();
    expectErr(
      await env.send('settings.update', { settings: { autoLockMinutes: value as unknown as number } }),
      'bad-request',
    );
    expect(env.local.snapshot()).toEqual(before);
    expect((await statusOf(env)).settings.autoLockMinutes).toBe(30);
    expect(env.alarms.scheduled.every((a) => a.delayMinutes === 30)).toBe(true);
  });

  it("rejects an unknown field with 'bad-request' and stores nothing", async () => {
    const env = await created();
    const before = env.local.snapshot();
    expectErr(
      await env.send('settings.update', { settings: { autoLockMinutes: 5, theme: 'dark' } as unknown as { autoLockMinutes: number } }),
      'bad-request',
    );
    expectErr(
      await env.send('settings.update', { settings: JSON.parse('{"__proto__": {"autoSubmit": true}}') }),
      'bad-request',
    );
    expect(env.local.snapshot()).toEqual(before);
    expect((await statusOf(env)).settings).toEqual({ autoLockMinutes: 30, autoSubmit: false, deviceName: '' });
  });

  it('accepts autoSubmit true', async () => {
    const env = await created();
    const status = expectOk(await env.send('settings.update', { settings: { autoSubmit: true } }));
    expect(status.settings.autoSubmit).toBe(true);
    expectErr(await env.send('settings.update', { settings: { autoSubmit: 'yes' as unknown as boolean } }), 'bad-request');
    expect((await statusOf(env)).settings.autoSubmit).toBe(true);
  });

  it('trims deviceName', async () => {
    const env = await created();
    const status = expectOk(await env.send('settings.update', { settings: { deviceName: '  Work laptop  ' } }));
    expect(status.settings.deviceName).toBe('Work laptop');
    expect(env.local.map.get(KEYS.settings)).toMatchObject({ deviceName: 'Work laptop' });
    expect(status.settings.autoLockMinutes).toBe(30);
  });
});

describe('update()', () => {
  it('serialises writes: two concurrent updates that each append an account both land', async () => {
    const env = await created();
    const append = (a: StoredAccount) => (d: VaultData): VaultData => ({ ...d, accounts: [...d.accounts, a] });
    const [r1, r2] = await Promise.all([
      env.svc.update(append(account('a1', 'alice@example.com'))),
      env.svc.update(append(account('a2', 'bob@example.com'))),
    ]);
    expect(expectOk(r1).accounts.map((a) => a.id)).toEqual(['a1']);
    expect(expectOk(r2).accounts.map((a) => a.id)).toEqual(['a1', 'a2']);
    expect((await storedData(env)).accounts.map((a) => a.id)).toEqual(['a1', 'a2']);
    expect((await statusOf(env)).accounts).toBe(2);

    // And they survive a lock/unlock round trip.
    expectOk(await env.send('vault.lock', {}));
    expect(expectOk(await env.send('vault.unlock', { passphrase: PASS })).accounts).toBe(2);
  });

  it('a request and an update never interleave: lock queued after an update still sees it stored', async () => {
    const env = await created();
    const [u, l] = await Promise.all([
      env.svc.update((d) => ({ ...d, accounts: [account('a1', 'alice@example.com')] })),
      env.send('vault.lock', {}),
    ]);
    expectOk(u);
    expect(expectOk(l).state).toBe('locked');
    expect(expectOk(await env.send('vault.unlock', { passphrase: PASS })).accounts).toBe(1);
  });

  it("while locked → error value 'locked', nothing written", async () => {
    const env = await created();
    expectOk(await env.send('vault.lock', {}));
    const before = env.local.snapshot();
    const r = await env.svc.update((d) => ({ ...d, accounts: [account('a1', 'alice@example.com')] }));
    expectErr(r, 'locked');
    expect(env.local.snapshot()).toEqual(before);

    expectErr(await boot().svc.update((d) => d), 'locked');
  });

  it('after a worker restart, update() restores the key from session and writes', async () => {
    const first = await created();
    const second = boot({ local: first.local, session: first.session });
    expect(expectOk(await second.svc.update((d) => ({ ...d, accounts: [account('a1', 'alice@example.com')] }))).accounts).toHaveLength(1);
    expect((await storedData(second)).accounts).toHaveLength(1);
  });
});

describe('the same create request twice', () => {
  it('is answered with the open vault when it repeats the passphrase, refused otherwise', async () => {
    const env = await created();
    const before = structuredClone(await env.local.get(KEYS.vault));
    expect(expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS })).state).toBe('unlocked');
    expectErr(await env.send('vault.create', { passphrase: 'another long passphrase', confirm: 'another long passphrase' }), 'vault-exists');
    expect(await env.local.get(KEYS.vault)).toEqual(before);
    expectOk(await env.send('vault.lock', {}));
    // Locked: nobody proved they own the stored vault in this session; refuse.
    expectErr(await env.send('vault.create', { passphrase: PASS, confirm: PASS }), 'vault-exists');
    expect(await env.local.get(KEYS.vault)).toEqual(before);
  });
});
