/**
 * The background's page flow, driven with in-memory fakes: a content script on Keycloak's setup
 * page sends its evidence (page.enroll), the form is submitted (page.submitted), and the next
 * page settles it (page.seen, or onTabLoaded for a page without our content script). The account
 * is in the vault from the fill on, unconfirmed, and removed only on proof that Keycloak does not
 * have it (tests/unit/service/enrollment.test.ts follows every transition); nothing secret
 * is ever stored in plaintext.
 */
import { FakePlatforms } from './memory-platforms';
import { describe, expect, it, vi } from 'vitest';
import { createVaultService, type VaultService } from '../../../lib/service/service';
import { KEYS } from '../../../lib/service/ports';
import { MAX_QR_IMAGE_CHARS, type PageEvidence } from '../../../lib/protocol/page';
import { parseMessage } from '../../../lib/protocol/validation';
import type { AppErrorCode } from '../../../lib/protocol/errors';
import type { Caller } from '../../../lib/protocol/access';
import type { Message, MessageType, Protocol, Reply } from '../../../lib/protocol/messages';
import type { ManualInfo } from '../../../lib/keycloak/setup-check';
import * as kc from '../../simulator/keycloak.mjs';
import { MemoryArea, FakeAlarms } from './memory-ports';
import { fakeQrImage, fakeReadQr, UNREADABLE_QR } from './text-qr';

// ---------------------------------------------------------------------------------------------
// Data

const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const DEFAULT_NAME = 'ThingPark Autofill · Test on Linux';

const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';
const SETUP_URL = `${ORIGIN}/auth/realms/${REALM}/login-actions/required-action?execution=CONFIGURE_TOTP`;
const LOGIN_URL = `${ORIGIN}/auth/realms/${REALM}/login-actions/authenticate`;
const APP_URL = `${ORIGIN}/tpe/`;

// Keycloak's example (thingpark-login.md).
const RAW = 'Aq3kP9vLm2Rt7Wc1Bn5d';
const B32 = 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE';
const URI =
  'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30';
// A second user's secret.
const RAW2 = 'Zr8TqW2mXn4Lp6Ks1Vb9';
const B32_2 = 'LJZDQVDRK4ZG2WDOGRGHANSLOMYVMYRZ';
const URI2 = kc.buildKeyUri({ policy: kc.DEFAULT_POLICY, issuer: 'ThingPark Enterprise', account: 'bob@example.com', rawSecret: RAW2 });

const SECRETS = [RAW, B32, RAW2, B32_2, kc.formatSecretForDisplay(RAW), kc.formatSecretForDisplay(RAW2)];

const EXT: Caller = { kind: 'extension-page' };
type ContentCaller = Extract<Caller, { kind: 'content-script' }>;
const tab = (tabId = 7, url = SETUP_URL, frameId = 0): ContentCaller => ({ kind: 'content-script', tabId, frameId, url });
const TAB = tab();

function evidence(over: Partial<PageEvidence> = {}): PageEvidence {
  return { qrImage: fakeQrImage(URI), hiddenSecret: RAW, manual: null, keycloakError: null, ...over };
}

const MANUAL: ManualInfo = {
  key: 'IFYT G22Q HF3E Y3JS KJ2D OV3D GFBG 4NLE',
  type: 'Type: Time-based',
  algorithm: 'Algorithm: SHA1',
  digits: 'Digits: 6',
  period: 'Interval: 30',
  counter: null,
};

// ---------------------------------------------------------------------------------------------
// Helpers

interface Env {
  local: MemoryArea;
  session: MemoryArea;
  svc: VaultService;
  clock: { now: number };
  loadQrReader: ReturnType<typeof vi.fn>;
  readQr: ReturnType<typeof vi.fn>;
  showPage: ReturnType<typeof vi.fn>;
  send<K extends MessageType>(type: K, payload: Protocol[K]['req'], caller?: Caller): Promise<Reply<K>>;
}

let ids = 0;

function boot(): Env {
  const local = new MemoryArea();
  const session = new MemoryArea();
  const clock = { now: 1_700_000_020_000 };
  const loadQrReader = vi.fn(async (_tabId: number, _frameId: number) => undefined);
  const readQr = vi.fn(fakeReadQr);
  const showPage = vi.fn((_tabId: number, _mark: string) => undefined);
  const svc = createVaultService({
    showPage,
    local,
    session,
    alarms: new FakeAlarms(),
    bootId: 'boot',
    kdf: KDF,
    platforms: new FakePlatforms(),
    defaultDeviceName: async () => DEFAULT_NAME,
    loadQrReader,
    readQr,
    fillTab: async () => true,
    now: () => clock.now,
    newId: () => `id-${++ids}`,
  });
  const send = <K extends MessageType>(type: K, payload: Protocol[K]['req'], caller: Caller = EXT) =>
    svc.handle({ type, ...payload } as unknown as Message<K>, caller);
  return { local, session, svc, clock, loadQrReader, readQr, showPage, send };
}

async function unlocked(): Promise<Env> {
  const env = boot();
  expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
  return env;
}

function expectOk<T>(reply: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}

function expectErr(reply: unknown, code: AppErrorCode): void {
  expect(reply).toMatchObject({ ok: false, error: { code } });
  expect(reply).not.toHaveProperty('value');
}

const enroll = (env: Env, caller: Caller = TAB, ev: PageEvidence = evidence()) => env.send('page.enroll', { evidence: ev }, caller);
const submitted = (env: Env, caller: Caller = TAB) => env.send('page.submitted', {}, caller);
const seen = (env: Env, kind: Protocol['page.seen']['req']['kind'] = 'none', caller: Caller = tab(TAB.tabId, APP_URL), setupError: string | null = null) =>
  env.send('page.seen', { kind, setupError }, caller);
const list = async (env: Env) => expectOk(await env.send('accounts.list', {}));

function expectNoSecretIn(area: MemoryArea): void {
  const text = JSON.stringify(area.snapshot());
  for (const s of SECRETS) expect(text).not.toContain(s);
}

// ---------------------------------------------------------------------------------------------

describe('page.enroll', () => {
  it("answers 'locked' while locked, and when there is no vault at all", async () => {
    expectErr(await enroll(boot()), 'locked');
    const env = await unlocked();
    expectOk(await env.send('vault.lock', {}));
    expectErr(await enroll(env), 'locked');
    expect(env.session.map.has(KEYS.tabs)).toBe(false);
    // Nothing is decoded for a vault that cannot use it.
    expect(env.readQr).not.toHaveBeenCalled();
  });

  it('reads the QR image in the background, once per request; a page without one (manual mode) costs no reading', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expect(env.readQr).toHaveBeenCalledTimes(1);
    expect(env.readQr).toHaveBeenCalledWith(fakeQrImage(URI));
    // (Manual mode shows no user name: refused for that, after no reading.)
    expectErr(await enroll(env, TAB, evidence({ qrImage: null, manual: MANUAL })), 'no-account-name');
    expect(env.readQr).toHaveBeenCalledTimes(1);
    // An image whose source the page could not send ('') is an unreadable QR code, not none.
    expectErr(await enroll(env, TAB, evidence({ qrImage: '' })), 'qr-unreadable');
    expect(env.readQr).toHaveBeenCalledTimes(1);
  });

  it('offers the code, default device name and no auto-submit; the account is written ahead, sealed and unconfirmed', async () => {
    const env = await unlocked();
    const envelope = env.local.snapshot()[KEYS.vault];
    const offer = expectOk(await enroll(env));
    expect(offer.code).toMatch(/^\d{6}$/);
    expect(offer.code).toBe(kc.totp({ secret: new TextEncoder().encode(RAW), nowMs: env.clock.now }));
    expect(offer.deviceName).toBe(DEFAULT_NAME);
    expect(offer.issuer).toBe('ThingPark Enterprise');
    expect(offer.accountName).toBe('jane.doe@example.com');
    expect(offer.autoSubmit).toBe(false);
    expect(offer.refreshInMs).not.toBeNull();
    expect(offer.refreshInMs!).toBeGreaterThanOrEqual(1);
    expect(offer.refreshInMs!).toBeLessThanOrEqual(30_000);
    // 10 s into the step: 20 s left.
    expect(offer.refreshInMs).toBe(20_000);

    expect(await list(env)).toMatchObject([
      { accountName: 'jane.doe@example.com', deviceName: DEFAULT_NAME, unconfirmed: { filledAt: env.clock.now, submittedAt: null } },
    ]);
    // Written without the page waiting for it: on disk (sealed) a moment later.
    await vi.waitFor(() => expect(env.local.snapshot()[KEYS.vault]).not.toEqual(envelope));
    expectNoSecretIn(env.local);
    // The simulated Keycloak accepts what we fill.
    const r = kc.validateSetup({
      code: offer.code, postedSecret: RAW, issuedSecret: RAW, userLabel: offer.deviceName,
      existingDevices: [], policy: kc.DEFAULT_POLICY, nowMs: env.clock.now, newId: 'd',
    });
    expect(r.ok).toBe(true);
  });

  it("follows the platform's clock: a measured offset gives the code of its time (Keycloak's check), is remembered for the origin, and is ignored within the Date header's noise", async () => {
    const env = await unlocked();
    const AHEAD = 5 * 60_000; // the platform is five minutes ahead of this computer
    const secret = new TextEncoder().encode(RAW);
    const setupOk = (code: string, nowMs: number) =>
      kc.validateSetup({ code, postedSecret: RAW, issuedSecret: RAW, userLabel: 'x', existingDevices: [], policy: kc.DEFAULT_POLICY, nowMs, newId: 'd' }).ok;

    // Before any measurement: our clock, which the platform refuses.
    const guessed = expectOk(await enroll(env));
    expect(guessed.code).toBe(kc.totp({ secret, nowMs: env.clock.now }));
    expect(setupOk(guessed.code, env.clock.now + AHEAD)).toBe(false);
    expect(guessed.clockOffsetMs).toBe(0);

    // Measured: the platform's time; the refresh follows its steps (10 s into ours, 10 s into its).
    const measured = expectOk(await env.send('page.enroll', { evidence: evidence(), clockOffsetMs: AHEAD + 10_000 }, TAB));
    expect(measured.code).toBe(kc.totp({ secret, nowMs: env.clock.now + AHEAD + 10_000 }));
    expect(setupOk(measured.code, env.clock.now + AHEAD + 10_000)).toBe(true);
    expect(measured.refreshInMs).toBe(10_000);
    expect(measured.clockOffsetMs).toBe(AHEAD + 10_000);

    // The next setup page starts from our clock again until it has measured (and says so).
    expect(expectOk(await enroll(env))).toMatchObject({ code: guessed.code, clockOffsetMs: 0 });
    // The stored account counts the setup code's step by the platform's clock; it was added now.
    expectOk(await submitted(env));
    await env.svc.onTabNavigating(TAB.tabId, env.clock.now + 1_000);
    await env.svc.onTabLoaded(TAB.tabId, env.clock.now + 5_000);
    const [saved] = await list(env);
    expect(saved!.addedAt).toBe(env.clock.now);
    expect(saved!.unconfirmed).toBeNull();
    // The platform's login pages get the remembered offset at once.
    const fill = expectOk(await env.send('page.fill', { attemptedUsername: null, devices: [], chosenAccountId: null, clockOffsetMs: null, pageError: null }, tab(8, LOGIN_URL)));
    expect(fill).toMatchObject({ clockOffsetMs: AHEAD + 10_000 });

    // Within the header's noise (a second): our own clock.
    const near = expectOk(await env.send('page.enroll', { evidence: evidence(), clockOffsetMs: 1_000 }, tab(8, SETUP_URL)));
    expect(near).toMatchObject({ code: kc.totp({ secret, nowMs: env.clock.now }), clockOffsetMs: 0 });
  });

  it('the message check takes a plausible clock offset or none, and nothing else', () => {
    const message = (clockOffsetMs?: unknown) => ({ type: 'page.enroll', evidence: evidence(), ...(clockOffsetMs === undefined ? {} : { clockOffsetMs }) });
    for (const good of [undefined, null, 0, -90_000, 5 * 60_000]) expect(parseMessage(message(good)), String(good)).not.toBeNull();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 400 * 86_400_000, '5', {}]) expect(parseMessage(message(bad)), String(bad)).toBeNull();
  });

  it('uses the deviceName setting when set', async () => {
    const env = await unlocked();
    expectOk(await env.send('settings.update', { settings: { deviceName: 'Work laptop' } }));
    expect(expectOk(await enroll(env)).deviceName).toBe('Work laptop');
  });

  it('auto-submits when the setting says so, but never on a page that shows a Keycloak error', async () => {
    const env = await unlocked();
    expectOk(await env.send('settings.update', { settings: { autoSubmit: true } }));
    expect(expectOk(await enroll(env)).autoSubmit).toBe(true);
    expect(expectOk(await enroll(env, TAB, evidence({ keycloakError: { code: 'Invalid authenticator code.', label: null } }))).autoSubmit).toBe(false);
    expect(
      expectOk(await enroll(env, TAB, evidence({ keycloakError: { code: null, label: 'Device already exists with the same name' } }))).autoSubmit,
    ).toBe(false);
    expect(expectOk(await enroll(env, TAB, evidence({ keycloakError: { code: null, label: null } }))).autoSubmit).toBe(true);
  });

  it('passes cross-check refusals through and keeps no pending', async () => {
    const env = await unlocked();
    expectErr(await enroll(env, TAB, evidence({ hiddenSecret: RAW2 })), 'secret-mismatch');
    expectErr(await enroll(env, TAB, evidence({ qrImage: UNREADABLE_QR })), 'qr-unreadable');
    expectErr(await enroll(env, TAB, evidence({ hiddenSecret: null })), 'no-secret');
    // A refused enrollment leaves nothing pending.
    expect(expectOk(await submitted(env))).toEqual({ pending: false });
  });

  it("a URL without a realm → 'not-keycloak'", async () => {
    const env = await unlocked();
    expectErr(await enroll(env, tab(7, `${ORIGIN}/tpe/`)), 'not-keycloak');
    expectErr(await enroll(env, tab(7, 'not a url')), 'not-keycloak');
    expect(expectOk(await submitted(env))).toEqual({ pending: false });
  });
});

describe('settling a submitted enrollment', () => {
  it('page.seen (none) after page.submitted saves it: listed with origin and realm, envelope rewritten, no plaintext', async () => {
    const env = await unlocked();
    const before = env.local.snapshot()[KEYS.vault];
    const offer = expectOk(await enroll(env));
    expect(expectOk(await submitted(env))).toEqual({ pending: true });
    const r = expectOk(await seen(env));
    expect(r).toEqual({
      saved: { issuer: 'ThingPark Enterprise', accountName: 'jane.doe@example.com', deviceName: offer.deviceName },
      refused: false,
    });
    const accounts = await list(env);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({
      issuer: 'ThingPark Enterprise',
      accountName: 'jane.doe@example.com',
      origin: ORIGIN,
      realm: REALM,
      deviceName: DEFAULT_NAME,
      kind: 'totp',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      addedAt: env.clock.now,
    });
    expect(accounts[0]).not.toHaveProperty('secret');
    expect(env.local.snapshot()[KEYS.vault]).not.toEqual(before);
    expectNoSecretIn(env.local);
    // The pending (with its secret) is gone from storage.session too.
    expectNoSecretIn(env.session);
    // Settled once: a second page.seen saves nothing more.
    expect(expectOk(await seen(env))).toEqual({ saved: null, refused: false });
    expect(await list(env)).toHaveLength(1);
  });

  it('survives a lock/unlock round trip once saved', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await submitted(env));
    expectOk(await seen(env));
    expectOk(await env.send('vault.lock', {}));
    expect(expectOk(await env.send('vault.unlock', { passphrase: PASS })).accounts).toBe(1);
  });

  it('page.seen without a prior page.submitted confirms nothing and removes nothing', async () => {
    const env = await unlocked();
    expect(expectOk(await seen(env))).toEqual({ saved: null, refused: false });
    expectOk(await enroll(env));
    expect(expectOk(await seen(env))).toEqual({ saved: null, refused: false });
    expect(expectOk(await seen(env, 'setup', TAB, 'Invalid authenticator code.'))).toEqual({ saved: null, refused: false });
    expect(await list(env)).toMatchObject([{ accountName: 'jane.doe@example.com', unconfirmed: { submittedAt: null } }]);
  });

  it("the submitting page's own report, sent before its submit and delivered after it (the background restarted): settles nothing", async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    const sentAt = env.clock.now;
    env.clock.now += 400;
    expectOk(await submitted(env));
    const late = { kind: 'setup' as const, setupError: null, sentAt };
    expect(expectOk(await env.send('page.seen', late, TAB))).toEqual({ saved: null, refused: false });
    // Keycloak's answer, the application page, saves the account as usual.
    env.clock.now += 800;
    expect(expectOk(await env.send('page.seen', { kind: 'none', setupError: null, sentAt: env.clock.now }, tab(TAB.tabId, APP_URL))).saved).not.toBeNull();
    expect(await list(env)).toMatchObject([{ accountName: 'jane.doe@example.com', unconfirmed: null }]);
    // A setup page with Keycloak's error sent after the submit is an answer: it removes.
    expectOk(await enroll(env, tab(5, SETUP_URL), evidence({ qrImage: fakeQrImage(URI2), hiddenSecret: RAW2 })));
    expectOk(await submitted(env, tab(5, SETUP_URL)));
    env.clock.now += 500;
    const refusal = { kind: 'setup' as const, setupError: 'Invalid authenticator code.', sentAt: env.clock.now };
    expect(expectOk(await env.send('page.seen', refusal, tab(5, SETUP_URL)))).toEqual({ saved: null, refused: true });
    expect((await list(env)).map((a) => a.accountName)).toEqual(['jane.doe@example.com']);
    expect(parseMessage({ type: 'page.seen', kind: 'none', setupError: null, sentAt: 'x' })).toBeNull();
  });

  it('the setup page again with an error: refused, nothing saved, and the next enrollment avoids that name', async () => {
    const env = await unlocked();
    const first = expectOk(await enroll(env));
    expectOk(await submitted(env));
    const r = expectOk(await seen(env, 'setup', TAB, kc.MESSAGES.DUPLICATE_DEVICE_NAME));
    expect(r).toEqual({ saved: null, refused: true });
    expect(await list(env)).toEqual([]);
    expectNoSecretIn(env.session);
    // The dropped pending cannot be committed later either.
    await env.svc.onTabLoaded(TAB.tabId, env.clock.now + 5_000);
    expect(await list(env)).toEqual([]);

    const second = expectOk(await enroll(env));
    expect(second.deviceName).not.toBe(first.deviceName);
    expect(second.deviceName).toBe(`${DEFAULT_NAME} (2)`);
    // Another tab did not see that refusal.
    expect(expectOk(await enroll(env, tab(8))).deviceName).toBe(DEFAULT_NAME);
  });

  it('the setup page enrolling again before its report arrives: page.enroll settles the refusal itself', async () => {
    const env = await unlocked();
    const first = expectOk(await enroll(env));
    expectOk(await submitted(env));
    // Keycloak showed the setup page again with its error; the page's enroll comes first.
    const again = expectOk(await enroll(env, TAB, evidence({ keycloakError: { code: null, label: kc.MESSAGES.DUPLICATE_DEVICE_NAME } })));
    expect(again.deviceName).toBe(`${DEFAULT_NAME} (2)`);
    expect(again.deviceName).not.toBe(first.deviceName);
    // The report, arriving after: nothing left to settle. The refused account went; the new
    // fill is the one kept, unconfirmed and not yet submitted.
    expect(expectOk(await seen(env, 'setup', TAB, kc.MESSAGES.DUPLICATE_DEVICE_NAME))).toEqual({ saved: null, refused: false });
    await env.svc.onTabLoaded(TAB.tabId, env.clock.now + 5_000);
    expect(await list(env)).toMatchObject([{ deviceName: `${DEFAULT_NAME} (2)`, unconfirmed: { submittedAt: null } }]);
  });

  it('the setup page again without an error after the submit: no proof either way, kept unconfirmed; the next fill takes another name', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await submitted(env));
    expect(expectOk(await seen(env, 'setup', TAB, null))).toEqual({ saved: null, refused: false });
    expect(await list(env)).toMatchObject([{ deviceName: DEFAULT_NAME, unconfirmed: { submittedAt: env.clock.now } }]);
    expect(expectOk(await enroll(env)).deviceName).toBe(`${DEFAULT_NAME} (2)`);
    expect(await list(env)).toHaveLength(2);
  });

  it('a later enrollment of the same user avoids the device name already saved', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await submitted(env));
    expectOk(await seen(env));
    expect(expectOk(await enroll(env)).deviceName).toBe(`${DEFAULT_NAME} (2)`);
    // Another user on the same platform starts from the base name.
    expect(expectOk(await enroll(env, tab(9), evidence({ qrImage: fakeQrImage(URI2), hiddenSecret: RAW2 }))).deviceName).toBe(DEFAULT_NAME);
  });

  it('the login page after a submit (Keycloak restarted the login) is neither an acceptance nor a refusal: kept, unconfirmed', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await submitted(env));
    // e.g. "Your login attempt timed out. Login will start from the beginning."
    const r = expectOk(await seen(env, 'login', tab(TAB.tabId, LOGIN_URL)));
    expect(r).toEqual({ saved: null, refused: false });
    await env.svc.onTabNavigating(TAB.tabId, env.clock.now + 1_000);
    await env.svc.onTabLoaded(TAB.tabId, env.clock.now + 5_000);
    expect(await list(env)).toMatchObject([{ accountName: 'jane.doe@example.com', unconfirmed: { submittedAt: env.clock.now } }]);
    expectNoSecretIn(env.session);
    // Its name is this user's: the next try takes another one.
    expect(expectOk(await enroll(env)).deviceName).toBe(`${DEFAULT_NAME} (2)`);
  });

  it('page.seen from another origin confirms nothing and removes nothing', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await submitted(env));
    expect(expectOk(await seen(env, 'none', tab(TAB.tabId, 'https://evil.example/auth/realms/x/')))).toEqual({ saved: null, refused: false });
    expect(expectOk(await seen(env, 'setup', tab(TAB.tabId, 'https://evil.example/'), 'x'))).toEqual({ saved: null, refused: false });
    expect(await list(env)).toMatchObject([{ unconfirmed: { submittedAt: env.clock.now } }]);
  });

  it('page.seen from a sender URL that does not parse saves nothing and answers a value, not internal', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await submitted(env));
    for (const url of ['', 'not a url', 'https://']) {
      expect(await seen(env, 'none', tab(TAB.tabId, url))).toEqual({ ok: true, value: { saved: null, refused: false } });
    }
    expect(await list(env)).toMatchObject([{ unconfirmed: { submittedAt: env.clock.now } }]);
    // Still pending: the real next page settles it.
    expect(expectOk(await seen(env, 'none', tab(TAB.tabId, APP_URL))).saved).not.toBeNull();
  });

  it('page.seen from another tab saves nothing', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await submitted(env));
    expect(expectOk(await seen(env, 'none', tab(8, APP_URL)))).toEqual({ saved: null, refused: false });
    expect(await list(env)).toMatchObject([{ unconfirmed: { submittedAt: env.clock.now } }]);
  });
});

describe('onTabNavigating, onTabLoaded and onTabRemoved', () => {
  it("a page whose loading began after the submit confirms it; one loaded before, in another tab, or Keycloak's own does not", async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    env.clock.now += 2_000;
    const submittedAt = env.clock.now;
    expectOk(await submitted(env));
    const unconfirmed = async () => (await list(env))[0]!.unconfirmed;
    await env.svc.onTabLoaded(TAB.tabId, submittedAt - 500);
    await env.svc.onTabLoaded(TAB.tabId, submittedAt + 1_000); // no navigation since the submit: the setup page's own load
    expect(await unconfirmed()).not.toBeNull();
    await env.svc.onTabNavigating(TAB.tabId, submittedAt + 100);
    await env.svc.onTabLoaded(8, submittedAt + 1_000); // another tab
    await env.svc.onTabLoaded(TAB.tabId, submittedAt + 1_000, SETUP_URL); // Keycloak's page: its script reports it
    await env.svc.onTabLoaded(TAB.tabId, submittedAt + 1_000, `${ORIGIN}/realms/${REALM}/protocol/openid-connect/auth?x=1`);
    expect(await unconfirmed()).not.toBeNull();
    await env.svc.onTabLoaded(TAB.tabId, submittedAt + 1_000, 'https://app.example.net/home');
    const accounts = await list(env);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ accountName: 'jane.doe@example.com', origin: ORIGIN, realm: REALM, unconfirmed: null });
    expectNoSecretIn(env.local);
  });

  it('a filled but never submitted enrollment is not confirmed by a page load', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    await env.svc.onTabNavigating(TAB.tabId, env.clock.now + 1_000);
    await env.svc.onTabLoaded(TAB.tabId, env.clock.now + 10_000);
    expect(await list(env)).toMatchObject([{ unconfirmed: { submittedAt: null } }]);
  });

  it('onTabRemoved: after the submit the account stays (unconfirmed); filled and never submitted nor left, it goes, secret and all', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await submitted(env));
    await env.svc.onTabRemoved(TAB.tabId);
    expectNoSecretIn(env.session);
    expect(expectOk(await seen(env))).toEqual({ saved: null, refused: false });
    expect(await list(env)).toMatchObject([{ accountName: 'jane.doe@example.com', unconfirmed: { submittedAt: env.clock.now } }]);

    expectOk(await enroll(env, tab(8), evidence({ qrImage: fakeQrImage(URI2), hiddenSecret: RAW2 })));
    expect(await list(env)).toHaveLength(2);
    await env.svc.onTabRemoved(8);
    expect((await list(env)).map((a) => a.accountName)).toEqual(['jane.doe@example.com']);
    expectNoSecretIn(env.session);
    await env.svc.onTabRemoved(12345); // unknown tab: no-op
  });

  it('onTabRemoved after the tab left the filled page without a submit we know of: kept (a page script may have submitted it)', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    await env.svc.onTabNavigating(TAB.tabId, env.clock.now + 1);
    await env.svc.onTabRemoved(TAB.tabId);
    expect(await list(env)).toMatchObject([{ unconfirmed: { submittedAt: null } }]);
  });

  it('onTabRemoved leaves other tabs followed', async () => {
    const env = await unlocked();
    expectOk(await enroll(env, tab(7)));
    expectOk(await enroll(env, tab(8), evidence({ qrImage: fakeQrImage(URI2), hiddenSecret: RAW2 })));
    expectOk(await submitted(env, tab(7)));
    expectOk(await submitted(env, tab(8)));
    await env.svc.onTabRemoved(7);
    expect(expectOk(await seen(env, 'none', tab(8, APP_URL))).saved?.accountName).toBe('bob@example.com');
    expect((await list(env)).map((a) => [a.accountName, a.unconfirmed === null])).toEqual([
      ['bob@example.com', true],
      ['jane.doe@example.com', false],
    ]);
  });
});

describe('lock', () => {
  it('between the submit and the answer: the account stays; the next page says it is kept; the unlock confirms it', async () => {
    const env = await unlocked();
    const offer = expectOk(await enroll(env));
    expectOk(await submitted(env));
    expectOk(await env.send('vault.lock', {}));
    expectNoSecretIn(env.session);
    expectOk(await env.send('vault.lock', {})); // locking again changes nothing
    // Keycloak moved on (it accepted the code): ThingPark has the authenticator, and so do we.
    expect(expectOk(await seen(env))).toEqual({ saved: null, refused: false, kept: { issuer: offer.issuer, accountName: offer.accountName } });
    expect(expectOk(await seen(env))).toEqual({ saved: null, refused: false });
    expectNoSecretIn(env.session);
    expect(expectOk(await env.send('vault.unlock', { passphrase: PASS })).accounts).toBe(1);
    expect(await list(env)).toMatchObject([{ accountName: 'jane.doe@example.com', unconfirmed: null }]);
  });

  it('locked: another origin settles nothing; the setup page again without an error keeps it; with an error it goes at the unlock', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await submitted(env));
    expectOk(await env.send('vault.lock', {}));
    expect(expectOk(await seen(env, 'none', tab(TAB.tabId, 'https://evil.example/auth/realms/x/')))).toEqual({ saved: null, refused: false });
    expect(expectOk(await seen(env, 'setup', TAB, null))).toEqual({ saved: null, refused: false });
    expect(expectOk(await seen(env))).toEqual({ saved: null, refused: false });
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect(await list(env)).toMatchObject([{ unconfirmed: { submittedAt: env.clock.now } }]);

    expectOk(await enroll(env, tab(8), evidence({ qrImage: fakeQrImage(URI2), hiddenSecret: RAW2 })));
    expectOk(await submitted(env, tab(8)));
    expectOk(await env.send('vault.lock', {}));
    expect(expectOk(await seen(env, 'setup', tab(8), 'Invalid authenticator code.'))).toEqual({ saved: null, refused: true });
    expect(expectOk(await env.send('vault.unlock', { passphrase: PASS })).accounts).toBe(1);
    expect((await list(env)).map((a) => a.accountName)).toEqual(['jane.doe@example.com']);
  });

  it('filled, not submitted, then locked: kept; a submit while locked is remembered and the next page confirms it at the unlock', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await env.send('vault.lock', {}));
    expect(expectOk(await seen(env))).toEqual({ saved: null, refused: false });
    env.clock.now += 1_000;
    expect(expectOk(await submitted(env))).toEqual({ pending: true });
    env.clock.now += 1_000;
    expect(expectOk(await seen(env)).kept).toEqual({ issuer: 'ThingPark Enterprise', accountName: 'jane.doe@example.com' });
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect(await list(env)).toMatchObject([{ unconfirmed: null }]);
  });

  it('the auto-lock alarm keeps them too', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expectOk(await submitted(env));
    await env.svc.onAlarm('auto-lock');
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect(expectOk(await seen(env)).saved).toMatchObject({ accountName: 'jane.doe@example.com' });
    expect(await list(env)).toMatchObject([{ accountName: 'jane.doe@example.com', unconfirmed: null }]);
  });
});

describe('who may ask', () => {
  it("a sub-frame (frameId 1) is 'forbidden' for every page message", async () => {
    const env = await unlocked();
    const sub = tab(7, SETUP_URL, 1);
    expectErr(await enroll(env, sub), 'forbidden');
    expectErr(await env.send('page.submitted', {}, sub), 'forbidden');
    expectErr(await env.send('page.seen', { kind: 'none', setupError: null }, sub), 'forbidden');
    expectErr(await env.send('page.username', { username: 'x' }, sub), 'forbidden');
    expectErr(await env.send('page.loadQrReader', {}, sub), 'forbidden');
    expectErr(await env.send('vault.status', {}, sub), 'forbidden');
    expect(env.loadQrReader).not.toHaveBeenCalled();
    expect(env.session.map.has(KEYS.tabs)).toBe(false);
  });

  it("an extension page sending page.* is 'forbidden'", async () => {
    const env = await unlocked();
    expectErr(await enroll(env, EXT), 'forbidden');
    expectErr(await env.send('page.submitted', {}, EXT), 'forbidden');
    expectErr(await env.send('page.seen', { kind: 'none', setupError: null }, EXT), 'forbidden');
    expectErr(await env.send('page.username', { username: 'x' }, EXT), 'forbidden');
    expectErr(await env.send('page.loadQrReader', {}, EXT), 'forbidden');
    expect(env.loadQrReader).not.toHaveBeenCalled();
  });

  it("a content script sending vault.unlock or accounts.list is 'forbidden'", async () => {
    const env = await unlocked();
    expectErr(await env.send('accounts.list', {}, TAB), 'forbidden');
    expectOk(await env.send('vault.lock', {}));
    expectErr(await env.send('vault.unlock', { passphrase: PASS }, TAB), 'forbidden');
    expect((expectOk(await env.send('vault.status', {}, TAB))).state).toBe('locked');
  });
});

describe('page.loadQrReader', () => {
  it('calls the injected loader only for realm URLs, with the caller tab and frame', async () => {
    const env = await unlocked();
    expectErr(await env.send('page.loadQrReader', {}, tab(7, `${ORIGIN}/tpe/`)), 'not-keycloak');
    expect(env.loadQrReader).not.toHaveBeenCalled();
    expect(expectOk(await env.send('page.loadQrReader', {}, tab(7, SETUP_URL)))).toEqual({ loaded: true });
    expect(env.loadQrReader).toHaveBeenCalledTimes(1);
    expect(env.loadQrReader).toHaveBeenCalledWith(7, 0);
    // Newer Keycloak without /auth.
    expectOk(await env.send('page.loadQrReader', {}, tab(9, `${ORIGIN}/realms/${REALM}/login-actions/required-action`)));
    expect(env.loadQrReader).toHaveBeenLastCalledWith(9, 0);
  });
});

describe('manual mode and page.username', () => {
  it('the user name typed on the login page names a manual-mode enrollment', async () => {
    const env = await unlocked();
    expect(expectOk(await env.send('page.username', { username: '  jane.doe@example.com ' }, tab(7, LOGIN_URL)))).toEqual({ remembered: true });
    const offer = expectOk(await enroll(env, TAB, evidence({ qrImage: null, manual: MANUAL })));
    expect(offer.accountName).toBe('jane.doe@example.com');
    expect(offer.issuer).toBe(REALM);
    expect(offer.code).toBe(kc.totp({ secret: new TextEncoder().encode(RAW), nowMs: env.clock.now }));
    expectOk(await submitted(env));
    expect(expectOk(await seen(env)).saved).toEqual({ issuer: REALM, accountName: 'jane.doe@example.com', deviceName: DEFAULT_NAME });
    expect(await list(env)).toMatchObject([{ accountName: 'jane.doe@example.com', issuer: REALM, origin: ORIGIN, realm: REALM }]);
  });

  it("without a remembered user name (or in another tab) manual mode → 'no-account-name'", async () => {
    const env = await unlocked();
    expectErr(await enroll(env, TAB, evidence({ qrImage: null, manual: MANUAL })), 'no-account-name');
    expectOk(await env.send('page.username', { username: 'jane' }, tab(8, LOGIN_URL)));
    expectErr(await enroll(env, TAB, evidence({ qrImage: null, manual: MANUAL })), 'no-account-name');
    expectOk(await env.send('page.username', { username: '   ' }, TAB));
    expectErr(await enroll(env, TAB, evidence({ qrImage: null, manual: MANUAL })), 'no-account-name');
  });

  it('a manual key that disagrees with the hidden secret is refused', async () => {
    const env = await unlocked();
    expectOk(await env.send('page.username', { username: 'jane' }, TAB));
    expectErr(await enroll(env, TAB, evidence({ qrImage: null, manual: MANUAL, hiddenSecret: RAW2 })), 'secret-mismatch');
  });
});

describe('two tabs', () => {
  it('enrolling concurrently: both written ahead, both confirmed by their page.seen', async () => {
    const env = await unlocked();
    const t1 = tab(7);
    const t2 = tab(8);
    const [o1, o2] = await Promise.all([enroll(env, t1), enroll(env, t2, evidence({ qrImage: fakeQrImage(URI2), hiddenSecret: RAW2 }))]);
    expect(expectOk(o1).accountName).toBe('jane.doe@example.com');
    expect(expectOk(o2).accountName).toBe('bob@example.com');
    const [s1, s2] = await Promise.all([submitted(env, t1), submitted(env, t2)]);
    expect(expectOk(s1)).toEqual({ pending: true });
    expect(expectOk(s2)).toEqual({ pending: true });
    expect((await list(env)).map((a) => a.unconfirmed?.submittedAt)).toEqual([env.clock.now, env.clock.now]);
    const [r1, r2] = await Promise.all([seen(env, 'none', tab(7, APP_URL)), seen(env, 'none', tab(8, APP_URL))]);
    expect(expectOk(r1).saved?.accountName).toBe('jane.doe@example.com');
    expect(expectOk(r2).saved?.accountName).toBe('bob@example.com');
    expect((await list(env)).map((a) => a.accountName).sort()).toEqual(['bob@example.com', 'jane.doe@example.com']);
    expectNoSecretIn(env.local);
    expectNoSecretIn(env.session);

    // And they are both in the stored envelope: a fresh unlock sees two.
    expectOk(await env.send('vault.lock', {}));
    expect(expectOk(await env.send('vault.unlock', { passphrase: PASS })).accounts).toBe(2);
  });
});

describe('parseMessage', () => {
  const good = { type: 'page.enroll', evidence: evidence() };

  it('accepts well-formed page messages', () => {
    expect(parseMessage(good)).not.toBeNull();
    expect(parseMessage({ type: 'page.enroll', evidence: evidence({ qrImage: null, manual: MANUAL }) })).not.toBeNull();
    expect(parseMessage({ type: 'page.enroll', evidence: evidence({ keycloakError: { code: 'x', label: null } }) })).not.toBeNull();
    expect(parseMessage({ type: 'page.seen', kind: 'setup', setupError: 'Invalid authenticator code.' })).not.toBeNull();
    expect(parseMessage({ type: 'page.username', username: 'jane' })).not.toBeNull();
    expect(parseMessage({ type: 'page.submitted' })).not.toBeNull();
    expect(parseMessage({ type: 'page.loadQrReader' })).not.toBeNull();
    expect(parseMessage({ type: 'page.enroll', evidence: evidence({ qrImage: 'x'.repeat(MAX_QR_IMAGE_CHARS) }) })).not.toBeNull();
  });

  it('rejects oversized evidence', () => {
    expect(parseMessage({ type: 'page.enroll', evidence: evidence({ qrImage: 'x'.repeat(MAX_QR_IMAGE_CHARS + 1) }) })).toBeNull();
    expect(parseMessage({ type: 'page.enroll', evidence: evidence({ hiddenSecret: 'x'.repeat(5000) }) })).toBeNull();
    expect(parseMessage({ type: 'page.enroll', evidence: evidence({ manual: { ...MANUAL, key: 'A'.repeat(5000) } }) })).toBeNull();
    expect(parseMessage({ type: 'page.enroll', evidence: evidence({ manual: { ...MANUAL, algorithm: 'A'.repeat(5000) } }) })).toBeNull();
    expect(parseMessage({ type: 'page.enroll', evidence: evidence({ keycloakError: { code: 'e'.repeat(5000), label: null } }) })).toBeNull();
    expect(parseMessage({ type: 'page.username', username: 'u'.repeat(257) })).toBeNull();
  });

  it.each<[string, unknown]>([
    ['no evidence', { type: 'page.enroll' }],
    ['evidence not an object', { type: 'page.enroll', evidence: 'x' }],
    ['evidence an array', { type: 'page.enroll', evidence: [] }],
    ['qrImage a number', { type: 'page.enroll', evidence: { ...evidence(), qrImage: 42 } }],
    ['qrImage missing', { type: 'page.enroll', evidence: { ...evidence(), qrImage: undefined } }],
    ['hiddenSecret an object', { type: 'page.enroll', evidence: { ...evidence(), hiddenSecret: {} } }],
    ['manual a string', { type: 'page.enroll', evidence: { ...evidence(), manual: 'IFYT' } }],
    ['manual key missing', { type: 'page.enroll', evidence: { ...evidence(), manual: { ...MANUAL, key: null } } }],
    ['manual digits a number', { type: 'page.enroll', evidence: { ...evidence(), manual: { ...MANUAL, digits: 6 } } }],
    ['keycloakError a string', { type: 'page.enroll', evidence: { ...evidence(), keycloakError: 'bad' } }],
    ['page.seen unknown kind', { type: 'page.seen', kind: 'dashboard', setupError: null }],
    ['page.seen setupError a number', { type: 'page.seen', kind: 'setup', setupError: 5 }],
    ['page.seen setupError missing', { type: 'page.seen', kind: 'setup' }],
    ['page.username a number', { type: 'page.username', username: 5 }],
    ['unknown type', { type: 'page.steal' }],
    ['unknown type (vault)', { type: 'vault.destroy' }],
    ['prototype key as type', { type: 'toString' }],
    ['type not a string', { type: 1 }],
    ['no type', { evidence: evidence() }],
    ['null', null],
    ['a string', 'page.enroll'],
    ['an array', [good]],
  ])('rejects %s', (_what, raw) => {
    expect(parseMessage(raw)).toBeNull();
  });
});

describe('the toolbar mark (showPage)', () => {
  it("follows the tab's page: none, unconfirmed from the setup page's fill, bound once ThingPark confirmed it; another realm has none", async () => {
    const env = await unlocked();
    expectOk(await seen(env, 'none', tab(TAB.tabId, LOGIN_URL)));
    expect(env.showPage).toHaveBeenLastCalledWith(TAB.tabId, 'none');
    expectOk(await enroll(env));
    expect(env.showPage).toHaveBeenLastCalledWith(TAB.tabId, 'unconfirmed');
    expectOk(await submitted(env));
    expectOk(await seen(env));
    expect((await list(env))[0]?.unconfirmed).toBeNull();
    expect(env.showPage).toHaveBeenLastCalledWith(TAB.tabId, 'bound');
    expectOk(await seen(env, 'none', tab(8, `${ORIGIN}/auth/realms/another-realm/login-actions/authenticate`)));
    expect(env.showPage).toHaveBeenLastCalledWith(8, 'none');
    expectOk(await seen(env, 'none', tab(9, 'https://other.thingpark.com/auth/realms/x/login-actions/authenticate')));
    expect(env.showPage).toHaveBeenLastCalledWith(9, 'none');
  });

  it("Keycloak's Cancel on the setup page takes the mark back to none", async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    expect(env.showPage).toHaveBeenLastCalledWith(TAB.tabId, 'unconfirmed');
    expectOk(await env.send('page.submitted', { cancel: true }, TAB));
    expect(await list(env)).toEqual([]);
    expect(env.showPage).toHaveBeenLastCalledWith(TAB.tabId, 'none');
  });

  it('vaultLook, for the button when the background starts: none, unlocked, locked; unlocked again after a worker restart', async () => {
    const env = boot();
    expect(await env.svc.vaultLook()).toBe('none');
    expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    expect(await env.svc.vaultLook()).toBe('unlocked');
    // A new background on the same storage (storage.session keeps the key): still unlocked.
    const again = createVaultService({
      local: env.local, session: env.session, alarms: new FakeAlarms(), bootId: 'boot-2', kdf: KDF, platforms: new FakePlatforms(),
      defaultDeviceName: async () => DEFAULT_NAME, loadQrReader: async () => undefined, readQr: fakeReadQr, fillTab: async () => true,
    });
    expect(await again.vaultLook()).toBe('unlocked');
    expectOk(await env.send('vault.lock', {}));
    expect(await env.svc.vaultLook()).toBe('locked');
  });

  it("a toolbar that throws never fails the setup page's request: the account is saved and the code offered", async () => {
    const env = await unlocked();
    env.showPage.mockImplementation(() => {
      throw new Error('no toolbar');
    });
    const offer = expectOk(await enroll(env));
    expect(offer.code).toMatch(/^\d{6}$/);
    expect(await list(env)).toHaveLength(1);
  });

  it('pageMarks, after an unlock: the tabs already open on a page an account belongs to, none for others or while locked', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    const tabs = [
      { tabId: 1, url: LOGIN_URL },
      { tabId: 2, url: 'https://other.thingpark.com/auth/realms/x/login-actions/authenticate' },
      { tabId: 3, url: 'about:blank' },
      { tabId: 4, url: `${ORIGIN}/auth/realms/another-realm/login-actions/authenticate` },
    ];
    expect(await env.svc.pageMarks(tabs)).toEqual([{ tabId: 1, mark: 'unconfirmed' }]);
    expectOk(await submitted(env));
    expectOk(await seen(env));
    expect(await env.svc.pageMarks(tabs)).toEqual([{ tabId: 1, mark: 'bound' }]);
    expectOk(await env.send('vault.lock', {}));
    expect(await env.svc.pageMarks(tabs)).toEqual([]);
  });

  it('says nothing for a frame (only a top frame speaks for its tab) nor while locked (the accounts are unknown then)', async () => {
    const env = await unlocked();
    expectOk(await enroll(env));
    env.showPage.mockClear();
    // (A sub-frame's page messages are refused before any handler: the check here is a second line.)
    expectErr(await seen(env, 'none', tab(TAB.tabId, LOGIN_URL, 2)), 'forbidden');
    expect(env.showPage).not.toHaveBeenCalled();
    expectOk(await env.send('vault.lock', {}));
    await seen(env, 'none', tab(TAB.tabId, LOGIN_URL));
    await enroll(env);
    expect(env.showPage).not.toHaveBeenCalled();
  });
});
