/**
 * The background with an administrator's policy (managed storage, lib/settings/policy.ts), driven with
 * in-memory fakes and a `managed` port the test rewrites at will: the status says what is
 * enforced and carries the settings in force; a settings change beyond the policy is refused and
 * nothing is stored; the auto-lock alarm uses the shorter time and follows a policy change; the
 * enrollment uses the administrator's device name unless the user set one; preset platforms are
 * listed, cannot be removed, get our content script only where the browser grants the host, and
 * lose it when the policy drops them; the plain export is refused when disabled. A managed store
 * that cannot be read (Firefox without a manifest rejects) is no policy.
 */
import { FakePlatforms } from './memory-platforms';
import { describe, expect, it } from 'vitest';
import { createVaultService, type VaultService } from '../../../lib/service/service';
import { AUTO_LOCK_ALARM, KEYS } from '../../../lib/service/ports';
import type { AppErrorCode } from '../../../lib/protocol/errors';
import type { Caller } from '../../../lib/protocol/access';
import type { FillRequest, PageEvidence } from '../../../lib/protocol/page';
import type { Message, MessageType, Protocol, Reply } from '../../../lib/protocol/messages';
import { NO_POLICY } from '../../../lib/settings/policy';
import * as kc from '../../simulator/keycloak.mjs';
import { MemoryArea, FakeAlarms } from './memory-ports';
import { fakeQrImage, fakeReadQr } from './text-qr';

// ---------------------------------------------------------------------------------------------
// Fakes (same approach as tests/unit/service/manage.test.ts)

/** What the administrator set: `data` is what `storage.managed.get(null)` answers; `fail` makes it reject. */
interface Admin {
  data: unknown;
  fail: boolean;
  reads: number;
}

// ---------------------------------------------------------------------------------------------
// Data

const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const BACKUP_PASS = 'backup passphrase 2024';
const GENERATED_NAME = 'ThingPark Autofill · Test on Linux';
const ADMIN_NAME = 'Support desk laptop';

const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';
const SETUP_URL = `${ORIGIN}/auth/realms/${REALM}/login-actions/required-action?execution=CONFIGURE_TOTP`;
const OTP_URL = `${ORIGIN}/auth/realms/${REALM}/login-actions/authenticate?execution=otp&client_id=tpe&tab_id=x`;

/** A self-hosted platform preset by the administrator. */
const PRESET = 'https://tpe.integrator.example';
const PRESET_PATTERN = `${PRESET}/*`;
const PRESET_SCRIPT = `platform:${PRESET_PATTERN}`;
/** One the user added. */
const MINE = 'https://iot.example.net';
const MINE_PATTERN = `${MINE}/*`;
const MINE_SCRIPT = `platform:${MINE_PATTERN}`;

const JANE = 'jane.doe@example.com';
const RAW = 'Aq3kP9vLm2Rt7Wc1Bn5d';
const B32 = kc.base32Encode(RAW);
const ISSUER = 'ThingPark Enterprise';
const SECRETS = [RAW, B32, kc.formatSecretForDisplay(RAW)];

const evidence = (account = JANE, raw = RAW): PageEvidence => ({
  qrImage: fakeQrImage(kc.buildKeyUri({ policy: kc.DEFAULT_POLICY, issuer: ISSUER, account, rawSecret: raw })),
  hiddenSecret: raw,
  manual: null,
  keycloakError: null,
});

/** Every field of the policy set. */
const FULL_POLICY = {
  platforms: [PRESET],
  deviceName: ADMIN_NAME,
  maxAutoLockMinutes: 5,
  autoSubmit: true,
  disablePlainExport: true,
};

const PAGE: Caller = { kind: 'extension-page' };
type ContentCaller = Extract<Caller, { kind: 'content-script' }>;
const tab = (tabId: number, url: string): ContentCaller => ({ kind: 'content-script', tabId, frameId: 0, url });

/** 10 s into a 30 s step. */
const START = 1_700_000_020_000;

// ---------------------------------------------------------------------------------------------
// Helpers

interface Env {
  local: MemoryArea;
  session: MemoryArea;
  alarms: FakeAlarms;
  platforms: FakePlatforms;
  admin: Admin;
  clock: { now: number };
  svc: VaultService;
  send<K extends MessageType>(type: K, payload: Protocol[K]['req'], caller?: Caller): Promise<Reply<K>>;
}

let ids = 0;

/**
 * A service ("worker start") whose managed storage answers `policy`. `managed: false` boots one
 * without a managed port at all (as the unit tests of the other parts do).
 */
function boot(policy: unknown = undefined, o: { managed?: boolean } = {}): Env {
  const local = new MemoryArea();
  const session = new MemoryArea();
  const alarms = new FakeAlarms();
  const platforms = new FakePlatforms();
  const admin: Admin = { data: policy, fail: false, reads: 0 };
  const clock = { now: START };
  const svc = createVaultService({
    local,
    session,
    alarms,
    bootId: 'boot',
    kdf: KDF,
    defaultDeviceName: async () => GENERATED_NAME,
    fillTab: async () => true,
    platforms,
    loadQrReader: async () => undefined,
    readQr: fakeReadQr,
    now: () => clock.now,
    newId: () => `id-${++ids}`,
    ...(o.managed === false
      ? {}
      : {
          managed: async () => {
            admin.reads++;
            if (admin.fail) throw new Error('Managed storage manifest not found');
            return structuredClone(admin.data);
          },
        }),
  });
  const send = async <K extends MessageType>(type: K, payload: Protocol[K]['req'], caller: Caller = PAGE): Promise<Reply<K>> => {
    const reply = await svc.handle({ type, ...payload } as unknown as Message<K>, caller);
    if (type !== 'backup.exportPlain' || !reply.ok) {
      const text = JSON.stringify(reply);
      for (const s of SECRETS) expect(text, `${type} reply`).not.toContain(s);
    }
    return reply;
  };
  return { local, session, alarms, platforms, admin, clock, svc, send };
}

async function unlocked(policy: unknown = undefined): Promise<Env> {
  const env = boot(policy);
  expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
  return env;
}

function expectOk<T>(reply: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}

function expectErr(reply: unknown, code: AppErrorCode, detail?: string): void {
  expect(reply).toMatchObject({ ok: false, error: detail === undefined ? { code } : { code, detail } });
  expect(reply).not.toHaveProperty('value');
}

const statusOf = async (env: Env) => expectOk(await env.send('vault.status', {}));
const lastAlarm = (env: Env) => env.alarms.active.get(AUTO_LOCK_ALARM);

/** The administrator changes the policy, and the browser says so (storage.onChanged, area 'managed'). */
async function setPolicy(env: Env, data: unknown): Promise<void> {
  env.admin.data = data;
  await env.svc.onStorageChanged('managed', Object.keys(data ?? {}));
}

/** A full enrollment as the content script drives it (setup page, submit, next page); returns the offer. */
async function enrollJane(env: Env, tabId = 7) {
  const offer = expectOk(await env.send('page.enroll', { evidence: evidence() }, tab(tabId, SETUP_URL)));
  expectOk(await env.send('page.submitted', {}, tab(tabId, SETUP_URL)));
  expect(expectOk(await env.send('page.seen', { kind: 'none', setupError: null }, tab(tabId, `${ORIGIN}/tpe/`))).saved).not.toBeNull();
  return offer;
}

const fillRequest = (over: Partial<FillRequest> = {}): FillRequest => ({
  attemptedUsername: JANE,
  devices: [],
  chosenAccountId: null,
  clockOffsetMs: null,
  pageError: null,
  ...over,
});

// ---------------------------------------------------------------------------------------------

describe('vault.status with a policy', () => {
  it('without a managed port, or with an empty managed store: no policy, no problem, the user’s settings', async () => {
    for (const env of [boot(undefined, { managed: false }), boot({}), boot(null)]) {
      const status = await statusOf(env);
      expect(status.policy).toEqual(NO_POLICY);
      expect(status.policyProblems).toEqual([]);
      expect(status.settings).toEqual({ autoLockMinutes: 30, autoSubmit: false, deviceName: '' });
      expect(status.defaultDeviceName).toBe(GENERATED_NAME);
    }
  });

  it('carries the policy and the settings in force (shorter auto-lock, forced submit), and the administrator’s device name as default', async () => {
    const env = boot(FULL_POLICY);
    const status = await statusOf(env);
    expect(status.state).toBe('none');
    expect(status.policy).toEqual(FULL_POLICY);
    expect(status.policyProblems).toEqual([]);
    expect(status.settings).toEqual({ autoLockMinutes: 5, autoSubmit: true, deviceName: '' });
    expect(status.defaultDeviceName).toBe(ADMIN_NAME);
    // The user's own settings are untouched: nothing was written.
    expect(env.local.map.has(KEYS.settings)).toBe(false);
  });

  it('names the malformed fields it ignored and applies the rest', async () => {
    const env = boot({ maxAutoLockMinutes: 0, autoSubmit: 'yes', disablePlainExport: true, platforms: [PRESET, 'not an address'], colour: 'blue' });
    const status = await statusOf(env);
    expect(status.policy).toEqual({ ...NO_POLICY, platforms: [PRESET], disablePlainExport: true });
    expect(status.policyProblems).toEqual(['platforms[1]', 'maxAutoLockMinutes', 'autoSubmit', 'colour']);
    expect(status.settings.autoLockMinutes).toBe(30);
  });

  it('a managed store that is not an object is no policy, reported', async () => {
    const status = await statusOf(boot('maxAutoLockMinutes=5'));
    expect(status.policy).toEqual(NO_POLICY);
    expect(status.policyProblems).toEqual(['(not an object)']);
  });

  it('a policy change (storage.onChanged) shows at the next request, and a user’s longer auto-lock comes back when the limit goes', async () => {
    const env = await unlocked();
    expectOk(await env.send('settings.update', { settings: { autoLockMinutes: 120 } }));
    await setPolicy(env, { maxAutoLockMinutes: 15 });
    expect((await statusOf(env)).settings.autoLockMinutes).toBe(15);
    expect(env.local.map.get(KEYS.settings)).toMatchObject({ autoLockMinutes: 120 });
    await setPolicy(env, {});
    expect((await statusOf(env)).settings.autoLockMinutes).toBe(120);
  });
});

describe('a managed store that cannot be read is no policy', () => {
  it('rejecting (Firefox without a manifest): status, settings, platforms and the plain export as without a policy', async () => {
    const env = boot(FULL_POLICY);
    env.admin.fail = true;
    expectOk(await env.send('vault.create', { passphrase: PASS, confirm: PASS }));
    expect(lastAlarm(env)).toBe(30);
    const status = await statusOf(env);
    expect(env.admin.reads).toBeGreaterThan(0);
    expect(status.policy).toEqual(NO_POLICY);
    expect(status.policyProblems).toEqual([]);
    expect(status.defaultDeviceName).toBe(GENERATED_NAME);
    expect(expectOk(await env.send('settings.update', { settings: { autoLockMinutes: 60, autoSubmit: false } })).settings).toEqual({
      autoLockMinutes: 60,
      autoSubmit: false,
      deviceName: '',
    });
    expect(expectOk(await env.send('platforms.list', {}))).toEqual([]);
    expect(expectOk(await env.send('backup.exportPlain', { vaultPassphrase: PASS })).accounts).toBe(0);
    expect(expectOk(await env.send('page.enroll', { evidence: evidence() }, tab(7, SETUP_URL))).deviceName).toBe(GENERATED_NAME);
  });

  it('throwing synchronously is no policy either', async () => {
    const local = new MemoryArea();
    const svc = createVaultService({
      local,
      session: new MemoryArea(),
      alarms: new FakeAlarms(),
      bootId: 'boot',
      kdf: KDF,
      defaultDeviceName: async () => GENERATED_NAME,
      fillTab: async () => true,
      platforms: new FakePlatforms(),
      loadQrReader: async () => undefined,
      readQr: fakeReadQr,
      managed: () => {
        throw new TypeError('browser.storage.managed is undefined');
      },
    });
    const reply = await svc.handle({ type: 'vault.status' } as Message<'vault.status'>, PAGE);
    expect(expectOk(reply)).toMatchObject({ state: 'none', policy: NO_POLICY, policyProblems: [], defaultDeviceName: GENERATED_NAME });
    await expect(svc.onPolicyChanged()).resolves.toBeUndefined();
  });
});

describe('settings.update within the policy', () => {
  it('refuses a longer auto-lock than the maximum with policy-enforced, and stores nothing', async () => {
    const env = await unlocked({ maxAutoLockMinutes: 5 });
    const before = env.local.snapshot();
    const sets = env.local.sets;
    for (const minutes of [6, 30, 1440]) {
      expectErr(await env.send('settings.update', { settings: { autoLockMinutes: minutes } }), 'policy-enforced', 'autoLockMinutes');
    }
    expect(env.local.sets).toBe(sets);
    expect(env.local.snapshot()).toEqual(before);
    expect((await statusOf(env)).settings.autoLockMinutes).toBe(5);
  });

  it('refuses the whole update, the allowed fields with it', async () => {
    const env = await unlocked({ maxAutoLockMinutes: 5, autoSubmit: true });
    const before = env.local.snapshot();
    expectErr(
      await env.send('settings.update', { settings: { autoLockMinutes: 60, autoSubmit: false, deviceName: 'My laptop' } }),
      'policy-enforced',
      'autoSubmit, autoLockMinutes',
    );
    expect(env.local.snapshot()).toEqual(before);
    expect((await statusOf(env)).settings.deviceName).toBe('');
  });

  it('allows an auto-lock at or below the maximum, and uses it', async () => {
    const env = await unlocked({ maxAutoLockMinutes: 5 });
    expect(expectOk(await env.send('settings.update', { settings: { autoLockMinutes: 5 } })).settings.autoLockMinutes).toBe(5);
    expect(env.local.map.get(KEYS.settings)).toMatchObject({ autoLockMinutes: 5 });
    expect(expectOk(await env.send('settings.update', { settings: { autoLockMinutes: 2 } })).settings.autoLockMinutes).toBe(2);
    expect(env.local.map.get(KEYS.settings)).toMatchObject({ autoLockMinutes: 2 });
    expect(lastAlarm(env)).toBe(2);
  });

  it('refuses turning a forced autoSubmit the other way (nothing stored); sending the forced value is fine', async () => {
    for (const forced of [true, false]) {
      const env = await unlocked({ autoSubmit: forced });
      const before = env.local.snapshot();
      expectErr(await env.send('settings.update', { settings: { autoSubmit: !forced } }), 'policy-enforced', 'autoSubmit');
      expect(env.local.snapshot()).toEqual(before);
      expect(expectOk(await env.send('settings.update', { settings: { autoSubmit: forced } })).settings.autoSubmit).toBe(forced);
    }
  });

  it('judges only the fields sent: the device name can change while a stored auto-lock is above a newer limit', async () => {
    const env = await unlocked();
    expectOk(await env.send('settings.update', { settings: { autoLockMinutes: 120, autoSubmit: false } }));
    await setPolicy(env, { maxAutoLockMinutes: 10, autoSubmit: true });
    const status = expectOk(await env.send('settings.update', { settings: { deviceName: 'Desk PC' } }));
    expect(status.settings).toEqual({ autoLockMinutes: 10, autoSubmit: true, deviceName: 'Desk PC' });
    // The user's own values are kept as they were (they apply again if the policy goes).
    expect(env.local.map.get(KEYS.settings)).toEqual({ autoLockMinutes: 120, autoSubmit: false, deviceName: 'Desk PC' });
  });

  it('an invalid value is still a bad request, not a policy matter', async () => {
    const env = await unlocked({ maxAutoLockMinutes: 5 });
    expectErr(await env.send('settings.update', { settings: { autoLockMinutes: 0 } }), 'bad-request');
    expectErr(await env.send('settings.update', { settings: { autoLockMinutes: 2.5 } }), 'bad-request');
  });
});

describe('the auto-lock alarm follows the policy', () => {
  it('unlocking schedules the shorter of the user’s time and the maximum', async () => {
    const env = await unlocked({ maxAutoLockMinutes: 5 });
    expect(env.alarms.scheduled.length).toBeGreaterThan(0);
    expect(env.alarms.scheduled.every((a) => a.name === AUTO_LOCK_ALARM && a.delayMinutes === 5)).toBe(true);

    // A user time below the maximum is used as it is.
    expectOk(await env.send('settings.update', { settings: { autoLockMinutes: 3 } }));
    expectOk(await env.send('vault.lock', {}));
    env.alarms.scheduled.length = 0;
    expectOk(await env.send('vault.unlock', { passphrase: PASS }));
    expect(env.alarms.scheduled.every((a) => a.delayMinutes === 3)).toBe(true);
    expect(lastAlarm(env)).toBe(3);
  });

  it('onPolicyChanged reschedules an open vault at once with the new limit; a lifted limit gives the user’s time back', async () => {
    const env = await unlocked();
    expect(lastAlarm(env)).toBe(30);
    env.admin.data = { maxAutoLockMinutes: 5 };
    env.alarms.scheduled.length = 0;
    await env.svc.onPolicyChanged();
    expect(env.alarms.scheduled).toEqual([{ name: AUTO_LOCK_ALARM, delayMinutes: 5 }]);

    env.admin.data = {};
    await env.svc.onPolicyChanged();
    expect(lastAlarm(env)).toBe(30);
  });

  it('onPolicyChanged while locked schedules nothing', async () => {
    const env = await unlocked();
    expectOk(await env.send('vault.lock', {}));
    env.admin.data = { maxAutoLockMinutes: 5 };
    env.alarms.scheduled.length = 0;
    await env.svc.onPolicyChanged();
    expect(env.alarms.scheduled).toEqual([]);
    expect(env.alarms.active.has(AUTO_LOCK_ALARM)).toBe(false);
  });

  it('onPolicyChanged after a worker restart reopens the vault from the session key and reschedules', async () => {
    const first = await unlocked();
    const env = boot({ maxAutoLockMinutes: 4 });
    // Same stores, new service: the key is in storage.session.
    const restarted = createVaultService({
      local: first.local,
      session: first.session,
      alarms: env.alarms,
      bootId: 'boot-2',
      kdf: KDF,
      defaultDeviceName: async () => GENERATED_NAME,
      fillTab: async () => true,
      platforms: env.platforms,
      loadQrReader: async () => undefined,
      readQr: fakeReadQr,
      managed: async () => ({ maxAutoLockMinutes: 4 }),
    });
    await restarted.onPolicyChanged();
    expect(env.alarms.scheduled).toEqual([{ name: AUTO_LOCK_ALARM, delayMinutes: 4 }]);
  });

  it('the alarm locks the vault', async () => {
    const env = await unlocked({ maxAutoLockMinutes: 1 });
    await env.svc.onAlarm(AUTO_LOCK_ALARM);
    expect((await statusOf(env)).state).toBe('locked');
  });
});

describe('enrollment and login with the policy', () => {
  it('the enrollment uses the administrator’s device name unless the user set one', async () => {
    const env = await unlocked({ deviceName: ADMIN_NAME });
    // Each setup tab is closed unsubmitted before the next: its account goes, and its name is free again.
    expect(expectOk(await env.send('page.enroll', { evidence: evidence() }, tab(7, SETUP_URL))).deviceName).toBe(ADMIN_NAME);
    await env.svc.onTabRemoved(7);

    expectOk(await env.send('settings.update', { settings: { deviceName: 'My own laptop' } }));
    expect(expectOk(await env.send('page.enroll', { evidence: evidence() }, tab(8, SETUP_URL))).deviceName).toBe('My own laptop');
    await env.svc.onTabRemoved(8);

    // Cleared again: the administrator's name is the default once more.
    expectOk(await env.send('settings.update', { settings: { deviceName: '' } }));
    expect(expectOk(await env.send('page.enroll', { evidence: evidence() }, tab(9, SETUP_URL))).deviceName).toBe(ADMIN_NAME);
    await env.svc.onTabRemoved(9);

    // No policy: the generated name.
    await setPolicy(env, {});
    expect(expectOk(await env.send('page.enroll', { evidence: evidence() }, tab(10, SETUP_URL))).deviceName).toBe(GENERATED_NAME);
  });

  it('the saved account carries the administrator’s device name; a name Keycloak refused gets the usual suffix', async () => {
    const env = await unlocked({ deviceName: ADMIN_NAME });
    const setup = tab(7, SETUP_URL);
    expectOk(await env.send('page.enroll', { evidence: evidence() }, setup));
    expectOk(await env.send('page.submitted', {}, setup));
    // Keycloak shows the setup page again: "Device already exists with the same name".
    expect(expectOk(await env.send('page.seen', { kind: 'setup', setupError: 'Device already exists with the same name' }, setup)).refused).toBe(true);
    const again = expectOk(await env.send('page.enroll', { evidence: evidence() }, setup));
    expect(again.deviceName).not.toBe(ADMIN_NAME);
    expect(again.deviceName.startsWith(ADMIN_NAME)).toBe(true);

    const fresh = await unlocked({ deviceName: ADMIN_NAME });
    await enrollJane(fresh);
    expect(expectOk(await fresh.send('accounts.list', {}))).toMatchObject([{ accountName: JANE, deviceName: ADMIN_NAME }]);
  });

  it('a forced autoSubmit decides the enrollment’s and the login’s auto-submit, whatever the user chose', async () => {
    for (const forced of [true, false]) {
      const env = await unlocked();
      expectOk(await env.send('settings.update', { settings: { autoSubmit: !forced } }));
      await setPolicy(env, { autoSubmit: forced });
      const offer = await enrollJane(env);
      expect(offer.autoSubmit).toBe(forced);
      // The next step: the code Keycloak takes now.
      env.clock.now += 30_000;
      const fill = expectOk(await env.send('page.fill', fillRequest(), tab(20, OTP_URL)));
      expect(fill).toMatchObject({ kind: 'fill', autoSubmit: forced });
      // Never on a page that shows Keycloak's error, forced or not.
      const onError = expectOk(await env.send('page.fill', fillRequest({ pageError: 'Invalid authenticator code.' }), tab(21, OTP_URL)));
      expect(onError).toMatchObject({ kind: 'fill', autoSubmit: false });
    }
  });
});

describe('preset platforms', () => {
  it('are listed as managed next to the user’s, with the browser’s grant; built-in hosts are not listed', async () => {
    const env = await unlocked({ platforms: [PRESET, ORIGIN, 'https://thingparkenterprise.eu.actility.com'] });
    env.platforms.granted.add(MINE_PATTERN);
    expectOk(await env.send('platforms.add', { url: MINE }));
    const list = expectOk(await env.send('platforms.list', {}));
    expect(list).toEqual([
      { origin: PRESET, addedAt: 0, managed: true, accounts: 0, permitted: false },
      { origin: MINE, addedAt: START, managed: false, accounts: 0, permitted: true },
    ]);
    // Only the user's platform is stored: the preset comes from the policy, every time.
    expect(env.local.map.get(KEYS.platforms)).toEqual([{ origin: MINE, addedAt: START }]);
    expectOk(await env.send('vault.lock', {}));
    expect(expectOk(await env.send('platforms.list', {}))[0]).toMatchObject({ origin: PRESET, managed: true, accounts: null });
  });

  it('cannot be removed (policy-enforced): nothing stored, the browser’s access kept', async () => {
    const env = await unlocked({ platforms: [PRESET] });
    env.platforms.granted.add(PRESET_PATTERN);
    await env.svc.syncPlatforms();
    const before = env.local.snapshot();
    expectErr(await env.send('platforms.remove', { origin: PRESET }), 'policy-enforced');
    expect(env.local.snapshot()).toEqual(before);
    expect(env.platforms.released).toEqual([]);
    expect([...env.platforms.scripts]).toEqual([[PRESET_SCRIPT, PRESET_PATTERN]]);
    // An origin that is neither stays 'not-found'.
    expectErr(await env.send('platforms.remove', { origin: MINE }), 'not-found');
  });

  it('the user cannot add a preset platform’s host a second time', async () => {
    const env = await unlocked({ platforms: [PRESET] });
    env.platforms.granted.add(PRESET_PATTERN);
    expectErr(await env.send('platforms.add', { url: `${PRESET}:8443/auth/` }), 'platform-exists', PRESET);
    expect(env.local.map.has(KEYS.platforms)).toBe(false);
  });

  it('a host the user added earlier and the administrator presets is listed once, as managed, and cannot be removed', async () => {
    const env = await unlocked();
    env.platforms.granted.add(PRESET_PATTERN);
    expectOk(await env.send('platforms.add', { url: PRESET }));
    await setPolicy(env, { platforms: [PRESET] });
    expect(expectOk(await env.send('platforms.list', {}))).toEqual([{ origin: PRESET, addedAt: 0, managed: true, accounts: 0, permitted: true }]);
    expect([...env.platforms.scripts.keys()]).toEqual([PRESET_SCRIPT]);
  });

  it('get our content script only once the browser grants the host', async () => {
    const env = await unlocked({ platforms: [PRESET] });
    await env.svc.syncPlatforms();
    expect(env.platforms.scripts.size).toBe(0);
    await env.svc.onPolicyChanged();
    expect(env.platforms.scripts.size).toBe(0);

    // The user allows it (the options page's "Allow again"); the browser's permissions.onAdded.
    env.platforms.granted.add(PRESET_PATTERN);
    await env.svc.syncPlatforms();
    expect([...env.platforms.scripts]).toEqual([[PRESET_SCRIPT, PRESET_PATTERN]]);
    expect(expectOk(await env.send('platforms.list', {}))).toMatchObject([{ origin: PRESET, managed: true, permitted: true }]);

    // Revoked in the browser's settings: the script goes, the platform stays listed.
    env.platforms.granted.delete(PRESET_PATTERN);
    await env.svc.syncPlatforms();
    expect(env.platforms.scripts.size).toBe(0);
    expect(expectOk(await env.send('platforms.list', {}))).toMatchObject([{ origin: PRESET, managed: true, permitted: false }]);
  });

  it('a policy that drops a preset platform unregisters its script; one that adds it registers it (granted host)', async () => {
    const env = await unlocked({ platforms: [PRESET] });
    env.platforms.granted.add(PRESET_PATTERN);
    env.platforms.granted.add(MINE_PATTERN);
    expectOk(await env.send('platforms.add', { url: MINE }));
    expect(new Set(env.platforms.scripts.keys())).toEqual(new Set([PRESET_SCRIPT, MINE_SCRIPT]));

    env.admin.data = {};
    await env.svc.onPolicyChanged();
    expect([...env.platforms.scripts.keys()]).toEqual([MINE_SCRIPT]);
    expect(expectOk(await env.send('platforms.list', {}))).toMatchObject([{ origin: MINE, managed: false }]);

    env.admin.data = { platforms: [PRESET] };
    await env.svc.onPolicyChanged();
    expect(new Set(env.platforms.scripts.keys())).toEqual(new Set([PRESET_SCRIPT, MINE_SCRIPT]));
  });

  it('a preset the user had added too stays registered when the policy drops it (it is still the user’s)', async () => {
    const env = await unlocked();
    env.platforms.granted.add(PRESET_PATTERN);
    expectOk(await env.send('platforms.add', { url: PRESET }));
    env.admin.data = { platforms: [PRESET] };
    await env.svc.onPolicyChanged();
    env.admin.data = {};
    await env.svc.onPolicyChanged();
    expect([...env.platforms.scripts.keys()]).toEqual([PRESET_SCRIPT]);
    expect(expectOk(await env.send('platforms.list', {}))).toMatchObject([{ origin: PRESET, managed: false }]);
    // And now the user may remove it.
    expect(expectOk(await env.send('platforms.remove', { origin: PRESET }))).toEqual([]);
  });

  it('work while locked: syncPlatforms needs no vault', async () => {
    const env = boot({ platforms: [PRESET] });
    env.platforms.granted.add(PRESET_PATTERN);
    await env.svc.syncPlatforms();
    expect([...env.platforms.scripts.keys()]).toEqual([PRESET_SCRIPT]);
  });
});

describe('backup.exportPlain with disablePlainExport', () => {
  async function withAccount(policy: unknown): Promise<Env> {
    const env = await unlocked(policy);
    await enrollJane(env);
    return env;
  }

  it('is refused with policy-enforced, even with the right passphrase, and the reply holds no secret', async () => {
    const env = await withAccount({ disablePlainExport: true });
    const reply = await env.send('backup.exportPlain', { vaultPassphrase: PASS });
    expectErr(reply, 'policy-enforced', 'disablePlainExport');
    for (const s of SECRETS) expect(JSON.stringify(reply)).not.toContain(s);
    expect(JSON.stringify(reply)).not.toContain('otpauth');
  });

  it('the encrypted backup stays available', async () => {
    const env = await withAccount({ disablePlainExport: true });
    expect(expectOk(await env.send('backup.export', { vaultPassphrase: PASS, passphrase: BACKUP_PASS, confirm: BACKUP_PASS })).accounts).toBe(1);
  });

  it('while locked the answer is still “locked” (nothing about the policy before the vault is open)', async () => {
    const env = await withAccount({ disablePlainExport: true });
    expectOk(await env.send('vault.lock', {}));
    expectErr(await env.send('backup.exportPlain', { vaultPassphrase: PASS }), 'locked');
  });

  it('disablePlainExport false, or the policy lifted: the plain export works again', async () => {
    const env = await withAccount({ disablePlainExport: false });
    const plain = expectOk(await env.send('backup.exportPlain', { vaultPassphrase: PASS }));
    expect(plain.accounts).toBe(1);
    expect(plain.text).toContain(`secret=${B32}`);
    await setPolicy(env, { disablePlainExport: true });
    expectErr(await env.send('backup.exportPlain', { vaultPassphrase: PASS }), 'policy-enforced');
    await setPolicy(env, {});
    expect(expectOk(await env.send('backup.exportPlain', { vaultPassphrase: PASS })).accounts).toBe(1);
  });
});
