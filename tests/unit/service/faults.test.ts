/**
 * Faults: a stored vault that cannot be read is explained, handed out exactly as stored
 * (`vault.exportRaw`) and deleted only on the user's deliberate request (`vault.reset`), never for
 * a vault that can be read and never by anything else; every unlock attempt costs the full key
 * derivation, however many come and however alike they are; a message the browser did not
 * deliver (a background being suspended) is sent again, one that may have been delivered is not.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakePlatforms } from './memory-platforms';
import { createVaultService, type VaultService } from '../../../lib/service/service';
import { AUTO_LOCK_ALARM, KEYS } from '../../../lib/service/ports';
import { RESET_CONFIRM, type Message, type MessageType, type Protocol, type Reply, type VaultStatus } from '../../../lib/protocol/messages';
import { allowedFor, type Caller } from '../../../lib/protocol/access';
import { createClient, encodeReply } from '../../../lib/protocol/transport';
import { parseMessage } from '../../../lib/protocol/validation';
import type { AppErrorCode } from '../../../lib/protocol/errors';
import { DEFAULT_ITERATIONS, type VaultEnvelopeV1 } from '../../../lib/vault/envelope';
import { fromBase64, toBase64 } from '../../../lib/util/base64';
import * as kc from '../../simulator/keycloak.mjs';
import { MemoryArea, FakeAlarms } from './memory-ports';
import { fakeQrImage, fakeReadQr } from './text-qr';

// ---------------------------------------------------------------------------------------------
// Helpers

const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const WRONG = 'not the passphrase at all';
const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';
const SETUP_URL = `${ORIGIN}/auth/realms/${REALM}/login-actions/required-action?execution=CONFIGURE_TOTP`;
const RAW = 'Aq3kP9vLm2Rt7Wc1Bn5d';
const URI = kc.buildKeyUri({ policy: kc.DEFAULT_POLICY, issuer: 'ThingPark Enterprise', account: 'jane.doe@example.com', rawSecret: RAW });

const EXT: Caller = { kind: 'extension-page' };
const TAB: Caller = { kind: 'content-script', tabId: 7, frameId: 0, url: SETUP_URL };

interface Env {
  local: MemoryArea;
  session: MemoryArea;
  svc: VaultService;
  send<K extends MessageType>(type: K, payload: Protocol[K]['req'], caller?: Caller): Promise<Reply<K>>;
}

/** One "worker boot" over these stores (fresh ones by default). `kdf: null`: production's. */
function boot(o: { local?: MemoryArea; session?: MemoryArea; kdf?: null } = {}): Env {
  const local = o.local ?? new MemoryArea();
  const session = o.session ?? new MemoryArea();
  const svc = createVaultService({
    local,
    session,
    alarms: new FakeAlarms(),
    bootId: 'boot',
    ...(o.kdf === null ? {} : { kdf: KDF }),
    defaultDeviceName: async () => 'ThingPark Autofill · Test on Linux',
    fillTab: async () => true,
    loadQrReader: async () => undefined,
    readQr: fakeReadQr,
    platforms: new FakePlatforms(),
  });
  const send = <K extends MessageType>(type: K, payload: Protocol[K]['req'], caller: Caller = EXT) =>
    svc.handle({ type, ...payload } as unknown as Message<K>, caller);
  return { local, session, svc, send };
}

function expectOk<T>(reply: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}

function expectErr(reply: unknown, code: AppErrorCode): void {
  expect(reply).toMatchObject({ ok: false, error: { code } });
}

const stateOf = async (env: Env): Promise<VaultStatus> => expectOk(await env.send('vault.status', {}));
const reset = (env: Env) => env.send('vault.reset', { confirm: RESET_CONFIRM });

/** A good envelope (its vault created, then the stores thrown away). */
async function goodEnvelope(): Promise<VaultEnvelopeV1> {
  const env = boot();
  expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
  return env.local.map.get(KEYS.vault) as VaultEnvelopeV1;
}

function flipCiphertextByte(envelope: VaultEnvelopeV1): VaultEnvelopeV1 {
  const bytes = fromBase64(envelope.ciphertext)!;
  bytes[0] = bytes[0]! ^ 0x01;
  return { ...envelope, ciphertext: toBase64(bytes) };
}

/** A service whose storage.local holds `stored` under the vault key (and settings, platforms). */
function holding(stored: unknown): Env {
  const env = boot();
  env.local.map.set(KEYS.vault, structuredClone(stored));
  env.local.map.set(KEYS.settings, { autoLockMinutes: 10, autoSubmit: true, deviceName: 'Laptop' });
  env.local.map.set(KEYS.platforms, [{ origin: 'https://iot.example.net', addedAt: 1 }]);
  return env;
}

/** The exact text of what is stored, key by key, to compare before and after. */
const bytesOf = (area: MemoryArea) => JSON.stringify([...area.map.entries()]);

/** Stored vaults that cannot be read, each with the damage the status must report. */
async function damagedCases(): Promise<{ name: string; stored: unknown; damage: string }[]> {
  const good = await goodEnvelope();
  const { check: _dropped, ...withoutCheck } = good;
  return [
    { name: 'text that is not JSON', stored: 'garbage {', damage: 'not-a-vault' },
    { name: 'JSON text of something else', stored: '{"hello":"world"}', damage: 'not-a-vault' },
    { name: 'a vault of a newer version', stored: { ...good, version: 3, kdf: { name: 'Argon2id', m: 65536 } }, damage: 'unsupported-version' },
    { name: 'an envelope without its key check', stored: withoutCheck, damage: 'corrupt' },
    { name: 'an envelope with a truncated IV', stored: { ...good, cipher: { name: 'AES-GCM', iv: 'AAAA' } }, damage: 'corrupt' },
    { name: 'an array', stored: [1, 2, 3], damage: 'not-a-vault' },
  ];
}

// ---------------------------------------------------------------------------------------------

describe('a damaged vault: status and the raw export', () => {
  it('each kind of damage is reported as such, and exported exactly as stored', async () => {
    for (const c of await damagedCases()) {
      const env = holding(c.stored);
      const status = await stateOf(env);
      expect(status.state, c.name).toBe('damaged');
      expect(status.damage, c.name).toBe(c.damage);

      const before = bytesOf(env.local);
      const raw = expectOk(await env.send('vault.exportRaw', {}));
      expect(raw.damage, c.name).toBe(c.damage);
      // The file is what storage.local.get('vault') returns, as JSON, not our reading of it.
      expect(raw.text, c.name).toBe(JSON.stringify({ vault: c.stored }));
      expect(JSON.parse(raw.text), c.name).toEqual({ vault: env.local.map.get(KEYS.vault) });
      expect(bytesOf(env.local), c.name).toBe(before);
    }
  });

  it('a string is exported as that very string (not parsed and re-spelt)', async () => {
    // Spacing and key order that a parse and re-serialisation would change.
    const stored = '{ "format" : "thingpark-autofill-vault",  "version": 7 }';
    const env = holding(stored);
    const raw = expectOk(await env.send('vault.exportRaw', {}));
    expect((JSON.parse(raw.text) as { vault: string }).vault).toBe(stored);
    expect(raw.damage).toBe('unsupported-version');
  });

  it("a readable vault is not exported raw ('not-damaged'): unlocked, locked, or locked after a wrong passphrase", async () => {
    const env = boot();
    expectErr(await env.send('vault.exportRaw', {}), 'no-vault');
    expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    expectErr(await env.send('vault.exportRaw', {}), 'not-damaged');
    expectOk(await env.send('vault.lock', {}));
    expectErr(await env.send('vault.exportRaw', {}), 'not-damaged');
    expectErr(await env.send('vault.unlock', { passphrase: WRONG }), 'wrong-passphrase');
    expectErr(await env.send('vault.exportRaw', {}), 'not-damaged');
    expect((await stateOf(env)).state).toBe('locked');
  });

  it('content scripts may not ask for either, and reset needs its literal', async () => {
    const env = holding('garbage');
    expectErr(await env.send('vault.exportRaw', {}, TAB), 'forbidden');
    expectErr(await env.send('vault.reset', { confirm: RESET_CONFIRM }, TAB), 'forbidden');
    expect(allowedFor(TAB, 'vault.exportRaw')).toBe(false);
    expect(allowedFor(TAB, 'vault.reset')).toBe(false);
    expect(allowedFor(EXT, 'vault.reset')).toBe(true);
    expect(parseMessage({ type: 'vault.reset', confirm: RESET_CONFIRM })).not.toBeNull();
    for (const bad of [{}, { confirm: true }, { confirm: 'yes' }, { confirm: `${RESET_CONFIRM} ` }, { confirm: RESET_CONFIRM.toUpperCase() }]) {
      expect(parseMessage({ type: 'vault.reset', ...bad })).toBeNull();
    }
    expect(env.local.map.get(KEYS.vault)).toBe('garbage');
  });
});

describe('vault.reset', () => {
  it('deletes a damaged vault and nothing else; a new vault can then be created', async () => {
    for (const c of await damagedCases()) {
      const env = holding(c.stored);
      const settings = env.local.map.get(KEYS.settings);
      const platforms = env.local.map.get(KEYS.platforms);
      const status = expectOk(await reset(env));
      expect(status.state, c.name).toBe('none');
      expect(env.local.map.has(KEYS.vault), c.name).toBe(false);
      expect(env.local.map.get(KEYS.settings), c.name).toEqual(settings);
      expect(env.local.map.get(KEYS.platforms), c.name).toEqual(platforms);
      expectErr(await reset(env), 'no-vault');
      expect(expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS })).state, c.name).toBe('unlocked');
    }
  });

  it("without its literal the service itself refuses ('bad-request'), whatever the validator let through", async () => {
    for (const confirm of ['', 'yes', 'delete', `${RESET_CONFIRM}!`]) {
      const env = holding('garbage');
      expectErr(await env.send('vault.reset', { confirm } as unknown as Protocol['vault.reset']['req']), 'bad-request');
      expect(env.local.map.get(KEYS.vault)).toBe('garbage');
    }
  });

  it("refuses a readable vault ('not-damaged'), unlocked or locked, and leaves it byte-identical", async () => {
    const env = boot();
    expectErr(await reset(env), 'no-vault');
    expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    const before = bytesOf(env.local);
    expectErr(await reset(env), 'not-damaged');
    expectOk(await env.send('vault.lock', {}));
    expectErr(await reset(env), 'not-damaged');
    expectErr(await env.send('vault.unlock', { passphrase: WRONG }), 'wrong-passphrase');
    expectErr(await reset(env), 'not-damaged');
    // A restarted worker (memory empty) does not change its mind either.
    const restarted = boot({ local: env.local, session: env.session });
    expectErr(await reset(restarted), 'not-damaged');
    expect(bytesOf(env.local)).toBe(before);
    expect(expectOk(await restarted.send('vault.unlock', { passphrase: PASS })).state).toBe('unlocked');
  });

  it('while a worker holds the vault open from storage.session, a reset is refused', async () => {
    const env = boot();
    expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    const restarted = boot({ local: env.local, session: env.session });
    expectErr(await reset(restarted), 'not-damaged');
    expect((await stateOf(restarted)).state).toBe('unlocked');
  });
});

describe('damaged data behind a valid envelope', () => {
  it("locked until the right passphrase proves it unreadable; then 'damaged', exportable, resettable", async () => {
    const bad = flipCiphertextByte(await goodEnvelope());
    const env = holding(bad);
    // Without the key a changed ciphertext looks like any locked vault: nothing to offer yet.
    expect((await stateOf(env)).state).toBe('locked');
    expectErr(await env.send('vault.exportRaw', {}), 'not-damaged');
    expectErr(await reset(env), 'not-damaged');
    // A wrong passphrase proves nothing.
    expectErr(await env.send('vault.unlock', { passphrase: WRONG }), 'wrong-passphrase');
    expect((await stateOf(env)).state).toBe('locked');
    expectErr(await reset(env), 'not-damaged');

    // The right one gets past the key check and fails on the data.
    expectErr(await env.send('vault.unlock', { passphrase: PASS }), 'corrupt');
    const status = await stateOf(env);
    expect(status.state).toBe('damaged');
    expect(status.damage).toBe('corrupt');
    expect(expectOk(await env.send('vault.exportRaw', {})).text).toBe(JSON.stringify({ vault: bad }));
    expect(env.local.map.get(KEYS.vault)).toEqual(bad);
    expect(expectOk(await reset(env)).state).toBe('none');
  });

  it('the proof holds for that blob only: another stored vault is judged afresh', async () => {
    const good = await goodEnvelope();
    const env = holding(flipCiphertextByte(good));
    expectErr(await env.send('vault.unlock', { passphrase: PASS }), 'corrupt');
    expect((await stateOf(env)).state).toBe('damaged');
    // Something else (a restored profile, another version of the extension) wrote a good vault.
    env.local.map.set(KEYS.vault, structuredClone(good));
    expect((await stateOf(env)).state).toBe('locked');
    expectErr(await reset(env), 'not-damaged');
    expect(env.local.map.get(KEYS.vault)).toEqual(good);
    expect(expectOk(await env.send('vault.unlock', { passphrase: PASS })).state).toBe('unlocked');
  });

  it('a passphrase change with the right old passphrase proves it too', async () => {
    const env = holding(flipCiphertextByte(await goodEnvelope()));
    expectErr(
      await env.send('vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: 'new passphrase 2025', confirm: 'new passphrase 2025' }),
      'corrupt',
    );
    expect((await stateOf(env)).state).toBe('damaged');
  });
});

describe('nothing overwrites a damaged vault by itself', () => {
  /** Everything that writes in normal use, aimed at a damaged vault. */
  async function everything(env: Env): Promise<void> {
    await env.send('vault.unlock', { passphrase: PASS });
    await env.send('vault.unlock', { passphrase: WRONG });
    await env.send('vault.create', { passphrase: PASS, confirm: PASS });
    await env.send('vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: 'new passphrase 2025', confirm: 'new passphrase 2025' });
    await env.send('accounts.add', { accounts: [{ uri: URI, origin: ORIGIN, realm: REALM, deviceName: 'Laptop' }], dryRun: false });
    await env.send('backup.import', { file: '{"format":"thingpark-autofill-backup"}', passphrase: PASS });
    await env.send('page.enroll', { evidence: { qrImage: fakeQrImage(URI), hiddenSecret: RAW, manual: null, keycloakError: null } }, TAB);
    await env.send('page.submitted', {}, TAB);
    await env.send('page.seen', { kind: 'none', setupError: null }, { ...TAB, url: `${ORIGIN}/tpe/` } as Caller);
    await env.send('vault.reset', { confirm: 'yes' } as unknown as Protocol['vault.reset']['req']);
    await env.svc.update((d) => d);
    await env.svc.onAlarm(AUTO_LOCK_ALARM);
    await env.svc.onBrowserStartup();
    await env.svc.onTabLoaded(7, Date.now() + 60_000);
    await env.send('vault.exportRaw', {});
    await env.send('vault.status', {});
  }

  it('unlock, create, add, import, enrollment, events: the vault key stays byte-identical', async () => {
    const cases = [...(await damagedCases()), { name: 'changed ciphertext', stored: flipCiphertextByte(await goodEnvelope()), damage: 'corrupt' }];
    for (const c of cases) {
      const env = holding(c.stored);
      const before = JSON.stringify(env.local.map.get(KEYS.vault));
      await everything(env);
      // And once more in a restarted worker, which has forgotten everything but storage.
      await everything(boot({ local: env.local, session: env.session }));
      expect(JSON.stringify(env.local.map.get(KEYS.vault)), c.name).toBe(before);
      expect(env.local.map.get(KEYS.vault), c.name).toEqual(c.stored);
      expect(env.session.map.has(KEYS.sessionKey), c.name).toBe(false);
    }
  });
});

describe('every unlock attempt costs the full key derivation', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Counts PBKDF2 runs in Web Crypto and the iteration count of each. */
  function countPbkdf2(): number[] {
    const runs: number[] = [];
    const subtle = globalThis.crypto.subtle;
    const original = subtle.deriveBits.bind(subtle);
    vi.spyOn(subtle, 'deriveBits').mockImplementation((algorithm, key, length) => {
      const a = algorithm as { name?: string; iterations?: number };
      if (a.name === 'PBKDF2') runs.push(a.iterations ?? -1);
      return original(algorithm as Parameters<SubtleCrypto['deriveBits']>[0], key, length);
    });
    return runs;
  }

  it('20 wrong attempts, alike or not, in a row or at once: 20 derivations at the stored count', async () => {
    const env = boot();
    expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    expectOk(await env.send('vault.lock', {}));
    const stored = (env.local.map.get(KEYS.vault) as VaultEnvelopeV1).kdf.iterations;
    expect(stored).toBe(KDF.iterations);
    const runs = countPbkdf2();

    // The same wrong passphrase ten times in a row: nothing remembered from one to the next.
    for (let i = 0; i < 10; i++) expectErr(await env.send('vault.unlock', { passphrase: WRONG }), 'wrong-passphrase');
    expect(runs).toEqual(Array(10).fill(stored));
    // Ten at once (as from several open pages): each one derived, none skipped.
    const at = await Promise.all(Array.from({ length: 10 }, (_, i) => env.send('vault.unlock', { passphrase: i % 2 ? WRONG : `${WRONG} ${i}` })));
    for (const r of at) expectErr(r, 'wrong-passphrase');
    expect(runs).toEqual(Array(20).fill(stored));
    // And the right one still opens it, at the same cost.
    expect(expectOk(await env.send('vault.unlock', { passphrase: PASS })).state).toBe('unlocked');
    expect(runs).toEqual(Array(21).fill(stored));
  });

  it("production's count: each attempt runs PBKDF2 with 600,000 iterations", async () => {
    const env = boot({ kdf: null });
    expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    expectOk(await env.send('vault.lock', {}));
    const runs = countPbkdf2();
    for (let i = 0; i < 2; i++) expectErr(await env.send('vault.unlock', { passphrase: WRONG }), 'wrong-passphrase');
    expect(runs).toEqual([DEFAULT_ITERATIONS, DEFAULT_ITERATIONS]);
    expect(DEFAULT_ITERATIONS).toBe(600_000);
  }, 30_000);

  it('a passphrase asked again while unlocked (reveal, exports) costs the same', async () => {
    const env = boot();
    expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    const runs = countPbkdf2();
    expectErr(await env.send('backup.exportPlain', { vaultPassphrase: WRONG }), 'wrong-passphrase');
    expectErr(await env.send('backup.exportPlain', { vaultPassphrase: WRONG }), 'wrong-passphrase');
    expectErr(await env.send('accounts.reveal', { id: 'none', passphrase: WRONG }), 'not-found');
    expect(runs).toEqual([KDF.iterations, KDF.iterations]);
  });
});

describe('replies cross as one JSON string', () => {
  it("the client reads the background's string as the reply; a broken string is an error value", async () => {
    const reply = { ok: true, value: [{ id: 'a', label: null, digits: 6 }] };
    expect(await createClient(vi.fn().mockResolvedValue(encodeReply(reply as never)), [])('accounts.list', {})).toEqual(reply);
    expect(await createClient(vi.fn().mockResolvedValue('{"ok":tr'), [])('vault.status', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
    // An object still works (any transport that does not encode).
    expect(await createClient(vi.fn().mockResolvedValue(reply), [])('accounts.list', {})).toEqual(reply);
  });
});

describe('the client sends a message again only when the browser did not deliver it', () => {
  const NOT_DELIVERED = new Error('Could not establish connection. Receiving end does not exist.');
  const STATUS = { ok: true, value: { state: 'locked' } };

  it('"Receiving end does not exist" (Firefox suspending its event page): sent again, answered', async () => {
    const send = vi.fn().mockRejectedValueOnce(NOT_DELIVERED).mockRejectedValueOnce(NOT_DELIVERED).mockResolvedValue(STATUS);
    const request = createClient(send, [0, 0, 0]);
    expect(await request('vault.status', {})).toEqual(STATUS);
    expect(send).toHaveBeenCalledTimes(3);
    expect(send).toHaveBeenLastCalledWith({ type: 'vault.status' });
  });

  it('never delivered: an error value after the last retry, not a throw and not forever', async () => {
    const send = vi.fn().mockRejectedValue(NOT_DELIVERED);
    const request = createClient(send, [0, 0]);
    expect(await request('vault.unlock', { passphrase: PASS })).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('a reply that was lost after delivery is not sent again (the background may have acted on it)', async () => {
    for (const lost of [new Error('The message port closed before a response was received.'), new Error('Extension context invalidated.')]) {
      const send = vi.fn().mockRejectedValue(lost);
      const request = createClient(send, [0, 0, 0]);
      const reply = await request('vault.reset', { confirm: RESET_CONFIRM });
      expect(reply).toMatchObject({ ok: false, error: { code: 'internal' } });
      expect(send).toHaveBeenCalledTimes(1);
    }
    const silent = vi.fn().mockResolvedValue(undefined);
    expect(await createClient(silent, [0])('vault.status', {})).toMatchObject({ ok: false, error: { code: 'internal', detail: 'no reply from the background' } });
    expect(silent).toHaveBeenCalledTimes(1);
  });
});
