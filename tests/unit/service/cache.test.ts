/**
 * What the background keeps in memory so that page messages are answered without a storage round
 * trip: the settings and the policy (dropped when storage.onChanged says they changed, and after
 * our own settings.update), the tab state (memory first, written through to storage.session, one
 * write at a time, so that a worker restart still finds a pending enrollment) and the generated
 * device name (asked once per start). Driven with in-memory stores that count their reads.
 */
import { FakePlatforms } from './memory-platforms';
import { describe, expect, it } from 'vitest';
import { createVaultService, type VaultService } from '../../../lib/service/service';
import { KEYS, type StorageArea } from '../../../lib/service/ports';
import type { Caller } from '../../../lib/protocol/access';
import type { FillRequest, PageEvidence } from '../../../lib/protocol/page';
import type { Message, MessageType, Protocol, Reply } from '../../../lib/protocol/messages';
import * as kc from '../../simulator/keycloak.mjs';
import { FakeAlarms } from './memory-ports';
import { fakeQrImage, fakeReadQr } from './text-qr';

// ---------------------------------------------------------------------------------------------
// Fakes

/** A storage area that counts reads and writes; `delayMs` makes each write take that long. */
class CountingArea implements StorageArea {
  readonly map = new Map<string, unknown>();
  gets = 0;
  sets = 0;
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;

  async get(key: string): Promise<unknown> {
    this.gets++;
    const v = this.map.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }

  async set(key: string, value: unknown): Promise<void> {
    this.sets++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const copy = structuredClone(value);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    this.map.set(key, copy);
    this.inFlight--;
  }

  async remove(key: string): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    this.map.delete(key);
    this.inFlight--;
  }
}

// ---------------------------------------------------------------------------------------------
// Data

const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const GENERATED_NAME = 'ThingPark Autofill · Test on Linux';
const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';
const SETUP_URL = `${ORIGIN}/auth/realms/${REALM}/login-actions/required-action?execution=CONFIGURE_TOTP`;
const OTP_URL = `${ORIGIN}/auth/realms/${REALM}/login-actions/authenticate?execution=otp&client_id=tpe&tab_id=x`;
const SAM = 'sam@example.com';
const SAM_RAW = 'Aq3kP9vLm2Rt7Wc1Bn5d';

const evidence = (): PageEvidence => ({
  qrImage: fakeQrImage(kc.buildKeyUri({ policy: kc.DEFAULT_POLICY, issuer: 'ThingPark Enterprise', account: SAM, rawSecret: SAM_RAW })),
  hiddenSecret: SAM_RAW,
  manual: null,
  keycloakError: null,
});

const EXT: Caller = { kind: 'extension-page' };
const tab = (tabId: number, url: string): Caller => ({ kind: 'content-script', tabId, frameId: 0, url });
const fillRequest: FillRequest = { attemptedUsername: SAM, devices: [], chosenAccountId: null, clockOffsetMs: null, pageError: null };

/** 10 s into a 30 s step. */
const START = 1_700_000_020_000;

// ---------------------------------------------------------------------------------------------
// Helpers

interface Stores {
  local: CountingArea;
  session: CountingArea;
  admin: { data: unknown; reads: number };
  names: { asked: number };
  clock: { now: number };
}

interface Env extends Stores {
  svc: VaultService;
  send<K extends MessageType>(type: K, payload: Protocol[K]['req'], caller?: Caller): Promise<Reply<K>>;
}

let ids = 0;

function stores(): Stores {
  return { local: new CountingArea(), session: new CountingArea(), admin: { data: {}, reads: 0 }, names: { asked: 0 }, clock: { now: START } };
}

/** A service ("worker start") over the given stores. */
function boot(s: Stores = stores()): Env {
  const svc = createVaultService({
    local: s.local,
    session: s.session,
    alarms: new FakeAlarms(),
    bootId: 'boot',
    kdf: KDF,
    defaultDeviceName: async () => {
      s.names.asked++;
      return GENERATED_NAME;
    },
    managed: async () => {
      s.admin.reads++;
      return structuredClone(s.admin.data);
    },
    fillTab: async () => true,
    platforms: new FakePlatforms(),
    loadQrReader: async () => undefined,
    readQr: fakeReadQr,
    now: () => s.clock.now,
    newId: () => `id-${++ids}`,
  });
  const send = <K extends MessageType>(type: K, payload: Protocol[K]['req'], caller: Caller = EXT) =>
    svc.handle({ type, ...payload } as unknown as Message<K>, caller);
  return { ...s, svc, send };
}

function expectOk<T>(reply: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}

/** An unlocked vault with sam enrolled on ORIGIN (tab 7), the clock one step later. */
async function withSam(s: Stores = stores()): Promise<Env> {
  const env = boot(s);
  expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
  expectOk(await env.send('page.enroll', { evidence: evidence() }, tab(7, SETUP_URL)));
  expectOk(await env.send('page.submitted', {}, tab(7, SETUP_URL)));
  expect(expectOk(await env.send('page.seen', { kind: 'none', setupError: null }, tab(7, `${ORIGIN}/tpe/`))).saved).not.toBeNull();
  env.clock.now += 30_000;
  return env;
}

async function autoSubmitOfFill(env: Env, tabId = 20): Promise<boolean> {
  const r = expectOk(await env.send('page.fill', fillRequest, tab(tabId, OTP_URL)));
  if (r.kind !== 'fill') throw new Error(`expected a fill, got ${r.kind}`);
  return r.autoSubmit;
}

const reads = (env: Env) => env.local.gets + env.session.gets + env.admin.reads;

// ---------------------------------------------------------------------------------------------

describe('page messages are answered from memory', () => {
  it('page.fill, page.seen, page.username, page.otpSubmitted and vault.status read no storage once warm', async () => {
    const env = await withSam();
    await autoSubmitOfFill(env);
    const before = reads(env);
    expectOk(await env.send('page.seen', { kind: 'otp', setupError: null }, tab(20, OTP_URL)));
    expectOk(await env.send('page.username', { username: SAM }, tab(21, OTP_URL)));
    expect(await autoSubmitOfFill(env, 21)).toBe(false);
    expectOk(await env.send('page.otpSubmitted', {}, tab(21, OTP_URL)));
    expectOk(await env.send('page.submitted', {}, tab(21, OTP_URL)));
    expect(expectOk(await env.send('vault.status', {})).state).toBe('unlocked');
    expect(reads(env)).toBe(before);
  });

  it('the generated device name is asked once per start', async () => {
    const env = await withSam();
    expectOk(await env.send('vault.status', {}));
    expectOk(await env.send('page.enroll', { evidence: evidence() }, tab(8, SETUP_URL)));
    expect(env.names.asked).toBe(1);
    // A new start asks again.
    const restarted = boot(env);
    expectOk(await restarted.send('vault.status', {}));
    expect(env.names.asked).toBe(2);
  });
});

describe('the settings and the policy follow their changes', () => {
  it('a settings change written by another context is seen by the next page.fill once storage.onChanged says so', async () => {
    const env = await withSam();
    expect(await autoSubmitOfFill(env)).toBe(false);
    await env.local.set(KEYS.settings, { autoLockMinutes: 30, autoSubmit: true, deviceName: '' });
    await env.svc.onStorageChanged('local', [KEYS.settings]);
    expect(await autoSubmitOfFill(env)).toBe(true);
    // Other keys and areas leave the settings kept.
    const before = reads(env);
    await env.svc.onStorageChanged('local', [KEYS.vault]);
    await env.svc.onStorageChanged('session', [KEYS.tabs]);
    expect(await autoSubmitOfFill(env)).toBe(true);
    expect(reads(env)).toBe(before);
  });

  it('our own settings.update is seen by the next page.fill at once (before the browser’s event)', async () => {
    const env = await withSam();
    expect(await autoSubmitOfFill(env)).toBe(false);
    expectOk(await env.send('settings.update', { settings: { autoSubmit: true } }));
    expect(await autoSubmitOfFill(env)).toBe(true);
  });

  it('a change of the managed policy is seen by the next page.fill', async () => {
    const env = await withSam();
    expect(await autoSubmitOfFill(env)).toBe(false);
    env.admin.data = { autoSubmit: true };
    await env.svc.onStorageChanged('managed', ['autoSubmit']);
    expect(await autoSubmitOfFill(env)).toBe(true);
    expect(expectOk(await env.send('vault.status', {})).policy.autoSubmit).toBe(true);
    env.admin.data = {};
    await env.svc.onStorageChanged('managed', ['autoSubmit']);
    expect(await autoSubmitOfFill(env)).toBe(false);
  });

  it('a read that was under way when the settings changed is not kept', async () => {
    const env = await withSam();
    // Nothing kept yet for this start: the next fill reads the settings, slowly.
    const restarted = boot(env);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const get = env.local.get.bind(env.local);
    env.local.get = async (key) => {
      const value = await get(key);
      if (key === KEYS.settings) await gate;
      return value;
    };
    const first = autoSubmitOfFill(restarted);
    await new Promise((r) => setTimeout(r, 20));
    await env.local.set(KEYS.settings, { autoLockMinutes: 30, autoSubmit: true, deviceName: '' });
    await restarted.svc.onStorageChanged('local', [KEYS.settings]);
    release();
    expect(await first).toBe(false); // what was stored when it asked
    expect(await autoSubmitOfFill(restarted)).toBe(true);
  });
});

describe('the tab state survives a worker restart', () => {
  it('a new service over the same stores finds a pending enrollment and saves it at the next page', async () => {
    const s = stores();
    // Writes take time: a reply that did not wait for its write would leave nothing to find.
    s.session.delayMs = 5;
    const first = boot(s);
    expectOk(await first.send('vault.create', { passphrase: PASS, confirm: PASS }));
    expectOk(await first.send('page.enroll', { evidence: evidence() }, tab(7, SETUP_URL)));
    expectOk(await first.send('page.submitted', {}, tab(7, SETUP_URL)));

    // The worker stops right after that reply; a new one starts over the same stores.
    const restarted = boot(s);
    const seen = expectOk(await restarted.send('page.seen', { kind: 'none', setupError: null }, tab(7, `${ORIGIN}/tpe/`)));
    expect(seen.saved).toMatchObject({ accountName: SAM, deviceName: GENERATED_NAME });
    expect(expectOk(await restarted.send('accounts.list', {}))).toMatchObject([{ accountName: SAM }]);
    // Saved once: the cleared pending enrollment is what storage.session holds now.
    const again = boot(s);
    expect(expectOk(await again.send('page.seen', { kind: 'none', setupError: null }, tab(7, `${ORIGIN}/tpe/`))).saved).toBeNull();
    expect(expectOk(await again.send('accounts.list', {}))).toHaveLength(1);
  });

  it('a pending enrollment filled but not yet submitted is found by the restarted worker', async () => {
    const s = stores();
    // Writes take time: a reply that did not wait for its write would leave nothing to find.
    s.session.delayMs = 5;
    const first = boot(s);
    expectOk(await first.send('vault.create', { passphrase: PASS, confirm: PASS }));
    expectOk(await first.send('page.enroll', { evidence: evidence() }, tab(7, SETUP_URL)));
    const restarted = boot(s);
    expect(expectOk(await restarted.send('page.submitted', {}, tab(7, SETUP_URL)))).toEqual({ pending: true });
  });

  it('storage.session is read once per start, and written one write at a time in order', async () => {
    const env = await withSam();
    env.session.delayMs = 5;
    const restarted = boot(env);
    const sessionReads = env.session.gets;
    expectOk(await restarted.send('page.username', { username: SAM }, tab(30, OTP_URL)));
    // Fire-and-forget writes queue up behind each other, never side by side.
    for (let i = 0; i < 5; i++) await autoSubmitOfFill(restarted, 30);
    expectOk(await restarted.send('page.enroll', { evidence: evidence() }, tab(31, SETUP_URL)));
    // restore() reads the session key once (the vault opens from it), the tab state once, and
    // what enrollments left for the next open once each (events kept while locked, copies).
    expect(env.session.gets - sessionReads).toBe(4);
    expect(env.session.maxInFlight).toBe(1);
    // The last write holds everything: the name, the last fill and the pending enrollment.
    await restarted.svc.onTabRemoved(999); // runs after the queued writes
    await new Promise((r) => setTimeout(r, 50));
    const stored = env.session.map.get(KEYS.tabs) as Record<string, { username: string | null; lastFill?: unknown; enrollment: unknown }>;
    expect(stored['30']).toMatchObject({ username: SAM, lastFill: { accountId: expect.any(String) } });
    expect(stored['31']?.enrollment).toMatchObject({ accountId: expect.any(String), submittedAt: null });
  });

  it('a lock keeps the tab state (a sealed copy, no plaintext) after any write still on its way; the enrollment stays followed', async () => {
    const env = await withSam();
    env.session.delayMs = 5;
    await autoSubmitOfFill(env, 40);
    expectOk(await env.send('page.enroll', { evidence: evidence() }, tab(41, SETUP_URL)));
    expectOk(await env.send('vault.lock', {}));
    await new Promise((r) => setTimeout(r, 50));
    const stored = env.session.map.get(KEYS.tabs) as Record<string, { enrollment: { copy: { format: string } | null; submittedAt: unknown } | null }>;
    expect(stored['41']?.enrollment).toMatchObject({ submittedAt: null, copy: { format: 'thingpark-autofill-vault' } });
    expect(JSON.stringify(stored)).not.toContain('"secret"');
    expect(env.session.maxInFlight).toBe(1);
    // Still followed after unlocking again: the submit is recorded, the account on disk.
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect(expectOk(await env.send('page.submitted', {}, tab(41, SETUP_URL)))).toEqual({ pending: true });
    expectOk(await env.send('vault.lock', {}));
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    const listed = expectOk(await env.send('accounts.list', {}));
    expect(listed.filter((a) => a.unconfirmed?.submittedAt != null)).toHaveLength(1);
  });

  it('a failed durable write fails the request and changes nothing', async () => {
    const env = await withSam();
    const set = env.session.set.bind(env.session);
    env.session.set = async () => {
      throw new Error('QUOTA_BYTES quota exceeded');
    };
    expect(await env.send('page.enroll', { evidence: evidence() }, tab(50, SETUP_URL))).toMatchObject({ ok: false, error: { code: 'internal' } });
    env.session.set = set;
    expect(expectOk(await env.send('page.submitted', {}, tab(50, SETUP_URL)))).toEqual({ pending: false });
  });
});
