/**
 * Property-based test of the background as a whole (lib/service/service.ts through lib/protocol/messages.ts),
 * Hostile input: random sequences of protocol messages with random, often hostile,
 * payloads, from extension pages and from content scripts on random URLs and frames, mixed with
 * clock ticks, auto-lock alarms, worker restarts and tab events. After every step:
 * - a malformed message is refused by `parseMessage` (the background then answers bad-request);
 * - every reply is `{ ok: true, value }` or `{ ok: false, error: { code } }` with an AppErrorCode,
 *   never an exception, and never `internal` (our in-memory ports do not fail);
 * - a failed request changed nothing in `storage.local`;
 * - the stored vault is unchanged or still opens with the current passphrase, with valid content;
 * - `storage.local` never holds a secret or a passphrase in plaintext;
 * - no reply to a content script contains a stored secret (base32, hex or base64 of its bytes) or
 *   the passphrase, and a content script never gets a code of an account bound elsewhere;
 * - a content script cannot delete, rebind or re-key a stored account.
 * At the end of each sequence a fresh background (browser restart) unlocks the vault with the
 * current passphrase.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { FakePlatforms } from './memory-platforms';
import { createVaultService, type VaultService } from '../../../lib/service/service';
import { AUTO_LOCK_ALARM, KEYS } from '../../../lib/service/ports';
import { decodeReply, encodeReply } from '../../../lib/protocol/transport';
import { parseMessage } from '../../../lib/protocol/validation';
import type { Caller } from '../../../lib/protocol/access';
import type { Message, MessageType, Reply } from '../../../lib/protocol/messages';
import { createVault, unlockVault, type VaultEnvelopeV1 } from '../../../lib/vault/envelope';
import { isUnconfirmed, parseVaultData, type StoredAccount, type VaultData } from '../../../lib/vault/accounts';
import { accountToUri, base32FromBytes, parseOtpauthUri, type OtpAccount } from '../../../lib/otp/otp';
import { sealBackup } from '../../../lib/vault/backup';
import { matchPatternFor } from '../../../lib/platforms/self-hosted';
import { realmFromUrl } from '../../../lib/keycloak/page-detection';
import { APP_CODES, badResult, hostileString, mutated, runs, secretSpellings } from '../property-helpers';
import { MemoryArea, FakeAlarms } from './memory-ports';
import { fakeQrImage, fakeReadQr, UNREADABLE_QR } from './text-qr';

// ---------------------------------------------------------------------------------------------
// The world: platforms, accounts, secrets

const KDF = { iterations: 1, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const NEW_PASS = 'new passphrase 2024';
const BACKUP_PASS = 'backup passphrase 2024';
const PASSPHRASES = [PASS, NEW_PASS, BACKUP_PASS];

const TP = 'https://community.thingpark.io';
const SELF = 'https://iot.example.net';
const R1 = 'tpw-users-actility-tpe-ope';
const R2 = 'other-realm';

const rawSecret = () => new Uint8Array(randomBytes(20));

interface Seed {
  bytes: Uint8Array;
  account: StoredAccount;
}

function stored(id: string, otp: Partial<OtpAccount> & { secretBytes: Uint8Array }, over: Partial<StoredAccount>): Seed {
  const base: OtpAccount = {
    kind: 'totp', secret: base32FromBytes(otp.secretBytes), algorithm: 'SHA1', digits: 6, period: 30, counter: 0,
    issuer: 'ThingPark', accountName: 'jane@example.com', ...otp,
  };
  const parsed = parseOtpauthUri(accountToUri(base));
  if (!parsed.ok) throw new Error(parsed.error.code);
  return {
    bytes: otp.secretBytes,
    account: { ...parsed.value, id, origin: TP, realm: R1, deviceName: 'Chrome on laptop', addedAt: 1_700_000_000_000, lastUsedStep: null, label: null, ...over },
  };
}

/** Accounts in the vault at the start: two platforms, two realms, TOTP and HOTP (one at the largest counter). */
const SEEDS: Seed[] = [
  stored('a-tp-r1', { secretBytes: rawSecret() }, {}),
  stored('b-self-r1', { secretBytes: rawSecret() }, { origin: SELF }),
  stored('c-tp-r2-hotp', { secretBytes: rawSecret(), kind: 'hotp', counter: 5, accountName: 'bob' }, { realm: R2 }),
  stored('d-tp-any', { secretBytes: rawSecret(), accountName: 'carol', digits: 8, algorithm: 'SHA256' }, { realm: null, deviceName: '' }),
  stored('e-tp-r1-hotp-max', { secretBytes: rawSecret(), kind: 'hotp', counter: Number.MAX_SAFE_INTEGER - 1, accountName: 'dave' }, {}),
];
const SEED_IDS = SEEDS.map((s) => s.account.id);
const DATA: VaultData = { version: 2, accounts: SEEDS.map((s) => s.account) };

/** Keys extension pages add (typed, imported from a backup): stored secrets too. */
const EXT_KEYS = Array.from({ length: 3 }, rawSecret);
const extUri = (i: number, o: { kind?: 'hotp'; counter?: number; name?: string } = {}) =>
  accountToUri({
    kind: o.kind ?? 'totp', secret: base32FromBytes(EXT_KEYS[i % EXT_KEYS.length]!), algorithm: 'SHA1', digits: 6, period: 30,
    counter: o.counter ?? 0, issuer: 'Typed', accountName: o.name ?? `user${i}`,
  });
const EXT_URIS = [extUri(0), extUri(1, { name: 'jane@example.com' }), extUri(2, { kind: 'hotp', counter: Number.MAX_SAFE_INTEGER })];

/** Keycloak setup pages' raw secrets (ASCII, 20 characters) and the URIs their QR codes carry. */
const PAGE_RAW = ['Aq3kP9vLm2Rt7Wc1Bn5d', 'Zr8TqW2mXn4Lp6Ks1Vb9', 'Hh7Yy2Ww4Qq6Ee8Rr0Tt'];
const pageUri = (i: number, o: { kind?: 'hotp'; counter?: number; secretOf?: number } = {}) =>
  accountToUri({
    kind: o.kind ?? 'totp', secret: base32FromBytes(new TextEncoder().encode(PAGE_RAW[(o.secretOf ?? i) % PAGE_RAW.length]!)),
    algorithm: 'SHA1', digits: 6, period: 30, counter: o.counter ?? 0, issuer: 'ThingPark Enterprise', accountName: `page-user${i}`,
  });
const PAGE_URIS = [pageUri(0), pageUri(1), pageUri(2, { kind: 'hotp', counter: Number.MAX_SAFE_INTEGER })];

/** Everything a reply to a content script or `storage.local` must never show. */
const FORBIDDEN = [
  ...SEEDS.flatMap((s) => secretSpellings(s.account.secret, s.bytes)),
  ...EXT_KEYS.flatMap((b) => secretSpellings(base32FromBytes(b), b)),
  ...PASSPHRASES,
];
const FORBIDDEN_IN_LOCAL = [...FORBIDDEN, ...PAGE_RAW.flatMap((r) => secretSpellings(base32FromBytes(new TextEncoder().encode(r)), new TextEncoder().encode(r)))];

let vaultEnvelope: VaultEnvelopeV1;
let backupFile: string;

beforeAll(async () => {
  const created = await createVault(PASS, DATA, KDF);
  if (!created.ok) throw new Error(created.error.code);
  vaultEnvelope = created.value.envelope;
  const otherProfile: VaultData = {
    version: 2,
    accounts: [
      SEEDS[0]!.account, // already there: skipped
      { ...SEEDS[1]!.account, id: 'x', origin: TP }, // same key elsewhere: conflict
      { ...stored('a-tp-r1', { secretBytes: EXT_KEYS[0]! }, {}).account }, // id clash: gets a new id
      { ...stored('imp-2', { secretBytes: EXT_KEYS[1]! }, { origin: SELF, realm: null }).account },
    ],
  };
  const sealed = await sealBackup(otherProfile, BACKUP_PASS, KDF);
  if (!sealed.ok) throw new Error(sealed.error.code);
  backupFile = sealed.value;
});

// ---------------------------------------------------------------------------------------------
// Generators

const str = (max = 30) => hostileString(max);
const oneOf = <T>(...values: T[]) => fc.constantFrom(...values);

const idArb = fc.oneof({ weight: 4, arbitrary: oneOf(...SEED_IDS, 'id-1', 'id-2', 'id-3', 'x') }, { weight: 1, arbitrary: str(10) });
const passArb = fc.oneof({ weight: 4, arbitrary: oneOf(PASS) }, { weight: 2, arbitrary: oneOf(NEW_PASS, BACKUP_PASS) }, { weight: 1, arbitrary: fc.oneof(str(20), oneOf('', 'short')) });
const originArb = fc.oneof(
  { weight: 3, arbitrary: oneOf(TP, SELF) },
  oneOf(TP, SELF, `${SELF}:8443`, 'https://evil.example.com', 'http://community.thingpark.io', 'https://localhost', 'http://localhost:8080'),
  oneOf('community.thingpark.io', 'javascript:alert(1)', 'https://user:pw@iot.example.net', 'https://*.example.net', ''),
  str(20),
);
const realmArb = fc.oneof(oneOf(R1, R2, null, ' ', '../x'), str(10));
const uriArb = fc.oneof({ weight: 4, arbitrary: oneOf(...EXT_URIS) }, { weight: 1, arbitrary: mutated(oneOf(...EXT_URIS), 2) }, { weight: 1, arbitrary: str(40) });

/** Content-script URLs: our platforms' Keycloak pages, look-alikes on other origins, non-web and broken URLs. */
const callerUrlArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(oneOf(TP, SELF), oneOf(R1, R2), oneOf('/auth/realms/', '/realms/'), oneOf('login-actions/authenticate', 'login-actions/required-action?execution=CONFIGURE_TOTP', 'protocol/openid-connect/auth')).map(([o, r, p, rest]) => `${o}${p}${r}/${rest}`) },
  { weight: 1, arbitrary: oneOf(`${TP}/tpe/`, `${TP}/`, `${SELF}:8443/auth/realms/${R1}/x`, `${TP.toUpperCase()}/auth/realms/${R1}/x`) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        oneOf('https://evil.example.com', 'https://community.thingpark.io.evil.com', 'http://community.thingpark.io', 'https://thingpark.io',
          'https://xn--community-thingpark-io.example', 'http://localhost', 'https://iot.example.net.', 'https://[::1]'),
        oneOf(R1, R2, '%2e%2e', `${R1}%2F..`),
      )
      .map(([o, r]) => `${o}/auth/realms/${r}/login-actions/authenticate`),
  },
  { weight: 1, arbitrary: oneOf('about:blank', 'data:text/html,<p>x', 'javascript:void(0)', `blob:${TP}/6a1b`, 'file:///etc/passwd', 'chrome-extension://abc/popup.html', `moz-extension://x/auth/realms/${R1}/`) },
  { weight: 1, arbitrary: fc.oneof(str(40), fc.webUrl()) },
);

const EXT_CALLER: Caller = { kind: 'extension-page' };
const contentCallerArb: fc.Arbitrary<Caller> = fc.record({
  kind: fc.constant('content-script' as const),
  tabId: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer() }),
  frameId: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) }),
  url: callerUrlArb,
});

const manualArb = fc.record({
  key: fc.oneof(oneOf(...PAGE_RAW.map((r) => base32FromBytes(new TextEncoder().encode(r)).replace(/(.{4})/g, '$1 ').trim())), str(40)),
  type: fc.oneof(oneOf('Type: Time-based', 'Type: Counter-based', null), str(10)),
  algorithm: fc.oneof(oneOf('Algorithm: SHA1', 'Algorithm: SHA256', 'Algorithm: MD5', null), str(10)),
  digits: fc.oneof(oneOf('Digits: 6', 'Digits: 8', 'Digits: 99999999999999999999', null), str(10)),
  period: fc.oneof(oneOf('Interval: 30', 'Interval: 0', null), str(10)),
  counter: fc.oneof(oneOf(null, 'Counter: 0', `Counter: ${Number.MAX_SAFE_INTEGER}`), str(10)),
});

/** The page's QR image as the background gets it: one showing `text`, an unreadable one, or none. */
function asImage(text: string | null, unreadable: boolean): string | null {
  return text != null ? fakeQrImage(text) : unreadable ? UNREADABLE_QR : null;
}

const evidenceArb = fc
  .record({
    page: fc.nat({ max: PAGE_RAW.length - 1 }),
    qrText: fc.oneof(
      { weight: 6, arbitrary: fc.constant('QR OF THIS PAGE') },
      { weight: 1, arbitrary: oneOf(...PAGE_URIS) },
      // The QR of one page, the hidden secret of another: must be refused.
      { weight: 1, arbitrary: fc.nat({ max: 2 }).map((i) => pageUri(i, { secretOf: i + 1 })) },
      { weight: 1, arbitrary: mutated(oneOf(...PAGE_URIS), 2) },
      { weight: 1, arbitrary: fc.oneof(oneOf(null, 'https://example.com/not-otpauth', 'otpauth-migration://offline?data=CgA'), str(60), fc.constant('otpauth://totp/x?secret=' + 'A'.repeat(4000))) },
    ),
    qrUnreadable: fc.boolean(),
    hiddenSecret: fc.oneof({ weight: 6, arbitrary: fc.constant('SECRET OF THIS PAGE') }, { weight: 1, arbitrary: oneOf(...PAGE_RAW) }, { weight: 1, arbitrary: fc.oneof(oneOf(null, ''), str(30)) }),
    manual: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: manualArb }),
    keycloakError: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ code: fc.option(str(10), { nil: null }), label: fc.option(str(10), { nil: null }) }) }),
  })
  .map(({ page, qrText, qrUnreadable, ...e }) => ({
    ...e,
    qrImage: asImage(qrText === 'QR OF THIS PAGE' ? PAGE_URIS[page]! : qrText, qrUnreadable),
    hiddenSecret: e.hiddenSecret === 'SECRET OF THIS PAGE' ? PAGE_RAW[page]! : e.hiddenSecret,
  }));

const settingsArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record(
      { autoLockMinutes: fc.integer({ min: 1, max: 1440 }), autoSubmit: fc.boolean(), deviceName: fc.oneof(str(80), oneOf('', 'My laptop')) },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        autoLockMinutes: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.double(), oneOf<unknown>('5', null)),
        autoSubmit: fc.oneof(fc.boolean(), oneOf<unknown>('true', 1)),
        deviceName: fc.oneof(str(80), oneOf('', 'My laptop'), fc.jsonValue()),
        ['__proto__']: fc.jsonValue(),
        toString: fc.jsonValue(),
        unknown: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ),
  },
);

/** A payload per message type: mostly the right shape with hostile values. */
const payloads: { [K in MessageType]: fc.Arbitrary<Record<string, unknown>> } = {
  'vault.status': fc.constant({}),
  'vault.create': fc.record({ passphrase: passArb, confirm: passArb }),
  'vault.unlock': fc.record({ passphrase: passArb }),
  'vault.lock': fc.constant({}),
  'vault.exportRaw': fc.constant({}),
  'vault.reset': fc.record({ confirm: fc.oneof(fc.constant('delete-damaged-vault'), str(20)) }),
  'vault.changePassphrase': fc.tuple(passArb, passArb, fc.boolean(), passArb).map(([oldPassphrase, newPassphrase, same, other]) => ({
    oldPassphrase, newPassphrase, confirm: same ? newPassphrase : other,
  })),
  'settings.update': fc.record({ settings: settingsArb }),
  'tab.fillOtp': fc.record({ tabId: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer()), accountId: fc.option(idArb, { nil: null }) }),
  'accounts.list': fc.constant({}),
  'accounts.head': fc.record({
    platform: fc.option(fc.record({ origin: fc.option(originArb, { nil: null }), realm: realmArb }), { nil: null }),
    limit: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer()),
  }),
  'accounts.codes': fc.record({ ids: fc.array(idArb, { maxLength: 6 }) }),
  'accounts.add': fc.record({
    accounts: fc.array(fc.record({ uri: uriArb, origin: originArb, realm: realmArb, deviceName: str(20) }), { maxLength: 4 }),
    dryRun: fc.boolean(),
  }),
  'accounts.update': fc.record({
    id: idArb,
    changes: fc.record({ label: str(70), deviceName: str(70), origin: originArb, realm: realmArb }, { requiredKeys: [] }),
  }),
  'accounts.delete': fc.record({ id: idArb }),
  'accounts.reveal': fc.record({ id: idArb, passphrase: passArb }),
  'platforms.list': fc.constant({}),
  'platforms.add': fc.record({ url: originArb }),
  'platforms.remove': fc.record({ origin: originArb }),
  'backup.export': fc.tuple(passArb, passArb, fc.boolean()).map(([vaultPassphrase, passphrase, same]) => ({
    vaultPassphrase, passphrase, confirm: same ? passphrase : `${passphrase}!`,
  })),
  'backup.import': fc.record({
    file: fc.oneof(fc.constant('BACKUP'), mutated(fc.constant('BACKUP'), 1), str(40), fc.json()),
    passphrase: passArb,
  }),
  'backup.exportPlain': fc.record({ vaultPassphrase: passArb }),
  'page.enroll': fc.record({ evidence: evidenceArb }),
  'page.submitted': fc.constant({}),
  'page.seen': fc.record({ kind: fc.oneof(oneOf('setup', 'otp', 'login', 'none'), str(5)), setupError: fc.option(str(20), { nil: null }) }),
  'page.fill': fc.record({
    attemptedUsername: fc.oneof(
      { weight: 2, arbitrary: fc.constant(null) },
      { weight: 3, arbitrary: oneOf('jane@example.com', 'JANE@EXAMPLE.COM', 'bob', 'carol', 'dave', 'user0', 'page-user0', 'page-user2') },
      { weight: 1, arbitrary: str(20) },
    ),
    devices: fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(fc.record({ id: str(10), label: fc.oneof(oneOf('Chrome on laptop', '', 'ThingPark Autofill · Test on Linux'), str(20)) }), { maxLength: 3 }) },
    ),
    chosenAccountId: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: idArb }),
    clockOffsetMs: fc.option(fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.double()), { nil: null }),
    pageError: fc.option(str(20), { nil: null }),
  }),
  'page.otpSubmitted': fc.constant({}),
  'page.loadQrReader': fc.constant({}),
  'page.username': fc.record({ username: fc.oneof(oneOf('jane@example.com', 'bob', 'page-user1', ' '), str(300)) }),
};
const TYPES = Object.keys(payloads) as MessageType[];

/** A raw message of one of these types: usually well formed, sometimes damaged the ways a hostile sender would. */
function messageArb(weights: Partial<Record<MessageType, number>>): fc.Arbitrary<unknown> {
  const type = fc.oneof(...TYPES.map((t) => ({ weight: weights[t] ?? 1, arbitrary: fc.constant(t) })));
  return type
    .chain((t) =>
      fc.oneof(
        { weight: 12, arbitrary: payloads[t].map((p) => ({ ...p, type: t })) },
        { weight: 1, arbitrary: fc.tuple(payloads[t], fc.dictionary(str(8), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 })).map(([p, extra]) => ({ ...extra, ...p, type: t })) },
        { weight: 1, arbitrary: fc.tuple(payloads[t], fc.jsonValue({ maxDepth: 2 })).map(([p, v]) => ({ ...p, [Object.keys(p)[0] ?? 'x']: v, type: t })) },
      ),
    )
    .map((m) => {
      // 'BACKUP' stands for the real backup file (made in beforeAll, after the generators).
      const o = m as Record<string, unknown>;
      if (typeof o.file === 'string' && o.file.includes('BACKUP')) return { ...o, file: o.file.replace('BACKUP', backupFile) };
      return m;
    });
}

/** What the options page and popup send (page.* from them is refused: weight 1 each). */
const extMessageArb = messageArb({
  'vault.unlock': 12, 'accounts.add': 10, 'accounts.update': 6, 'accounts.delete': 3, 'accounts.reveal': 3, 'accounts.codes': 4,
  'accounts.list': 2, 'backup.import': 6, 'backup.export': 3, 'backup.exportPlain': 3, 'platforms.add': 3, 'platforms.remove': 3,
  'platforms.list': 2, 'settings.update': 6, 'vault.changePassphrase': 4, 'vault.create': 2, 'tab.fillOtp': 3, 'vault.status': 2,
});
/** What content scripts send (anything else is refused: weight 1 each). */
const contentMessageArb = messageArb({
  'page.enroll': 24, 'page.fill': 30, 'page.otpSubmitted': 18, 'page.submitted': 18, 'page.seen': 18, 'page.username': 10,
  'page.loadQrReader': 4, 'vault.status': 4,
});
const rawMessageArb = fc.oneof(extMessageArb, contentMessageArb);

const garbageMessageArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything(),
  fc.record({ type: fc.oneof(oneOf('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'vault.Status', 'page.', ''), str(12)) }),
  fc.constantFrom(...TYPES).map((type) => ({ type: [type] })),
);

type Step =
  | { kind: 'message'; caller: Caller; raw: unknown }
  | { kind: 'tick'; ms: number }
  | { kind: 'alarm' }
  | { kind: 'restart'; browser: boolean }
  | { kind: 'tabLoaded'; tabId: number; delayMs: number }
  | { kind: 'tabRemoved'; tabId: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('message' as const), caller: fc.constant(EXT_CALLER), raw: extMessageArb }) },
  { weight: 24, arbitrary: fc.record({ kind: fc.constant('message' as const), caller: contentCallerArb, raw: contentMessageArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('message' as const), caller: fc.oneof(fc.constant(EXT_CALLER), contentCallerArb), raw: garbageMessageArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.oneof(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 3_600_000 })) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'alarm' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), browser: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tabLoaded' as const), tabId: fc.integer({ min: 1, max: 3 }), delayMs: fc.integer({ min: -10, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tabRemoved' as const), tabId: fc.integer({ min: 1, max: 3 }) }) },
);

// ---------------------------------------------------------------------------------------------
// The run

/** Outcomes per caller, message type and reply (FC_STATS=1 prints them: is the generator reaching deep states?). */
const STATS = new Map<string, number>();

interface World {
  local: MemoryArea;
  session: MemoryArea;
  platforms: FakePlatforms;
  clock: { now: number };
  svc: VaultService;
  ids: number;
  boots: number;
}

function boot(w: Omit<World, 'svc'> & { svc?: VaultService }): World {
  const world = w as World;
  world.boots += 1;
  world.svc = createVaultService({
    local: w.local,
    session: w.session,
    alarms: new FakeAlarms(),
    bootId: `boot-${w.boots}`,
    kdf: KDF,
    defaultDeviceName: async () => 'ThingPark Autofill · Test on Linux',
    fillTab: async (tabId) => tabId >= 1 && tabId <= 3,
    loadQrReader: async () => undefined,
    readQr: fakeReadQr,
    platforms: w.platforms,
    now: () => world.clock.now,
    newId: () => `id-${++world.ids}`,
  });
  return world;
}

/** The vault content as stored, opened with the passphrase (null if it does not open). */
async function storedData(local: MemoryArea, passphrase: string): Promise<VaultData | null> {
  const opened = await unlockVault<unknown>(local.map.get(KEYS.vault), passphrase);
  if (!opened.ok) return null;
  const data = parseVaultData(opened.value.data);
  return data.ok ? data.value : null;
}

const originOf = (url: string): string | null => {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

async function runSequence(startUnlocked: boolean, steps: Step[]): Promise<void> {
  const platforms = new FakePlatforms();
  platforms.granted.add(matchPatternFor(SELF));
  const local = new MemoryArea();
  local.map.set(KEYS.vault, structuredClone(vaultEnvelope));
  local.map.set(KEYS.platforms, [{ origin: SELF, addedAt: 1 }]);
  let world = boot({ local, session: new MemoryArea(), platforms, clock: { now: 1_700_000_020_000 }, ids: 0, boots: 0 });
  let passphrase = PASS;
  if (startUnlocked) {
    const r = await world.svc.handle({ type: 'vault.unlock', passphrase: PASS }, { kind: 'extension-page' });
    expect(r.ok).toBe(true);
  }
  let data = (await storedData(local, passphrase))!;
  expect(data).not.toBeNull();

  for (const step of steps) {
    // The setup page's write-ahead lands after its reply: what a step changed is compared once
    // the writes it started have landed.
    await world.svc.settled();
    const localBefore = local.json();
    let reply: unknown = undefined;
    let caller: Caller | null = null;
    switch (step.kind) {
      case 'tick':
        world.clock.now += step.ms;
        break;
      case 'alarm':
        await world.svc.onAlarm(AUTO_LOCK_ALARM);
        break;
      case 'restart':
        // A worker restart keeps storage.session; a browser restart empties it and locks.
        if (step.browser) world.session = new MemoryArea();
        world = boot(world);
        if (step.browser) await world.svc.onBrowserStartup();
        break;
      case 'tabLoaded':
        await world.svc.onTabLoaded(step.tabId, world.clock.now + step.delayMs);
        break;
      case 'tabRemoved':
        await world.svc.onTabRemoved(step.tabId);
        break;
      case 'message': {
        caller = step.caller;
        const message = parseMessage(step.raw); // a throw fails the property
        if (message === null) {
          reply = { ok: false, error: { code: 'bad-request' } }; // what entrypoints/background/index.ts answers
          break;
        }
        expect(message).toBe(step.raw); // accepted as is, never rewritten
        reply = await world.svc.handle(message, caller);
        const r = reply as { ok: boolean; error?: { code: string }; value?: { kind?: string } };
        const key = `${caller.kind === 'content-script' ? 'cs' : 'ext'} ${message.type} ${r.ok ? `ok${r.value?.kind ? `:${r.value.kind}` : ''}` : r.error!.code}`;
        STATS.set(key, (STATS.get(key) ?? 0) + 1);
        expect(() => structuredClone(reply)).not.toThrow();
        // It crosses runtime.sendMessage as a JSON string: nothing may be lost on the way.
        expect(decodeReply(encodeReply(reply as Reply<MessageType>))).toEqual(reply);
        break;
      }
    }

    // Replies: a value with a known code, never an internal failure.
    if (reply !== undefined) {
      expect(badResult(reply, APP_CODES)).toBeNull();
      expect((reply as { error?: { code: string } }).error?.code).not.toBe('internal');
      // (A setup page that cannot be filled still settles the tab's last enrollment first, as its
      // page.seen would: what a content script may change is checked below.)
      const settles = caller?.kind === 'content-script' && (step as { raw?: { type?: string } }).raw?.type === 'page.enroll';
      await world.svc.settled();
      if (!(reply as { ok: boolean }).ok && !settles) expect(local.json()).toBe(localBefore);
    }

    // storage.local: ciphertext, settings and platforms only.
    // (Plain loops and one expect per check: hundreds of thousands of expect calls would dominate the run.)
    const localText = local.json();
    expect(FORBIDDEN_IN_LOCAL.filter((secret) => localText.includes(secret))).toEqual([]);

    // The vault: unchanged, or still opens with the current passphrase and holds valid accounts.
    if (reply && (reply as { ok: boolean }).ok && (step as { raw?: { type?: string } }).raw?.type === 'vault.changePassphrase') {
      passphrase = ((step as { raw: { newPassphrase: string } }).raw).newPassphrase;
    }
    const before = data;
    await world.svc.settled();
    if (local.json() !== localBefore) {
      const now = await storedData(local, passphrase);
      expect(now, 'the stored vault no longer opens with the passphrase').not.toBeNull();
      data = now!;
    }

    if (caller?.kind === 'content-script') {
      const text = JSON.stringify(reply);
      expect(FORBIDDEN.filter((secret) => text.includes(secret)), 'a reply to a content script holds a secret').toEqual([]);
      checkContentScriptReply(caller, reply as { ok: boolean; value?: unknown }, data);
      if (data !== before) {
        // A page can mark a code used, enroll an account for its own origin, and settle an
        // unconfirmed enrollment (submitted, confirmed; removed only if of its own origin);
        // nothing else.
        const origin = originOf(caller.url);
        const keep = ({ lastUsedStep: _l, counter: _c, enrollment: _e, ...rest }: StoredAccount) => JSON.stringify(rest);
        const changed = before.accounts.filter((a) => {
          const after = data.accounts.find((b) => b.id === a.id);
          if (!after) return !(isUnconfirmed(a) && a.origin === origin);
          if (keep(after) !== keep(a)) return true;
          // An enrollment record only moves forward: submitted, then confirmed; never back, never added.
          const [x, y] = [a.enrollment ?? null, after.enrollment ?? null];
          if (x === null || y === null) return x !== y;
          return x.filledAt !== y.filledAt || (x.submittedAt !== null && y.submittedAt !== x.submittedAt) || (x.confirmed !== null && JSON.stringify(y.confirmed) !== JSON.stringify(x.confirmed));
        });
        expect(changed.map((a) => a.id), 'a content script removed or changed an account').toEqual([]);
        const foreign = data.accounts.filter((b) => !before.accounts.some((a) => a.id === b.id) && b.origin !== origin);
        expect(foreign.map((b) => b.id), 'a content script added an account for another origin').toEqual([]);
      }
    }
  }

  // A browser restart later: the vault still opens with the passphrase, in a fresh background.
  const fresh = boot({ local, session: new MemoryArea(), platforms, clock: world.clock, ids: world.ids, boots: world.boots });
  const unlocked = await fresh.svc.handle({ type: 'vault.unlock', passphrase }, { kind: 'extension-page' });
  expect(unlocked, 'the vault does not unlock after the sequence').toMatchObject({ ok: true });
  const list = await fresh.svc.handle({ type: 'accounts.list' } as Message<'accounts.list'>, { kind: 'extension-page' });
  expect(list.ok && list.value.length).toBe(data.accounts.length);
}

/** Codes and account choices only for accounts bound to the caller's origin (and realm). */
function checkContentScriptReply(caller: Extract<Caller, { kind: 'content-script' }>, reply: { ok: boolean; value?: unknown }, data: VaultData): void {
  if (!reply.ok) return;
  const value = reply.value as { kind?: string; accountId?: string; candidates?: { id: string }[] };
  const origin = originOf(caller.url);
  const realm = realmFromUrl(caller.url);
  const ids = value?.kind === 'fill' ? [value.accountId!] : value?.kind === 'choose' ? value.candidates!.map((c) => c.id) : [];
  const foreign = ids.filter((id) => {
    const a = data.accounts.find((x) => x.id === id);
    return !a || a.origin !== origin || (realm !== null && a.realm !== null && a.realm !== realm);
  });
  expect(foreign, 'a content script was offered an account bound elsewhere').toEqual([]);
}

// ---------------------------------------------------------------------------------------------

describe('the background under random message sequences', { timeout: 120_000 }, () => {
  it('every reply is a value with a known code; storage stays valid; content scripts get nothing of other origins (300 sequences of 5 to 30 steps)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), fc.array(stepArb, { minLength: 5, maxLength: 30, size: 'max' }), (startUnlocked, steps) => runSequence(startUnlocked, steps)),
      runs(300),
    );
    if (process.env.FC_STATS) console.log([...STATS].sort().map(([k, n]) => `${String(n).padStart(6)} ${k}`).join('\n'));
  });

  it('one tab\'s page flow (enroll, submit, next page, fill, submit the code) keeps the vault valid (200 sequences)', async () => {
    // Narrower than the sequences above, so that whole enrollments and logins happen often.
    const tabUrl = fc.constantFrom(
      `${TP}/auth/realms/${R1}/login-actions/required-action?execution=CONFIGURE_TOTP`,
      `${TP}/auth/realms/${R1}/login-actions/authenticate`,
      `${TP}/tpe/`,
    );
    const tabCaller = tabUrl.map((url): Caller => ({ kind: 'content-script', tabId: 1, frameId: 0, url }));
    const flowMessage = messageArb({
      'page.enroll': 30, 'page.submitted': 30, 'page.seen': 30, 'page.fill': 40, 'page.otpSubmitted': 40, 'page.username': 10,
    });
    const flowStep: fc.Arbitrary<Step> = fc.oneof(
      { weight: 12, arbitrary: fc.record({ kind: fc.constant('message' as const), caller: tabCaller, raw: flowMessage }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('message' as const), caller: fc.constant(EXT_CALLER), raw: messageArb({ 'accounts.add': 40, 'accounts.delete': 5 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 120_000 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('tabLoaded' as const), tabId: fc.constant(1), delayMs: fc.integer({ min: -10, max: 3000 }) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(flowStep, { minLength: 5, maxLength: 30, size: 'max' }), (steps) => runSequence(true, steps)),
      runs(200),
    );
  });

  it('parseMessage refuses malformed messages and never throws (5000 cases)', () => {
    fc.assert(
      fc.property(fc.oneof(rawMessageArb, garbageMessageArb), (raw) => {
        const m = parseMessage(raw);
        if (m === null) return;
        expect(m).toBe(raw);
        expect(TYPES).toContain(m.type);
      }),
      runs(5000),
    );
  });
});
