/**
 * Never lose an authenticator that ThingPark has: the background keeps an enrolled account from
 * the moment it fills the setup form (write-ahead), confirms it on ThingPark's evidence, and
 * removes it only on proof that ThingPark does not have it. Driven with in-memory fakes, then a
 * property test over random orders of fill, submit, answer, close, lock, unlock, restart and
 * refusal against a model of Keycloak: a secret Keycloak registered is never absent from the
 * stored vault afterwards. The pure transitions are in tests/unit/keycloak/enrollment-state.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FakePlatforms } from './memory-platforms';
import { createVaultService, type VaultService } from '../../../lib/service/service';
import { AUTO_LOCK_ALARM, KEYS } from '../../../lib/service/ports';
import type { Caller } from '../../../lib/protocol/access';
import type { Message, MessageType, Protocol, Reply } from '../../../lib/protocol/messages';
import type { PageEvidence } from '../../../lib/protocol/page';
import { unlockVault } from '../../../lib/vault/envelope';
import { parseVaultData, type StoredAccount, type VaultData } from '../../../lib/vault/accounts';
import * as kc from '../../simulator/keycloak.mjs';
import { MemoryArea, FakeAlarms } from './memory-ports';
import { fakeQrImage, fakeReadQr } from './text-qr';
import { runs } from '../property-helpers';

const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const NAME = 'ThingPark Autofill · Test on Linux';
const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';
const SETUP_URL = `${ORIGIN}/auth/realms/${REALM}/login-actions/required-action?execution=CONFIGURE_TOTP`;
const OTP_URL = `${ORIGIN}/auth/realms/${REALM}/login-actions/authenticate`;
const APP_URL = `${ORIGIN}/tpe/`;
const EXT: Caller = { kind: 'extension-page' };
const tab = (tabId: number, url = SETUP_URL): Caller => ({ kind: 'content-script', tabId, frameId: 0, url });

/** A setup page's evidence for `user` with the raw (20 ASCII characters) secret Keycloak issued. */
function page(user: string, raw: string, keycloakError: PageEvidence['keycloakError'] = null): PageEvidence {
  const uri = kc.buildKeyUri({ policy: kc.DEFAULT_POLICY, issuer: 'ThingPark Enterprise', account: user, rawSecret: raw });
  return { qrImage: fakeQrImage(uri), hiddenSecret: raw, manual: null, keycloakError };
}
const RAW_A = 'Aq3kP9vLm2Rt7Wc1Bn5d';
const RAW_B = 'Zr8TqW2mXn4Lp6Ks1Vb9';
const b32 = (raw: string): string => kc.base32Encode(new TextEncoder().encode(raw));

interface World {
  local: MemoryArea;
  session: MemoryArea;
  clock: { now: number };
  ids: { n: number };
}

function boot(w: World): VaultService {
  return createVaultService({
    local: w.local,
    session: w.session,
    alarms: new FakeAlarms(),
    bootId: 'boot',
    kdf: KDF,
    platforms: new FakePlatforms(),
    defaultDeviceName: async () => NAME,
    loadQrReader: async () => undefined,
    readQr: fakeReadQr,
    fillTab: async () => true,
    now: () => w.clock.now,
    newId: () => `id-${++w.ids.n}`,
  });
}

function send<K extends MessageType>(svc: VaultService, type: K, payload: Protocol[K]['req'], caller: Caller = EXT): Promise<Reply<K>> {
  return svc.handle({ type, ...payload } as unknown as Message<K>, caller);
}

function ok<T>(reply: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}

async function fresh(): Promise<{ w: World; svc: VaultService }> {
  const w: World = { local: new MemoryArea(), session: new MemoryArea(), clock: { now: 1_700_000_020_000 }, ids: { n: 0 } };
  const svc = boot(w);
  ok(await send(svc, 'vault.create', { passphrase: PASS, confirm: PASS }));
  return { w, svc };
}

/** The vault as stored on disk, decrypted with the passphrase (what survives any crash). */
async function onDisk(w: World): Promise<StoredAccount[]> {
  const opened = await unlockVault<unknown>(w.local.map.get(KEYS.vault), PASS);
  if (!opened.ok) throw new Error(opened.error.code);
  const data = parseVaultData(opened.value.data);
  if (!data.ok) throw new Error(data.error);
  return data.value.accounts;
}

const list = async (svc: VaultService) => ok(await send(svc, 'accounts.list', {}));
const enroll = (svc: VaultService, tabId: number, ev: PageEvidence, sentAt?: number) =>
  send(svc, 'page.enroll', { evidence: ev, ...(sentAt === undefined ? {} : { sentAt }) }, tab(tabId));

describe('write-ahead', () => {
  it('the account is in the vault, sealed, from the fill on; the page is answered before the write lands; Submit is answered once it is on disk', async () => {
    const { w, svc } = await fresh();
    // A slow disk: the fill must not wait for it, the submit must.
    const set = w.local.set.bind(w.local);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    w.local.set = async (k, v) => {
      if (k === KEYS.vault) await gate;
      return set(k, v);
    };
    const offer = ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    expect(offer.deviceName).toBe(NAME);
    expect((await onDisk(w)).length).toBe(0); // not yet written: the page did not wait
    // ... but a sealed copy is in storage.session, for a background that stops meanwhile:
    // ciphertext only, the secret in no spelling.
    const tabs = JSON.stringify(w.session.map.get(KEYS.tabs));
    expect(tabs).toContain('"copy":{"format":"thingpark-autofill-vault"');
    for (const spelling of [RAW_A, b32(RAW_A)]) expect(JSON.stringify(w.session.snapshot())).not.toContain(spelling);
    let answered = false;
    const submitted = send(svc, 'page.submitted', {}, tab(7)).then((r) => ((answered = true), r));
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    release();
    expect(ok(await submitted)).toEqual({ pending: true });
    const [stored] = await onDisk(w);
    expect(stored).toMatchObject({ secret: b32(RAW_A), accountName: 'jane@example.com', deviceName: NAME, enrollment: { filledAt: w.clock.now, submittedAt: w.clock.now, confirmed: null } });
    // On disk: the copy left storage.session.
    expect(JSON.stringify(w.session.map.get(KEYS.tabs))).not.toContain('thingpark-autofill-vault');
  });

  it('a background stopped before the write landed writes it from its copy at its next start', async () => {
    const { w, svc } = await fresh();
    w.local.failNextSet(new Error('the worker stopped'));
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    await svc.settled();
    expect(await onDisk(w)).toEqual([]);
    const restarted = boot(w); // memory gone, storage.session kept (the key too)
    expect((await list(restarted)).map((a) => a.accountName)).toEqual(['jane@example.com']);
    expect((await onDisk(w)).map((a) => a.secret)).toEqual([b32(RAW_A)]);
    expect(ok(await send(restarted, 'page.submitted', {}, tab(7)))).toEqual({ pending: true });
  });

  it('a write-ahead that failed is written again at the submit', async () => {
    const { w, svc } = await fresh();
    w.local.failNextSet();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    await svc.settled();
    expect(await onDisk(w)).toEqual([]);
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    expect((await onDisk(w)).map((a) => a.enrollment?.submittedAt)).toEqual([w.clock.now]);
  });

  it('refills of one page keep one entry (its id and fill time); a new secret replaces it until submitted; after the submit a new one is added', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    const [first] = await list(svc);
    const filledAt = w.clock.now;
    w.clock.now += 30_000; // the next step: the page refreshes its code
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    await svc.settled();
    const stored = await onDisk(w);
    expect(stored.map((a) => [a.id, a.enrollment?.filledAt])).toEqual([[first!.id, filledAt]]);
    expect(stored[0]!.lastUsedStep).toBe(Math.floor(w.clock.now / 30_000));
    // "Unable to scan?" or a reload showed a new secret: the unsubmitted entry is replaced,
    // and its device name is not counted as taken.
    const again = ok(await enroll(svc, 7, page('jane@example.com', RAW_B)));
    expect(again.deviceName).toBe(NAME);
    await svc.settled();
    expect((await onDisk(w)).map((a) => a.secret)).toEqual([b32(RAW_B)]);
    // Submitted, then the setup page again without an error: the submitted one stays.
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    w.clock.now += 1_000;
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A), w.clock.now));
    await svc.settled();
    expect((await onDisk(w)).map((a) => a.secret).sort()).toEqual([b32(RAW_A), b32(RAW_B)].sort());
  });

  it("a refill sent before the submit and delivered after it stores nothing and settles nothing", async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A, { code: 'Invalid authenticator code.', label: null })));
    const sentAt = w.clock.now;
    w.clock.now += 500;
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    // The refill carried the page's (old) error: it is no answer to the submit.
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A, { code: 'Invalid authenticator code.', label: null }), sentAt));
    await svc.settled();
    expect((await onDisk(w)).map((a) => a.enrollment?.submittedAt)).toEqual([w.clock.now]);
  });

  it('an unconfirmed account the user removed before its form was submitted stays removed, unless that form is submitted all the same: then ThingPark has it, and it is written back', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    ok(await enroll(svc, 8, page('bob@example.com', RAW_B)));
    const listed = await list(svc);
    for (const a of listed) ok(await send(svc, 'accounts.delete', { id: a.id }));
    for (const spelling of [RAW_A, b32(RAW_A), RAW_B, b32(RAW_B)]) expect(JSON.stringify(w.session.snapshot())).not.toContain(spelling);
    // A restart does not bring them back.
    const restarted = boot(w);
    expect(await list(restarted)).toEqual([]);
    // Bob's tab closes unsubmitted: gone for good.
    await restarted.onTabRemoved(8);
    // Jane's form is submitted anyway: ThingPark gets that secret, so the vault has it again.
    expect(ok(await send(restarted, 'page.submitted', {}, tab(7)))).toEqual({ pending: true });
    expect((await onDisk(w)).map((a) => [a.secret, a.enrollment?.submittedAt])).toEqual([[b32(RAW_A), w.clock.now]]);
    const again = boot(w);
    expect((await list(again)).map((a) => a.accountName)).toEqual(['jane@example.com']);
  });

  it('a passphrase change right after a fill keeps the account written ahead', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    ok(await send(svc, 'vault.changePassphrase', { oldPassphrase: PASS, newPassphrase: 'another passphrase', confirm: 'another passphrase' }));
    const opened = await unlockVault<VaultData>(w.local.map.get(KEYS.vault), 'another passphrase');
    expect(opened.ok && opened.value.data.accounts.map((a) => a.secret)).toEqual([b32(RAW_A)]);
  });
});

describe('confirmation and removal', () => {
  it('Cancel removes the account; a Cancel from another platform in that tab does not', async () => {
    const { svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    expect(ok(await send(svc, 'page.submitted', { cancel: true }, tab(7, 'https://other.example/auth/realms/x/login-actions/required-action')))).toEqual({ pending: false });
    expect(await list(svc)).toHaveLength(1);
    expect(ok(await send(svc, 'page.submitted', { cancel: true }, tab(7)))).toEqual({ pending: false });
    expect(await list(svc)).toEqual([]);
  });

  it('a later OTP page of that user listing our device name confirms it; another user, or a device not listed, does not', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    await svc.onTabRemoved(7); // closed right after Submit: kept, unconfirmed
    const fill = (user: string, devices: { id: string; label: string }[]) =>
      send(svc, 'page.fill', { attemptedUsername: user, devices, chosenAccountId: null, clockOffsetMs: null, pageError: null }, tab(9, OTP_URL));
    ok(await fill('bob@example.com', [{ id: 'd1', label: NAME }]));
    ok(await fill('jane@example.com', [{ id: 'd1', label: 'Phone' }]));
    expect((await list(svc))[0]!.unconfirmed).not.toBeNull();
    w.clock.now += 60_000;
    const reply = ok(await fill('jane@example.com', [{ id: 'd1', label: 'Phone' }, { id: 'd2', label: NAME }]));
    expect(reply).toMatchObject({ kind: 'fill', deviceId: 'd2' });
    await svc.settled();
    expect((await onDisk(w))[0]!.enrollment?.confirmed).toEqual({ at: w.clock.now, by: 'device-listed' });
  });

  it('an unconfirmed account fills the OTP page like any other; the login accepted with its code confirms it, a refused one does not', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    await svc.onTabRemoved(7);
    const login = async (tabId: number, next: 'otp' | 'none') => {
      w.clock.now += 90_000;
      const r = ok(await send(svc, 'page.fill', { attemptedUsername: 'jane@example.com', devices: [], chosenAccountId: null, clockOffsetMs: null, pageError: null }, tab(tabId, OTP_URL)));
      expect(r.kind).toBe('fill');
      ok(await send(svc, 'page.otpSubmitted', {}, tab(tabId, OTP_URL)));
      w.clock.now += 500;
      ok(await send(svc, 'page.seen', { kind: next, setupError: null, sentAt: w.clock.now }, tab(tabId, next === 'otp' ? OTP_URL : APP_URL)));
    };
    await login(10, 'otp'); // Keycloak refused that code: the OTP page again
    expect((await list(svc))[0]!.unconfirmed).not.toBeNull();
    await login(11, 'none');
    await svc.settled();
    expect((await onDisk(w))[0]!.enrollment?.confirmed).toEqual({ at: w.clock.now, by: 'login-accepted' });
  });

  it('a confirmed and an unconfirmed account of one user: the device list decides, as for any two', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    ok(await send(svc, 'page.seen', { kind: 'none', setupError: null }, tab(7, APP_URL)));
    w.clock.now += 1_000;
    ok(await enroll(svc, 8, page('jane@example.com', RAW_B)));
    ok(await send(svc, 'page.submitted', {}, tab(8)));
    await svc.onTabRemoved(8);
    const [a, b] = [...(await list(svc))].sort((x, y) => x.addedAt - y.addedAt);
    expect([a!.unconfirmed, b!.unconfirmed?.submittedAt]).toEqual([null, w.clock.now]);
    w.clock.now += 90_000; // past the steps of the setup codes, which count as used
    const fill = (labels: string[]) =>
      send(svc, 'page.fill', { attemptedUsername: 'jane@example.com', devices: labels.map((label, i) => ({ id: `d${i}`, label })), chosenAccountId: null, clockOffsetMs: null, pageError: null }, tab(9, OTP_URL));
    expect(ok(await fill([a!.deviceName]))).toMatchObject({ kind: 'fill', accountId: a!.id });
    expect(ok(await fill([a!.deviceName, b!.deviceName]))).toMatchObject({ kind: 'fill', accountId: b!.id });
  });

  it('while locked: what happens is remembered without secrets and applied at the unlock, also after a worker restart', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    ok(await enroll(svc, 8, page('bob@example.com', RAW_B)));
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    ok(await send(svc, 'vault.lock', {}));
    await svc.onTabRemoved(8); // never submitted, never left: proof, applied at the unlock
    expect(ok(await send(svc, 'page.seen', { kind: 'none', setupError: null }, tab(7, APP_URL))).kept).toEqual({ issuer: 'ThingPark Enterprise', accountName: 'jane@example.com' });
    const journal = JSON.stringify(w.session.map.get(KEYS.settle));
    expect(journal).toContain('next-page');
    for (const s of [RAW_A, RAW_B, b32(RAW_A), b32(RAW_B)]) expect(JSON.stringify(w.session.snapshot())).not.toContain(s);
    // The stored vault still has both until the unlock.
    const restarted = boot(w);
    ok(await send(restarted, 'vault.unlock', { passphrase: PASS }));
    expect((await list(restarted)).map((a) => [a.accountName, a.unconfirmed])).toEqual([['jane@example.com', null]]);
    expect(w.session.map.has(KEYS.settle)).toBe(false);
    expect((await onDisk(w)).map((a) => a.enrollment?.confirmed?.by)).toEqual(['next-page']);
  });
});

describe('applying at the unlock', () => {
  it('a write that fails there does not fail the unlock; what it carried is applied at the next one', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    ok(await send(svc, 'vault.lock', {}));
    ok(await send(svc, 'page.seen', { kind: 'none', setupError: null }, tab(7, APP_URL)));
    w.local.failNextSet();
    expect(ok(await send(svc, 'vault.unlock', { passphrase: PASS })).state).toBe('unlocked');
    // Applied in memory; not on disk yet, and the journal kept.
    expect((await list(svc))[0]!.unconfirmed).toBeNull();
    expect((await onDisk(w))[0]!.enrollment?.confirmed).toBeNull();
    expect(w.session.map.has(KEYS.settle)).toBe(true);
    // A background stopped now applies it again at its next open; the lock writes it anyway.
    ok(await send(svc, 'vault.lock', {}));
    expect((await onDisk(w))[0]!.enrollment?.confirmed?.by).toBe('next-page');
    ok(await send(svc, 'vault.unlock', { passphrase: PASS }));
    expect((await list(svc))[0]!.unconfirmed).toBeNull();
    expect(w.session.map.has(KEYS.settle)).toBe(false);
  });
});


/** The next n vault writes fail (a full disk, a quota). */
function failVaultWrites(w: World, n: number) {
  const set = w.local.set.bind(w.local);
  let left = n;
  w.local.set = async (k, v) => {
    if (k === KEYS.vault && left > 0) {
      left--;
      throw new Error('QUOTA_BYTES quota exceeded');
    }
    return set(k, v);
  };
}
const ERR_URL = SETUP_URL;

// Found in review: each failed before its fix.
describe('storage failures, stopped backgrounds, late and misleading pages', () => {
  it('a background restarted before the write-ahead landed, woken first by the auto-lock alarm: the lock writes the copy first, and the account is there after the unlock', async () => {
    const { w, svc } = await fresh();
    w.local.failNextSet(new Error('the worker stopped'));
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    await svc.settled();
    const restarted = boot(w);
    await restarted.onAlarm(AUTO_LOCK_ALARM); // lock() without restore()
    // The user submits the form (locked): Keycloak registers it, and the page is told "kept".
    ok(await send(restarted, 'page.submitted', {}, tab(7)));
    w.clock.now += 500;
    const seen = ok(await send(restarted, 'page.seen', { kind: 'none', setupError: null, sentAt: w.clock.now }, tab(7, APP_URL)));
    expect(seen.kept).toBeTruthy();
    ok(await send(restarted, 'vault.unlock', { passphrase: PASS }));
    expect((await onDisk(w)).map((a) => a.secret)).toEqual([b32(RAW_A)]);
  });

  it('the write-ahead fails and so does the lock\'s write: the sealed copy stays through the lock and is written at the unlock', async () => {
    const { w, svc } = await fresh();
    failVaultWrites(w, 2);
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    await svc.settled();
    ok(await send(svc, 'vault.lock', {}));
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    ok(await send(svc, 'vault.unlock', { passphrase: PASS }));
    expect((await onDisk(w)).map((a) => a.secret)).toEqual([b32(RAW_A)]);
  });

  it('after a restart, writing the copy fails once: the account is used from memory, and written by the lock', async () => {
    const { w, svc } = await fresh();
    w.local.failNextSet(new Error('the worker stopped'));
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    await svc.settled();
    const restarted = boot(w);
    w.local.failNextSet();
    const listed = ok(await send(restarted, 'accounts.list', {}));
    // afterOpen swallowed the failure: the account is not in memory, only in the session copy
    ok(await send(restarted, 'page.submitted', {}, tab(7))); // Keycloak registers it
    ok(await send(restarted, 'vault.lock', {}));
    ok(await send(restarted, 'vault.unlock', { passphrase: PASS }));
    expect({ listed: listed.length, disk: (await onDisk(w)).map((a) => a.secret) }).toEqual({ listed: 1, disk: [b32(RAW_A)] });
  });

  it('a login whose code Keycloak refused (the OTP page again), then a code the user typed: the unconfirmed account is not confirmed', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 8, page('jane@example.com', RAW_B)));
    ok(await send(svc, 'page.submitted', {}, tab(8)));
    await svc.onTabRemoved(8); // kept unconfirmed (Keycloak in fact refused it)
    w.clock.now += 90_000;
    ok(await send(svc, 'page.fill', { attemptedUsername: 'jane@example.com', devices: [], chosenAccountId: null, clockOffsetMs: null, pageError: null }, tab(9, OTP_URL)));
    ok(await send(svc, 'page.otpSubmitted', {}, tab(9, OTP_URL)));
    w.clock.now += 500;
    ok(await send(svc, 'page.seen', { kind: 'otp', setupError: null, sentAt: w.clock.now }, tab(9, OTP_URL))); // refused
    // the page fills U again; the user types their phone's code instead (typed codes pass the guard unrecorded)
    ok(await send(svc, 'page.fill', { attemptedUsername: 'jane@example.com', devices: [], chosenAccountId: null, clockOffsetMs: null, pageError: 'Invalid authenticator code.' }, tab(9, OTP_URL)));
    w.clock.now += 5_000;
    ok(await send(svc, 'page.seen', { kind: 'none', setupError: null, sentAt: w.clock.now }, tab(9, APP_URL))); // logged in
    await svc.settled();
    expect((await onDisk(w))[0]!.enrollment?.confirmed).toBeNull();
  });

  it('a login whose code Keycloak refused, then another site in that tab: not confirmed', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 8, page('jane@example.com', RAW_B)));
    ok(await send(svc, 'page.submitted', {}, tab(8)));
    await svc.onTabRemoved(8);
    w.clock.now += 90_000;
    ok(await send(svc, 'page.fill', { attemptedUsername: 'jane@example.com', devices: [], chosenAccountId: null, clockOffsetMs: null, pageError: null }, tab(9, OTP_URL)));
    ok(await send(svc, 'page.otpSubmitted', {}, tab(9, OTP_URL)));
    w.clock.now += 500;
    ok(await send(svc, 'page.seen', { kind: 'otp', setupError: null, sentAt: w.clock.now }, tab(9, OTP_URL))); // refused
    w.clock.now += 60_000;
    await svc.onTabLoaded(9, w.clock.now, 'https://www.google.com/');
    await svc.settled();
    expect((await onDisk(w))[0]!.enrollment?.confirmed).toBeNull();
  });

  it("Keycloak's own page without a form (expired, error) after the submit confirms nothing", async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    w.clock.now += 500;
    const r = ok(await send(svc, 'page.seen', { kind: 'none', setupError: null, sentAt: w.clock.now }, tab(7, ERR_URL)));
    await svc.settled();
    expect({ saved: r.saved, confirmed: (await onDisk(w))[0]!.enrollment?.confirmed }).toEqual({ saved: null, confirmed: null });
  });

  it('a label given to the unconfirmed account survives the refill at the next step', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    const [a] = ok(await send(svc, 'accounts.list', {}));
    ok(await send(svc, 'accounts.update', { id: a!.id, changes: { label: 'Prod admin' } }));
    w.clock.now += 30_000;
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A), w.clock.now));
    await svc.settled();
    expect((await onDisk(w))[0]!.label).toBe('Prod admin');
  });

  it('the write-ahead and the submit\'s write both fail, then the tab closes: its copy stays until the vault holds the account', async () => {
    const { w, svc } = await fresh();
    failVaultWrites(w, 2);
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    await svc.settled();
    const r = await send(svc, 'page.submitted', {}, tab(7)); // fails: the guard releases the form anyway
    expect(r.ok).toBe(false);
    await svc.onTabRemoved(7);
    expect(JSON.stringify(w.session.snapshot())).not.toContain(b32(RAW_A));
    const restarted = boot(w); // MV3 idle stop
    expect((await send(restarted, 'accounts.list', {})).ok && (await onDisk(w)).map((a) => a.secret)).toEqual([b32(RAW_A)]);
  });

  it('a form posted without a recorded submit, then a refill sent before that is delivered: stale, and the closed tab keeps the account', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A), w.clock.now));
    w.clock.now += 29_000;
    const refillSentAt = w.clock.now;
    w.clock.now += 3_500;
    await svc.onTabNavigating(7, w.clock.now); // the POST left; Keycloak registers it
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A), refillSentAt)); // late delivery
    await svc.onTabRemoved(7);
    await svc.settled();
    expect((await onDisk(w)).map((a) => a.secret)).toEqual([b32(RAW_A)]);
  });

  it('a loose copy kept while locked for an account Keycloak then refused does not bring it back at a later open', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    ok(await send(svc, 'vault.lock', {}));
    w.clock.now += 100;
    ok(await send(svc, 'page.submitted', {}, tab(7)));
    w.clock.now += 500;
    const refused = { kind: 'setup' as const, setupError: 'Invalid authenticator code.', sentAt: w.clock.now };
    expect(ok(await send(svc, 'page.seen', refused, tab(7))).refused).toBe(true);
    expect(w.session.map.has(KEYS.copies)).toBe(true); // kept while locked: the vault might lack it
    ok(await send(svc, 'vault.unlock', { passphrase: PASS }));
    expect(await list(svc)).toEqual([]);
    expect(w.session.map.has(KEYS.copies)).toBe(false);
    const restarted = boot(w);
    expect(await list(restarted)).toEqual([]);
    expect(await onDisk(w)).toEqual([]);
  });

  it('an account the user removes takes its loose copy with it: no later open brings it back', async () => {
    const { w, svc } = await fresh();
    failVaultWrites(w, 3); // the write-ahead, the submit's write, and the one tried as the tab closes
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    await svc.settled();
    expect((await send(svc, 'page.submitted', {}, tab(7))).ok).toBe(false);
    await svc.onTabRemoved(7);
    expect(w.session.map.has(KEYS.copies)).toBe(true);
    const [a] = await list(svc);
    ok(await send(svc, 'accounts.delete', { id: a!.id }));
    expect(w.session.map.has(KEYS.copies)).toBe(false);
    expect(await list(boot(w))).toEqual([]);
  });

  it('removed from the popup while its form is filled, then submitted all the same: written back', async () => {
    const { w, svc } = await fresh();
    ok(await enroll(svc, 7, page('jane@example.com', RAW_A)));
    const [a] = ok(await send(svc, 'accounts.list', {}));
    ok(await send(svc, 'accounts.delete', { id: a!.id }));
    const r = ok(await send(svc, 'page.submitted', {}, tab(7))); // form released; Keycloak registers RAW_A
    w.clock.now += 500;
    ok(await send(svc, 'page.seen', { kind: 'none', setupError: null, sentAt: w.clock.now }, tab(7, APP_URL)));
    await svc.settled();
    expect({ r, disk: (await onDisk(w)).map((x) => x.secret) }).toEqual({ r: { pending: true }, disk: [b32(RAW_A)] });
  });
});

// ---------------------------------------------------------------------------------------------
// Random orders of events against a model of Keycloak

type Ev =
  | { kind: 'fill' }
  | { kind: 'submit'; accept: boolean; recorded: boolean }
  | { kind: 'cancel' }
  | { kind: 'answer'; viaScript: boolean }
  | { kind: 'close' }
  | { kind: 'lock' }
  | { kind: 'unlock' }
  | { kind: 'restart'; browser: boolean }
  | { kind: 'tick'; ms: number };

const evArb: fc.Arbitrary<Ev> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'fill' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('submit' as const), accept: fc.boolean(), recorded: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('answer' as const), viaScript: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'close' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'lock' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'unlock' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restart' as const), browser: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40_000 }) }) },
);

/**
 * One user enrolling again and again in one tab at a time, with a Keycloak that registers a
 * submitted secret or refuses it, and a browser that closes tabs, locks, restarts the worker or
 * itself at any moment. After every event: every secret Keycloak registered is in the vault as
 * stored (decrypted with the passphrase), and each stays there.
 */
async function runEvents(events: Ev[]): Promise<void> {
  const { w } = await fresh();
  let svc = boot(w);
  let tabId = 1;
  let secretN = 0;
  const newSecret = () => `S${String(++secretN).padStart(3, '0')}x9vLm2Rt7Wc1Bn5d`; // 20 ASCII characters
  /** The tab's page: a setup page showing a secret (filled or not), a POST on its way, or gone. */
  let tabPage: { kind: 'setup'; raw: string; filled: boolean; error: boolean } | { kind: 'posted'; raw: string; accepted: boolean } | { kind: 'other' } = {
    kind: 'setup', raw: newSecret(), filled: false, error: false,
  };
  const registered = new Set<string>();
  let locked = false;

  const seen = (kind: Protocol['page.seen']['req']['kind'], url: string, setupError: string | null = null) =>
    send(svc, 'page.seen', { kind, setupError, sentAt: w.clock.now }, tab(tabId, url));

  for (const ev of events) {
    w.clock.now += 10;
    switch (ev.kind) {
      case 'fill':
        if (tabPage.kind === 'setup' && !locked) {
          const error = tabPage.error ? { code: 'Invalid authenticator code.', label: null } : null;
          const r = await enroll(svc, tabId, page('jane@example.com', tabPage.raw, error), w.clock.now);
          if (r.ok) tabPage.filled = true;
        }
        break;
      case 'submit':
        if (tabPage.kind === 'setup' && tabPage.filled) {
          // The guard holds the form until the background answers; unrecorded, it went after
          // 3 s without an answer (the write-ahead had long landed) and the tab started loading.
          if (ev.recorded) await send(svc, 'page.submitted', {}, tab(tabId));
          else await svc.settled();
          await svc.onTabNavigating(tabId, (w.clock.now += 10));
          if (ev.accept) registered.add(b32(tabPage.raw));
          tabPage = { kind: 'posted', raw: tabPage.raw, accepted: ev.accept };
        }
        break;
      case 'cancel':
        if (tabPage.kind === 'setup' && tabPage.filled) {
          await send(svc, 'page.submitted', { cancel: true }, tab(tabId));
          await svc.onTabNavigating(tabId, (w.clock.now += 10));
          tabPage = { kind: 'other' };
        }
        break;
      case 'answer':
        if (tabPage.kind === 'posted') {
          w.clock.now += 10;
          if (tabPage.accepted) {
            if (ev.viaScript) await seen('none', APP_URL);
            else await svc.onTabLoaded(tabId, w.clock.now, 'https://app.example.net/');
            tabPage = { kind: 'other' };
          } else {
            // Keycloak shows the setup page again, with its error and the same secret.
            tabPage = { kind: 'setup', raw: tabPage.raw, filled: false, error: true };
            await seen('setup', SETUP_URL, 'Invalid authenticator code.');
          }
        }
        break;
      case 'close':
        await svc.onTabRemoved(tabId);
        tabId++;
        tabPage = { kind: 'setup', raw: newSecret(), filled: false, error: false };
        break;
      case 'lock':
        await send(svc, 'vault.lock', {});
        locked = true;
        break;
      case 'unlock':
        ok(await send(svc, 'vault.unlock', { passphrase: PASS }));
        locked = false;
        break;
      case 'restart':
        if (ev.browser) {
          // Every tab closes with the browser (no tab event reaches us); storage.session empties.
          w.session = new MemoryArea();
          svc = boot(w);
          await svc.onBrowserStartup();
          locked = true;
          tabId++;
          tabPage = { kind: 'setup', raw: newSecret(), filled: false, error: false };
        } else svc = boot(w);
        break;
      case 'tick':
        w.clock.now += ev.ms;
        break;
    }
    await svc.settled();
    const stored = new Set((await onDisk(w)).map((a) => a.secret as string));
    const missing = [...registered].filter((s) => !stored.has(s));
    expect(missing, `after ${ev.kind}: Keycloak has it, the vault does not`).toEqual([]);
  }
  // Whatever happened, the user gets in: unlocked, every registered secret is there to use.
  if (locked) ok(await send(svc, 'vault.unlock', { passphrase: PASS }));
  const listed = await list(svc);
  expect(listed.length).toBeGreaterThanOrEqual(registered.size);
}

describe('random orders of fill, submit, answer, close, lock, unlock, restart and refusal', { timeout: 120_000 }, () => {
  it('a secret Keycloak registered is never absent from the stored vault afterwards (300 sequences)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(evArb, { minLength: 3, maxLength: 40 }), runEvents), runs(300));
  });

  it('and on proof, nothing of it stays: refused, cancelled or abandoned enrollments settled while unlocked are gone', async () => {
    // Each proof, with the vault open throughout: the vault ends empty.
    for (const events of [
      [{ kind: 'fill' }, { kind: 'submit', accept: false, recorded: true }, { kind: 'answer', viaScript: true }],
      [{ kind: 'fill' }, { kind: 'cancel' }],
      [{ kind: 'fill' }, { kind: 'close' }],
    ] as Ev[][]) {
      const { w } = await fresh();
      const svc = boot(w);
      ok(await enroll(svc, 1, page('jane@example.com', RAW_A), w.clock.now));
      for (const ev of events.slice(1)) {
        w.clock.now += 10;
        if (ev.kind === 'submit') ok(await send(svc, 'page.submitted', {}, tab(1)));
        if (ev.kind === 'answer') ok(await send(svc, 'page.seen', { kind: 'setup', setupError: 'Invalid authenticator code.', sentAt: w.clock.now + 10 }, tab(1)));
        if (ev.kind === 'cancel') ok(await send(svc, 'page.submitted', { cancel: true }, tab(1)));
        if (ev.kind === 'close') await svc.onTabRemoved(1);
      }
      await svc.settled();
      expect(await onDisk(w), JSON.stringify(events)).toEqual([]);
    }
  });
});
