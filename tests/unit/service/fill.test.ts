/**
 * The background's OTP login flow, driven with in-memory fakes and an injected clock: accounts
 * are enrolled the way a content script does it (page.enroll → page.submitted → page.seen), then
 * an OTP page asks for its code (page.fill) and reports the submit (page.otpSubmitted). Keycloak
 * 20+ refuses a code already accepted for the device (the setup code included), so a second
 * login inside one step waits for the next code; the server's clock offset is remembered per
 * origin.
 */
import { FakePlatforms } from './memory-platforms';
import { describe, expect, it } from 'vitest';
import { createVaultService, type VaultService } from '../../../lib/service/service';
import { KEYS } from '../../../lib/service/ports';
import { parseMessage } from '../../../lib/protocol/validation';
import type { AppErrorCode } from '../../../lib/protocol/errors';
import type { Caller } from '../../../lib/protocol/access';
import type { FillReply, FillRequest, PageEvidence } from '../../../lib/protocol/page';
import type { Message, MessageType, Protocol, Reply } from '../../../lib/protocol/messages';
import * as kc from '../../simulator/keycloak.mjs';
import { MemoryArea, FakeAlarms } from './memory-ports';
import { fakeQrImage, fakeReadQr } from './text-qr';
import { fillFromPrefetch, PREFETCH_REQUEST } from '../../../lib/keycloak/prefetch';

// ---------------------------------------------------------------------------------------------
// Data

const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const DEFAULT_NAME = 'ThingPark Autofill · Test on Linux';

const ORIGIN = 'https://community.thingpark.io';
const EU = 'https://thingparkenterprise.eu.actility.com';
const REALM = 'tpw-users-actility-tpe-ope';
const setupUrl = (origin = ORIGIN) => `${origin}/auth/realms/${REALM}/login-actions/required-action?execution=CONFIGURE_TOTP`;
const otpUrl = (origin = ORIGIN) => `${origin}/auth/realms/${REALM}/login-actions/authenticate?execution=otp&client_id=tpe&tab_id=x`;

const ISSUER = 'ThingPark Enterprise';
const SAM_RAW = 'Aq3kP9vLm2Rt7Wc1Bn5d';
const ALEX_RAW = 'Zr8TqW2mXn4Lp6Ks1Vb9';
const HOLLY_RAW = 'Hq2Lm8Tz4Wr6Pk1Vx3Nb';
const SAM = 'sam@example.com';
const ALEX = 'alex@example.com';
const HOLLY = 'holly@example.com';

const keyUri = (account: string, raw: string, policy: Partial<kc.OtpPolicy> = {}) =>
  kc.buildKeyUri({ policy: kc.normalizePolicy(policy), issuer: ISSUER, account, rawSecret: raw });
const evidence = (account: string, raw: string, policy: Partial<kc.OtpPolicy> = {}): PageEvidence => ({
  qrImage: fakeQrImage(keyUri(account, raw, policy)),
  hiddenSecret: raw,
  manual: null,
  keycloakError: null,
});
const bytes = (raw: string) => new TextEncoder().encode(raw);
/** The code Keycloak expects at `nowMs` (server time). */
const totpAt = (raw: string, nowMs: number) => kc.totp({ secret: bytes(raw), nowMs });

const SECRETS = [SAM_RAW, ALEX_RAW, HOLLY_RAW, kc.base32Encode(SAM_RAW), kc.base32Encode(ALEX_RAW), kc.base32Encode(HOLLY_RAW)];

const EXT: Caller = { kind: 'extension-page' };
type ContentCaller = Extract<Caller, { kind: 'content-script' }>;
const tab = (tabId: number, url: string, frameId = 0): ContentCaller => ({ kind: 'content-script', tabId, frameId, url });
const OTP_TAB = tab(20, otpUrl());

function fillRequest(over: Partial<FillRequest> = {}): FillRequest {
  return { attemptedUsername: null, devices: [], chosenAccountId: null, clockOffsetMs: null, pageError: null, ...over };
}

// ---------------------------------------------------------------------------------------------
// Helpers

interface Env {
  local: MemoryArea;
  session: MemoryArea;
  svc: VaultService;
  clock: { now: number };
  send<K extends MessageType>(type: K, payload: Protocol[K]['req'], caller?: Caller): Promise<Reply<K>>;
}

let ids = 0;

/** 10 s into a 30 s step. */
const START = 1_700_000_020_000;

function boot(): Env {
  const local = new MemoryArea();
  const session = new MemoryArea();
  const clock = { now: START };
  const svc = createVaultService({
    local,
    session,
    alarms: new FakeAlarms(),
    bootId: 'boot',
    kdf: KDF,
    defaultDeviceName: async () => DEFAULT_NAME,
    fillTab: async () => true,
    platforms: new FakePlatforms(),
    loadQrReader: async () => undefined,
    readQr: fakeReadQr,
    now: () => clock.now,
    newId: () => `id-${++ids}`,
  });
  const send = <K extends MessageType>(type: K, payload: Protocol[K]['req'], caller: Caller = EXT) =>
    svc.handle({ type, ...payload } as unknown as Message<K>, caller);
  return { local, session, svc, clock, send };
}

function expectOk<T>(reply: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}

function expectErr(reply: unknown, code: AppErrorCode): void {
  expect(reply).toMatchObject({ ok: false, error: { code } });
  expect(reply).not.toHaveProperty('value');
}

/** A full enrollment as the content script drives it; returns the saved account's id. */
async function enrollAccount(env: Env, tabId: number, ev: PageEvidence, origin = ORIGIN): Promise<string> {
  expectOk(await env.send('page.enroll', { evidence: ev }, tab(tabId, setupUrl(origin))));
  expect(expectOk(await env.send('page.submitted', {}, tab(tabId, setupUrl(origin))))).toEqual({ pending: true });
  const seen = expectOk(await env.send('page.seen', { kind: 'none', setupError: null }, tab(tabId, `${origin}/tpe/`)));
  expect(seen.saved).not.toBeNull();
  const accounts = expectOk(await env.send('accounts.list', {}));
  const added = accounts.find((a) => a.origin === origin && a.accountName === seen.saved?.accountName && a.deviceName === seen.saved?.deviceName);
  if (!added) throw new Error('enrolled account not listed');
  return added.id;
}

/** An unlocked vault with sam and alex enrolled on ORIGIN in the current step (sam first). */
async function twoUsers(): Promise<Env & { sam: string; alex: string }> {
  const env = boot();
  expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
  const sam = await enrollAccount(env, 7, evidence(SAM, SAM_RAW));
  env.clock.now += 1_000;
  const alex = await enrollAccount(env, 8, evidence(ALEX, ALEX_RAW));
  env.clock.now -= 1_000;
  return { ...env, sam, alex };
}

const fill = (env: Env, over: Partial<FillRequest> = {}, caller: Caller = OTP_TAB) => env.send('page.fill', fillRequest(over), caller);
const fillOk = async (env: Env, over: Partial<FillRequest> = {}, caller: Caller = OTP_TAB): Promise<FillReply> =>
  expectOk(await fill(env, over, caller));
const submittedOtp = (env: Env, caller: Caller = OTP_TAB) => env.send('page.otpSubmitted', {}, caller);

function expectNoSecretIn(value: unknown): void {
  const text = JSON.stringify(value);
  for (const s of SECRETS) expect(text).not.toContain(s);
}

// ---------------------------------------------------------------------------------------------

describe('page.fill: the code Keycloak accepts now', () => {
  it('right after enrollment the setup step is used: wait to the next boundary, then the next code', async () => {
    const env = await twoUsers();
    const first = await fillOk(env, { attemptedUsername: ALEX });
    expect(first).toEqual({ kind: 'wait', retryInMs: 20_000, accountName: ALEX, clockOffsetMs: 0 });

    env.clock.now += 30_000;
    const r = await fillOk(env, { attemptedUsername: ALEX });
    expect(r).toEqual({
      kind: 'fill',
      code: totpAt(ALEX_RAW, env.clock.now),
      accountId: env.alex,
      accountName: ALEX,
      deviceName: DEFAULT_NAME,
      deviceId: null,
      autoSubmit: false,
      validForMs: 20_000,
      skewWarningMs: null,
      clockOffsetMs: 0,
    });
    // The next step's code, not the setup one and not sam's.
    if (r.kind !== 'fill') return;
    expect(r.code).toBe(totpAt(ALEX_RAW, START + 30_000));
    expect(r.code).not.toBe(totpAt(ALEX_RAW, START));
    expectNoSecretIn(r);
  });

  it('Keycloak (simulated) accepts the filled code where it refuses the setup code again', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    const r = await fillOk(env, { attemptedUsername: ALEX });
    if (r.kind !== 'fill') throw new Error('expected a fill');
    const device: kc.OtpDevice = {
      id: 'cred-alex', label: DEFAULT_NAME, secret: kc.base32Encode(ALEX_RAW), type: 'totp', algorithm: 'SHA1', digits: 6, period: 30, counter: 0,
      usedCodes: {},
    };
    // The setup code was accepted at START: Keycloak remembers it as used for 3 periods.
    const setup = kc.checkDeviceCode(device, totpAt(ALEX_RAW, START), START);
    if (!setup.ok) throw new Error('setup code refused');
    const used = { ...device, ...setup.update };
    expect(kc.checkDeviceCode(used, totpAt(ALEX_RAW, START), START + 1_000)).toEqual({ ok: false, reason: 'reused' });
    // Our wait reply avoided that; the code filled one period later is accepted.
    expect(kc.checkDeviceCode(used, r.code, env.clock.now)).toMatchObject({ ok: true });
  });

  it('page.otpSubmitted marks the step used (and saves the vault): a new fill in the same step waits', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    expect((await fillOk(env, { attemptedUsername: ALEX })).kind).toBe('fill');
    const before = env.local.snapshot()[KEYS.vault];
    expect(expectOk(await submittedOtp(env))).toEqual({ marked: true });
    expect(env.local.snapshot()[KEYS.vault]).not.toEqual(before);
    expectNoSecretIn(env.local.snapshot());
    expectNoSecretIn(env.session.snapshot());

    env.clock.now += 5_000;
    expect(await fillOk(env, { attemptedUsername: ALEX })).toEqual({ kind: 'wait', retryInMs: 15_000, accountName: ALEX, clockOffsetMs: 0 });
    // Another tab, same user: the same wait (the mark is on the account, not the tab).
    expect(await fillOk(env, { attemptedUsername: ALEX }, tab(21, otpUrl()))).toMatchObject({ kind: 'wait', retryInMs: 15_000 });
    // Sam is untouched: his step after setup is free.
    expect(await fillOk(env, { attemptedUsername: SAM })).toMatchObject({ kind: 'fill', code: totpAt(SAM_RAW, env.clock.now) });

    // A second submit without a new fill marks nothing more.
    expect(expectOk(await submittedOtp(env))).toEqual({ marked: true }); // sam's fill just now
    expect(expectOk(await submittedOtp(env))).toEqual({ marked: false });

    // The mark is stored: still waiting after a lock and unlock.
    expectOk(await env.send('vault.lock', {}));
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect(await fillOk(env, { attemptedUsername: ALEX })).toMatchObject({ kind: 'wait', retryInMs: 15_000 });
    env.clock.now += 15_000;
    expect(await fillOk(env, { attemptedUsername: ALEX })).toMatchObject({ kind: 'fill', code: totpAt(ALEX_RAW, env.clock.now), validForMs: 30_000 });
  });

  it('page.otpSubmitted without a fill in that tab marks nothing', async () => {
    const env = await twoUsers();
    expect(expectOk(await submittedOtp(env))).toEqual({ marked: false });
    env.clock.now += 30_000;
    expect((await fillOk(env, { attemptedUsername: ALEX }, tab(21, otpUrl()))).kind).toBe('fill');
    expect(expectOk(await submittedOtp(env))).toEqual({ marked: false });
    // Alex's code was not marked by the other tab's submit.
    expect((await fillOk(env, { attemptedUsername: ALEX })).kind).toBe('fill');
  });

  it('a wait reply does not replace the last filled code of the tab', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    const r = await fillOk(env, { attemptedUsername: SAM });
    expect(r.kind).toBe('fill');
    // Alex's step is used in another tab meanwhile; this tab asks for alex and is told to wait.
    expect((await fillOk(env, { attemptedUsername: ALEX }, tab(21, otpUrl()))).kind).toBe('fill');
    expect(expectOk(await submittedOtp(env, tab(21, otpUrl())))).toEqual({ marked: true });
    expect((await fillOk(env, { attemptedUsername: ALEX })).kind).toBe('wait');
    // The form of this tab is submitted with sam's code: sam's step is marked.
    expect(expectOk(await submittedOtp(env))).toEqual({ marked: true });
    expect((await fillOk(env, { attemptedUsername: SAM })).kind).toBe('wait');
  });
});

describe('page.fill: the server clock', () => {
  it('an offset of +5 min: the code for server time with a skew warning; remembered for the origin', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    const offset = 5 * 60_000;
    const r = await fillOk(env, { attemptedUsername: ALEX, clockOffsetMs: offset });
    expect(r).toMatchObject({ kind: 'fill', code: totpAt(ALEX_RAW, env.clock.now + offset), skewWarningMs: offset, validForMs: 20_000 });
    if (r.kind !== 'fill') return;
    expect(r.skewWarningMs!).toBeGreaterThan(30_000);
    expect(r.code).not.toBe(totpAt(ALEX_RAW, env.clock.now));

    // Later, without an offset in the request (a new page of the same origin, another tab).
    env.clock.now += 3_000;
    expect(await fillOk(env, { attemptedUsername: ALEX }, tab(30, otpUrl()))).toMatchObject({
      kind: 'fill',
      code: totpAt(ALEX_RAW, env.clock.now + offset),
      skewWarningMs: offset,
      // The remembered offset, said, so that the page need not ask again.
      clockOffsetMs: offset,
    });
    // Submitted: the server step is the used one; local time's step is behind it.
    expect(expectOk(await submittedOtp(env, tab(30, otpUrl())))).toEqual({ marked: true });
    const w = await fillOk(env, { attemptedUsername: ALEX });
    expect(w).toEqual({ kind: 'wait', retryInMs: 17_000, accountName: ALEX, clockOffsetMs: offset });
    env.clock.now += 17_000;
    expect(await fillOk(env, { attemptedUsername: ALEX })).toMatchObject({ kind: 'fill', code: totpAt(ALEX_RAW, env.clock.now + offset) });
  });

  it('a negative offset is followed too', async () => {
    const env = await twoUsers();
    env.clock.now += 10 * 60_000;
    const offset = -3 * 60_000;
    expect(await fillOk(env, { attemptedUsername: SAM, clockOffsetMs: offset })).toMatchObject({
      kind: 'fill',
      code: totpAt(SAM_RAW, env.clock.now + offset),
      skewWarningMs: offset,
    });
  });

  it('an offset beyond the noise but within one period: followed, without a warning', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000; // 10 s into the step: +25 s is the next step by the server's clock
    const r = await fillOk(env, { attemptedUsername: ALEX, clockOffsetMs: 25_000 });
    expect(r).toMatchObject({ kind: 'fill', code: totpAt(ALEX_RAW, env.clock.now + 25_000), skewWarningMs: null, validForMs: 25_000 });
    expect(totpAt(ALEX_RAW, env.clock.now + 25_000)).not.toBe(totpAt(ALEX_RAW, env.clock.now));
  });

  it('an offset within the noise (≤ 2 s) is ignored, and replaces a remembered one', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000 + 19_000; // 1 s before the boundary
    expect(await fillOk(env, { attemptedUsername: ALEX, clockOffsetMs: 60_000 })).toMatchObject({
      code: totpAt(ALEX_RAW, env.clock.now + 60_000),
    });
    expect(await fillOk(env, { attemptedUsername: ALEX, clockOffsetMs: 1_500 })).toMatchObject({
      code: totpAt(ALEX_RAW, env.clock.now),
      skewWarningMs: null,
    });
    expect(await fillOk(env, { attemptedUsername: ALEX })).toMatchObject({ code: totpAt(ALEX_RAW, env.clock.now), skewWarningMs: null });
  });

  it("another origin: none/no-account without an account there, and one origin's offset is not used for another", async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    const offset = 5 * 60_000;
    expect(await fillOk(env, { attemptedUsername: ALEX, clockOffsetMs: offset })).toMatchObject({ skewWarningMs: offset });

    const euTab = tab(40, otpUrl(EU));
    expect(await fillOk(env, { attemptedUsername: ALEX }, euTab)).toEqual({ kind: 'none', reason: 'no-account' });
    expect(await fillOk(env, {}, euTab)).toEqual({ kind: 'none', reason: 'no-account' });
    // The same host on another port or scheme is another origin.
    expect(await fillOk(env, { attemptedUsername: ALEX }, tab(41, otpUrl('https://community.thingpark.io:8443')))).toEqual({
      kind: 'none',
      reason: 'no-account',
    });
    expect(await fillOk(env, { attemptedUsername: ALEX }, tab(42, otpUrl('http://community.thingpark.io')))).toEqual({
      kind: 'none',
      reason: 'no-account',
    });

    // Holly enrolled on EU: her code there follows local time, not ORIGIN's offset.
    const holly = await enrollAccount(env, 43, evidence(HOLLY, HOLLY_RAW), EU);
    env.clock.now += 30_000;
    expect(await fillOk(env, { attemptedUsername: HOLLY }, euTab)).toEqual({
      kind: 'fill',
      code: totpAt(HOLLY_RAW, env.clock.now),
      accountId: holly,
      accountName: HOLLY,
      deviceName: DEFAULT_NAME,
      deviceId: null,
      autoSubmit: false,
      validForMs: 20_000,
      skewWarningMs: null,
      clockOffsetMs: 0,
    });
    // ORIGIN still has its own.
    expect(await fillOk(env, { attemptedUsername: ALEX })).toMatchObject({ code: totpAt(ALEX_RAW, env.clock.now + offset), skewWarningMs: offset });
    // And holly is not offered on ORIGIN.
    expect(await fillOk(env, { attemptedUsername: HOLLY })).toMatchObject({ kind: 'choose' });
  });
});

describe('page.fill: which account and device', () => {
  it('no user name and two users → choose, with no secret in the reply', async () => {
    const env = await twoUsers();
    const r = await fillOk(env);
    expect(r.kind).toBe('choose');
    if (r.kind !== 'choose') return;
    expect(r.candidates).toHaveLength(2);
    for (const c of r.candidates) expect(Object.keys(c).sort()).toEqual(['accountName', 'deviceName', 'id', 'issuer']);
    expect(r.candidates.map((c) => c.accountName).sort()).toEqual([ALEX, SAM]);
    expect(r.candidates.find((c) => c.accountName === SAM)).toEqual({ id: env.sam, accountName: SAM, issuer: ISSUER, deviceName: DEFAULT_NAME });
    expectNoSecretIn(r);
    // A chosen account is filled (after its setup step).
    env.clock.now += 30_000;
    expect(await fillOk(env, { chosenAccountId: env.sam })).toMatchObject({ kind: 'fill', accountId: env.sam, code: totpAt(SAM_RAW, env.clock.now) });
    // A name that matches nobody: choose rather than guess.
    expect(await fillOk(env, { attemptedUsername: 'mallory@example.com' })).toMatchObject({ kind: 'choose' });
  });

  it("the user name typed on this tab's password page decides when the OTP page shows none", async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    expectOk(await env.send('page.username', { username: ' Alex@Example.com ' }, tab(OTP_TAB.tabId, `${ORIGIN}/auth/realms/${REALM}/protocol/openid-connect/auth`)));
    expect(await fillOk(env)).toMatchObject({ kind: 'fill', accountId: env.alex });
    // Not in another tab.
    expect(await fillOk(env, {}, tab(50, otpUrl()))).toMatchObject({ kind: 'choose' });
  });

  it("the page lists devices: our device name → its credential id; not listed → device-not-listed", async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    const devices = [
      { id: 'cred-phone', label: 'Phone' },
      { id: 'cred-ours', label: DEFAULT_NAME },
    ];
    expect(await fillOk(env, { attemptedUsername: ALEX, devices })).toMatchObject({
      kind: 'fill',
      accountId: env.alex,
      deviceId: 'cred-ours',
      code: totpAt(ALEX_RAW, env.clock.now),
    });
    expect(await fillOk(env, { attemptedUsername: ALEX, devices: [devices[0]!, { id: 'x', label: 'unnamed' }] })).toEqual({
      kind: 'none',
      reason: 'device-not-listed',
    });
  });

  it('devices listed but no user name: the same default device name fits both users → choose, never a guess', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    const devices = [
      { id: 'cred-phone', label: 'Phone' },
      { id: 'cred-ours', label: DEFAULT_NAME },
    ];
    const r = await fillOk(env, { devices });
    expect(r.kind).toBe('choose');
    if (r.kind === 'choose') expect(r.candidates.map((c) => c.id).sort()).toEqual([env.sam, env.alex].sort());
    expect(await fillOk(env, { devices, chosenAccountId: env.sam })).toMatchObject({ kind: 'fill', accountId: env.sam, deviceId: 'cred-ours' });
  });

  it("a re-enrolled user: the newest of our devices Keycloak lists", async () => {
    const env = await twoUsers();
    env.clock.now += 60_000;
    const second = await enrollAccount(env, 9, evidence(ALEX, HOLLY_RAW.split('').reverse().join('')));
    const list = expectOk(await env.send('accounts.list', {}));
    expect(list.find((a) => a.id === second)?.deviceName).toBe(`${DEFAULT_NAME} (2)`);
    env.clock.now += 30_000;
    const both = [
      { id: 'cred-1', label: DEFAULT_NAME },
      { id: 'cred-2', label: `${DEFAULT_NAME} (2)` },
    ];
    expect(await fillOk(env, { attemptedUsername: ALEX, devices: both })).toMatchObject({ accountId: second, deviceId: 'cred-2' });
    expect(await fillOk(env, { attemptedUsername: ALEX, devices: [both[0]!] })).toMatchObject({
      accountId: env.alex,
      deviceId: 'cred-1',
      code: totpAt(ALEX_RAW, env.clock.now),
    });
  });

  it('autoSubmit only with the setting on and no Keycloak error on the page', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    expect(await fillOk(env, { attemptedUsername: ALEX })).toMatchObject({ kind: 'fill', autoSubmit: false });
    expect(await fillOk(env, { attemptedUsername: ALEX, pageError: 'Invalid authenticator code.' })).toMatchObject({ autoSubmit: false });
    expectOk(await env.send('settings.update', { settings: { autoSubmit: true } }));
    expect(await fillOk(env, { attemptedUsername: ALEX })).toMatchObject({ kind: 'fill', autoSubmit: true });
    expect(await fillOk(env, { attemptedUsername: ALEX, pageError: 'Invalid authenticator code.' })).toMatchObject({
      kind: 'fill',
      autoSubmit: false,
    });
  });

  it('HOTP: the code for the counter after the setup one, no expiry; submitted → the next counter', async () => {
    const env = boot();
    expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    const id = await enrollAccount(env, 7, evidence(SAM, SAM_RAW, { type: 'hotp', initialCounter: 5 }));
    const r = await fillOk(env, { attemptedUsername: SAM, clockOffsetMs: 10 * 60_000 });
    expect(r).toEqual({
      kind: 'fill',
      code: kc.hotp({ secret: bytes(SAM_RAW), counter: 6 }),
      accountId: id,
      accountName: SAM,
      deviceName: DEFAULT_NAME,
      deviceId: null,
      autoSubmit: false,
      validForMs: null,
      skewWarningMs: null,
      clockOffsetMs: 10 * 60_000,
    });
    // Not submitted: the same code again.
    expect(await fillOk(env, { attemptedUsername: SAM })).toMatchObject({ code: kc.hotp({ secret: bytes(SAM_RAW), counter: 6 }) });
    expect(expectOk(await submittedOtp(env))).toEqual({ marked: true });
    expect(await fillOk(env, { attemptedUsername: SAM })).toMatchObject({ code: kc.hotp({ secret: bytes(SAM_RAW), counter: 7 }) });
  });
});

describe('page.fill: when there is no code to give', () => {
  it("locked → 'locked'; no vault → 'no-vault'", async () => {
    expectErr(await fill(boot(), { attemptedUsername: ALEX }), 'no-vault');

    const env = await twoUsers();
    expectOk(await env.send('vault.lock', {}));
    expectErr(await fill(env, { attemptedUsername: ALEX }), 'locked');
    // After an unlock the same request is answered.
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect(await fillOk(env, { attemptedUsername: ALEX })).toMatchObject({ kind: 'wait', accountName: ALEX });
  });

  it('page.otpSubmitted while locked marks nothing', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    expect((await fillOk(env, { attemptedUsername: ALEX })).kind).toBe('fill');
    expectOk(await env.send('vault.lock', {}));
    expect(expectOk(await submittedOtp(env))).toEqual({ marked: false });
  });

  it("a damaged vault → 'corrupt'", async () => {
    const env = boot();
    await env.local.set(KEYS.vault, { format: 'nonsense' });
    expectErr(await fill(env, { attemptedUsername: ALEX }), 'corrupt');
  });

  it("an extension page or a sub-frame → 'forbidden', for page.fill and page.otpSubmitted", async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    expectErr(await fill(env, { attemptedUsername: ALEX }, EXT), 'forbidden');
    expectErr(await fill(env, { attemptedUsername: ALEX }, tab(OTP_TAB.tabId, otpUrl(), 1)), 'forbidden');
    expectErr(await submittedOtp(env, EXT), 'forbidden');
    expectErr(await submittedOtp(env, tab(OTP_TAB.tabId, otpUrl(), 1)), 'forbidden');
    // Nothing was filled for the tab, so nothing is marked; the code is still available.
    expect(expectOk(await submittedOtp(env))).toEqual({ marked: false });
    expect((await fillOk(env, { attemptedUsername: ALEX })).kind).toBe('fill');
  });
});

describe('parseMessage: page.fill and page.otpSubmitted', () => {
  const msg = (over: Record<string, unknown> = {}) => ({ type: 'page.fill', ...fillRequest(), ...over });
  const devices = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `cred-${i}`, label: `Device ${i}` }));

  it('accepts well-formed requests', () => {
    expect(parseMessage(msg())).not.toBeNull();
    expect(parseMessage({ type: 'page.otpSubmitted' })).not.toBeNull();
    expect(
      parseMessage(msg({ attemptedUsername: ALEX, devices: devices(100), chosenAccountId: 'id-1', clockOffsetMs: -300_000, pageError: 'x'.repeat(4096) })),
    ).not.toBeNull();
    expect(parseMessage(msg({ clockOffsetMs: 0 }))).not.toBeNull();
    expect(parseMessage(msg({ devices: [{ id: 'i'.repeat(256), label: 'l'.repeat(256) }] }))).not.toBeNull();
  });

  it.each<[string, Record<string, unknown>]>([
    ['more than 100 devices', { devices: devices(101) }],
    ['a huge device list', { devices: devices(10_000) }],
    ['devices not an array', { devices: { 0: { id: 'a', label: 'b' } } }],
    ['devices missing', { devices: undefined }],
    ['a device without a label', { devices: [{ id: 'a' }] }],
    ['a device id a number', { devices: [{ id: 1, label: 'b' }] }],
    ['a device a string', { devices: ['cred-1'] }],
    ['a huge device label', { devices: [{ id: 'a', label: 'l'.repeat(257) }] }],
    ['a huge device id', { devices: [{ id: 'i'.repeat(257), label: 'b' }] }],
    ['clockOffsetMs NaN', { clockOffsetMs: Number.NaN }],
    ['clockOffsetMs Infinity', { clockOffsetMs: Number.POSITIVE_INFINITY }],
    ['clockOffsetMs -Infinity', { clockOffsetMs: Number.NEGATIVE_INFINITY }],
    ['clockOffsetMs over a year', { clockOffsetMs: 400 * 86_400_000 }],
    ['clockOffsetMs a string', { clockOffsetMs: '300000' }],
    ['clockOffsetMs missing', { clockOffsetMs: undefined }],
    ['a huge attemptedUsername', { attemptedUsername: 'u'.repeat(4097) }],
    ['a megabyte attemptedUsername', { attemptedUsername: 'u'.repeat(1 << 20) }],
    ['attemptedUsername a number', { attemptedUsername: 42 }],
    ['a huge chosenAccountId', { chosenAccountId: 'c'.repeat(4097) }],
    ['a huge pageError', { pageError: 'e'.repeat(4097) }],
    ['pageError an object', { pageError: { text: 'x' } }],
  ])('rejects %s', (_what, over) => {
    expect(parseMessage(msg(over))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// The code asked for before the page is read (lib/keycloak/prefetch.ts): used only when it is exactly the
// page's own answer. Each case asks the real service both ways, in this order (as a page does).

describe('page.fill asked before the page is read (prefetch)', () => {
  type Page = { attemptedUsername: string | null; devices: { id: string; label: string }[]; error: string | null };
  const page = (over: Partial<Page> = {}): Page => ({ attemptedUsername: null, devices: [], error: null, ...over });
  /** The early answer as the page script would use it, and the answer the page itself gets. */
  async function both(env: Env, p: Page, elapsedMs = 0) {
    const early = await env.send('page.fill', PREFETCH_REQUEST, OTP_TAB);
    const own = await fillOk(env, { attemptedUsername: p.attemptedUsername, devices: p.devices, pageError: p.error });
    return { used: fillFromPrefetch(early, p, elapsedMs), own, early };
  }
  const remember = async (env: Env, username: string) => expectOk(await env.send('page.username', { username }, OTP_TAB));

  it('the user typed on the password page and shown on the OTP page: the same code, account and settings', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    await remember(env, ALEX);
    const { used, own } = await both(env, page({ attemptedUsername: 'Alex@Example.com ' }));
    expect(own).toMatchObject({ kind: 'fill', accountId: env.alex });
    expect(used).toEqual(own);
    expectNoSecretIn(used);
    // A page that shows no user name gets the remembered one's, as the background would pick.
    expect((await both(env, page())).used).toEqual((await both(env, page())).own);
  });

  it('another user on the page than the one typed, or nobody remembered among two users: asked again', async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    await remember(env, ALEX);
    const other = await both(env, page({ attemptedUsername: SAM }));
    expect(other.used).toBeNull();
    expect(other.own).toMatchObject({ kind: 'fill', accountId: env.sam });
    const fresh = await twoUsers();
    fresh.clock.now += 30_000;
    const nobody = await both(fresh, page({ attemptedUsername: SAM }));
    expect(nobody.early).toMatchObject({ ok: true, value: { kind: 'choose' } });
    expect(nobody.used).toBeNull();
  });

  it("the page's device list: ours is selected as the page's own request would; a list without ours asks again", async () => {
    const env = await twoUsers();
    env.clock.now += 30_000;
    await remember(env, ALEX);
    const listed = [{ id: 'cred-phone', label: 'Phone' }, { id: 'cred-ours', label: DEFAULT_NAME }];
    const withOurs = await both(env, page({ attemptedUsername: ALEX, devices: listed }));
    expect(withOurs.own).toMatchObject({ kind: 'fill', deviceId: 'cred-ours' });
    expect(withOurs.used).toEqual(withOurs.own);
    const without = await both(env, page({ attemptedUsername: ALEX, devices: [listed[0]!] }));
    expect(without.own).toEqual({ kind: 'none', reason: 'device-not-listed' });
    expect(without.used).toBeNull();
  });

  it('a re-enrolled user: the newest account when Keycloak lists it, else asked again (the page picks the older)', async () => {
    const env = boot();
    expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    expectOk(await env.send('settings.update', { settings: { deviceName: 'Old laptop' } }));
    const old = await enrollAccount(env, 7, evidence(SAM, SAM_RAW));
    env.clock.now += 1_000;
    expectOk(await env.send('settings.update', { settings: { deviceName: 'New laptop' } }));
    const newer = await enrollAccount(env, 8, evidence(SAM, ALEX_RAW));
    env.clock.now += 30_000;
    await remember(env, SAM);
    const both1 = await both(env, page({ attemptedUsername: SAM, devices: [{ id: 'o', label: 'Old laptop' }, { id: 'n', label: 'New laptop' }] }));
    expect(both1.own).toMatchObject({ accountId: newer, deviceId: 'n' });
    expect(both1.used).toEqual(both1.own);
    const onlyOld = await both(env, page({ attemptedUsername: SAM, devices: [{ id: 'o', label: 'Old laptop' }] }));
    expect(onlyOld.own).toMatchObject({ accountId: old, deviceId: 'o' });
    expect(onlyOld.used).toBeNull();
  });

  it("Keycloak's error on the page: never submitted by itself, as the page's own answer says", async () => {
    const env = await twoUsers();
    expectOk(await env.send('settings.update', { settings: { autoSubmit: true } }));
    env.clock.now += 30_000;
    await remember(env, ALEX);
    const clean = await both(env, page({ attemptedUsername: ALEX }));
    expect(clean.used).toMatchObject({ autoSubmit: true });
    const refused = await both(env, page({ attemptedUsername: ALEX, error: 'Invalid authenticator code.' }));
    expect(refused.own).toMatchObject({ kind: 'fill', autoSubmit: false });
    expect(refused.used).toEqual(refused.own);
  });

  it('a code to wait for, a locked vault, or an answer older than its step: asked again', async () => {
    const env = await twoUsers();
    await remember(env, ALEX);
    const wait = await both(env, page({ attemptedUsername: ALEX })); // the setup step is used
    expect(wait.own).toMatchObject({ kind: 'wait' });
    expect(wait.used).toBeNull();
    env.clock.now += 30_000; // 10 s into the next step: 20 s left
    const early = await env.send('page.fill', PREFETCH_REQUEST, OTP_TAB);
    expect(fillFromPrefetch(early, page({ attemptedUsername: ALEX }), 5_000)).toMatchObject({ validForMs: 15_000 });
    expect(fillFromPrefetch(early, page({ attemptedUsername: ALEX }), 20_000)).toBeNull();
    expectOk(await env.send('vault.lock', {}));
    const locked = await env.send('page.fill', PREFETCH_REQUEST, OTP_TAB);
    expectErr(locked, 'locked');
    expect(fillFromPrefetch(locked, page({ attemptedUsername: ALEX }), 0)).toBeNull();
  });
});
