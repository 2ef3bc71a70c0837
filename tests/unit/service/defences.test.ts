/**
 * The background's defences against callers that should get nothing (SECURITY.md, "Messages" and
 * "Pages"), over every message type so that a new message is covered as soon as it is added to
 * the protocol (`SAMPLES` below must name it, or the type check fails):
 * - a content script may send only page.* messages and vault.status, and only from a top frame;
 * - an extension page may not send page.* messages;
 * - page.fill and page.enroll take the origin and realm from the caller (the browser's sender
 *   information), never from fields of the message;
 * - an account bound to an origin and realm is never served to a look-alike origin or another realm.
 * What already lives elsewhere (not repeated here): tests/unit/service/pages.test.ts "who may ask" and
 * "page.seen from another origin", tests/unit/service/fill.test.ts "another origin" and "an extension
 * page or a sub-frame", and the random sequences of tests/unit/service/service.property.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FakePlatforms } from './memory-platforms';
import { createVaultService } from '../../../lib/service/service';
import { allowedFor, type Caller } from '../../../lib/protocol/access';
import { parseMessage } from '../../../lib/protocol/validation';
import type { AccountSummary, Message, MessageType, Protocol, Reply } from '../../../lib/protocol/messages';
import type { FillRequest, PageEvidence } from '../../../lib/protocol/page';
import * as kc from '../../simulator/keycloak.mjs';
import { MemoryArea, FakeAlarms } from './memory-ports';
import { fakeQrImage, fakeReadQr } from './text-qr';

// ---------------------------------------------------------------------------------------------
// Data

const KDF = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const NEW_PASS = 'another long passphrase';
const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';
const SELF_HOSTED = 'https://tpe.integrator.example';
const EVIL = 'https://community.thingpark.io.evil.example';
const otpUrl = (origin: string, realm = REALM) => `${origin}/auth/realms/${realm}/login-actions/authenticate?execution=otp&client_id=tpe&tab_id=x`;
const setupUrl = (origin: string, realm = REALM) =>
  `${origin}/auth/realms/${realm}/login-actions/required-action?execution=CONFIGURE_TOTP&client_id=tpe&tab_id=x`;

const JANE = 'jane@example.com';
const JANE_RAW = 'Jq3kP9vLm2Rt7Wc1Bn5d';
const JANE_URI = kc.buildKeyUri({ policy: kc.normalizePolicy({}), issuer: 'ThingPark Enterprise', account: JANE, rawSecret: JANE_RAW });
const BOB = 'bob@example.com';
const BOB_RAW = 'Bz8TqW2mXn4Lp6Ks1Vb9';
const BOB_URI = kc.buildKeyUri({ policy: kc.normalizePolicy({}), issuer: 'ThingPark Enterprise', account: BOB, rawSecret: BOB_RAW });
const bobEvidence: PageEvidence = {
  qrImage: fakeQrImage(BOB_URI),
  hiddenSecret: BOB_RAW,
  manual: null,
  keycloakError: null,
};

const EXT: Caller = { kind: 'extension-page' };
const tab = (url: string, frameId = 0, tabId = 7): Caller => ({ kind: 'content-script', tabId, frameId, url });
const fillRequest = (over: Partial<FillRequest> = {}): FillRequest => ({
  attemptedUsername: null,
  devices: [],
  chosenAccountId: null,
  clockOffsetMs: null,
  pageError: null,
  ...over,
});

/** The id every fresh environment gives its first account (see boot). */
const JANE_ID = 'id-1';

/**
 * A well-formed request of every message type (parseMessage accepts each): refusals below are
 * the caller check's, not the validator's. Adding a message to the protocol without a sample
 * here fails the type check.
 */
const SAMPLES: { [K in MessageType]: Protocol[K]['req'] } = {
  'vault.status': {},
  'vault.create': { passphrase: PASS, confirm: PASS },
  'vault.unlock': { passphrase: PASS },
  'vault.lock': {},
  'vault.exportRaw': {},
  'vault.reset': { confirm: 'delete-damaged-vault' },
  'vault.changePassphrase': { oldPassphrase: PASS, newPassphrase: NEW_PASS, confirm: NEW_PASS },
  'settings.update': { settings: { autoSubmit: true } },
  'tab.fillOtp': { tabId: 7, accountId: JANE_ID },
  'accounts.list': {},
  'accounts.head': { platform: { origin: EVIL, realm: REALM }, limit: 8 },
  'accounts.codes': { ids: [JANE_ID] },
  'accounts.add': { accounts: [{ uri: JANE_URI.replace('jane', 'joe'), origin: EVIL, realm: REALM, deviceName: 'x' }], dryRun: false },
  'accounts.update': { id: JANE_ID, changes: { origin: EVIL } },
  'accounts.delete': { id: JANE_ID },
  'accounts.reveal': { id: JANE_ID, passphrase: PASS },
  'platforms.list': {},
  'platforms.add': { url: SELF_HOSTED },
  'platforms.remove': { origin: SELF_HOSTED },
  'backup.export': { vaultPassphrase: PASS, passphrase: NEW_PASS, confirm: NEW_PASS },
  'backup.import': { file: '{}', passphrase: NEW_PASS },
  'backup.exportPlain': { vaultPassphrase: PASS },
  'page.enroll': { evidence: bobEvidence },
  'page.submitted': {},
  'page.seen': { kind: 'none', setupError: null },
  'page.fill': fillRequest({ attemptedUsername: JANE }),
  'page.otpSubmitted': {},
  'page.loadQrReader': {},
  'page.username': { username: JANE },
};
const TYPES = Object.keys(SAMPLES) as MessageType[];
const isPageType = (t: MessageType) => t.startsWith('page.');
/** What a content script in a top frame may ask: the page messages and the vault's state. */
const CONTENT_SCRIPT_TYPES = TYPES.filter((t) => isPageType(t) || t === 'vault.status');

const message = <K extends MessageType>(type: K, payload: Protocol[K]['req'] = SAMPLES[type]): Message<K> => {
  const parsed = parseMessage({ type, ...payload });
  if (!parsed) throw new Error(`the sample of ${type} is not well-formed`);
  return parsed as Message<K>;
};

// ---------------------------------------------------------------------------------------------
// Helpers

interface Env {
  local: MemoryArea;
  session: MemoryArea;
  platforms: FakePlatforms;
  /** Every call of a port that acts on the browser (fill a tab, inject the QR reader). */
  portCalls: string[];
  send<K extends MessageType>(type: K, payload?: Protocol[K]['req'], caller?: Caller): Promise<Reply<K>>;
}

/** An unlocked vault holding jane's account, bound to ORIGIN and REALM (id JANE_ID). */
async function boot(): Promise<Env> {
  const local = new MemoryArea();
  const session = new MemoryArea();
  const platforms = new FakePlatforms();
  platforms.granted.add(`${SELF_HOSTED}/*`);
  const portCalls: string[] = [];
  let ids = 0;
  const svc = createVaultService({
    local,
    session,
    alarms: new FakeAlarms(),
    bootId: 'boot',
    kdf: KDF,
    defaultDeviceName: async () => 'ThingPark Autofill · Test on Linux',
    fillTab: async (tabId) => (portCalls.push(`fillTab ${tabId}`), true),
    loadQrReader: async (tabId, frameId) => void portCalls.push(`loadQrReader ${tabId} ${frameId}`),
    readQr: fakeReadQr,
    platforms,
    now: () => 1_700_000_020_000,
    newId: () => `id-${++ids}`,
  });
  const send = <K extends MessageType>(type: K, payload: Protocol[K]['req'] = SAMPLES[type], caller: Caller = EXT) =>
    svc.handle(message(type, payload), caller);
  const env = { local, session, platforms, portCalls, send };
  expect(await send('vault.create', { passphrase: PASS, confirm: PASS })).toMatchObject({ ok: true });
  const added = await send('accounts.add', { accounts: [{ uri: JANE_URI, origin: ORIGIN, realm: REALM, deviceName: 'Laptop' }], dryRun: false });
  expect(added).toMatchObject({ ok: true, value: [{ status: 'added', id: JANE_ID }] });
  return env;
}

/** Everything a refused request must leave as it was. */
const stateOf = async (env: Env) => ({
  local: env.local.json(),
  session: env.session.json(),
  scripts: [...env.platforms.scripts.entries()],
  granted: [...env.platforms.granted],
  released: [...env.platforms.released],
  ports: [...env.portCalls],
});

const accounts = async (env: Env): Promise<AccountSummary[]> => {
  const r = await env.send('accounts.list');
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

const fillFrom = (env: Env, caller: Caller, over: Partial<FillRequest> & Record<string, unknown> = {}) =>
  env.send('page.fill', fillRequest(over), caller);

const FORBIDDEN = { ok: false, error: { code: 'forbidden' } };

// ---------------------------------------------------------------------------------------------

describe('who may send what (every message type)', () => {
  it('the samples cover the protocol: each is well-formed, and content scripts may use exactly page.* and vault.status', () => {
    // The type check already demands a sample per message; this also fails a run without it.
    const source = readFileSync(new URL('../../../lib/protocol/messages.ts', import.meta.url), 'utf8');
    const block = source.slice(source.indexOf('export interface Protocol {'));
    const declared = [...block.slice(0, block.indexOf('\n}\n')).matchAll(/^ {2}'([a-z]+\.[A-Za-z]+)':\s*\{/gm)].map((m) => m[1]);
    expect(declared.length).toBeGreaterThan(20);
    expect([...TYPES].sort()).toEqual(declared.sort());
    for (const t of TYPES) expect(parseMessage({ type: t, ...SAMPLES[t] }), t).not.toBeNull();
    const topFrame = tab(otpUrl(ORIGIN));
    expect(TYPES.filter((t) => allowedFor(topFrame, t))).toEqual(CONTENT_SCRIPT_TYPES);
    expect(TYPES.filter((t) => allowedFor(EXT, t))).toEqual(TYPES.filter((t) => !isPageType(t)));
    expect(TYPES.filter((t) => allowedFor(tab(otpUrl(ORIGIN), 1), t))).toEqual([]);
  });

  it.each(TYPES.filter((t) => !CONTENT_SCRIPT_TYPES.includes(t)))(
    "a content script sending %s gets 'forbidden' and changes nothing; the settings page is answered",
    async (type) => {
      const env = await boot();
      const before = await stateOf(env);
      for (const url of [otpUrl(ORIGIN), setupUrl(ORIGIN), `${ORIGIN}/tpe/`]) {
        expect(await env.send(type, SAMPLES[type], tab(url))).toEqual(FORBIDDEN);
      }
      expect(await stateOf(env)).toEqual(before);
      expect(await env.send('vault.status')).toMatchObject({ ok: true, value: { state: 'unlocked', accounts: 1 } });
      // The same request from our own page is not refused for who sent it.
      expect(await env.send(type, SAMPLES[type], EXT)).not.toMatchObject({ error: { code: 'forbidden' } });
    },
  );

  it.each(TYPES.filter(isPageType))("the settings page sending %s gets 'forbidden' and changes nothing; a top-frame content script is answered", async (type) => {
    const env = await boot();
    const before = await stateOf(env);
    expect(await env.send(type, SAMPLES[type], EXT)).toEqual(FORBIDDEN);
    expect(await stateOf(env)).toEqual(before);
    expect(await env.send(type, SAMPLES[type], tab(setupUrl(ORIGIN)))).not.toMatchObject({ error: { code: 'forbidden' } });
  });

  it.each(TYPES)("a sub-frame sending %s gets 'forbidden' and changes nothing", async (type) => {
    const env = await boot();
    const before = await stateOf(env);
    for (const frameId of [1, 2, 1234]) {
      expect(await env.send(type, SAMPLES[type], tab(otpUrl(ORIGIN), frameId))).toEqual(FORBIDDEN);
      expect(await env.send(type, SAMPLES[type], tab(setupUrl(ORIGIN), frameId))).toEqual(FORBIDDEN);
    }
    expect(await stateOf(env)).toEqual(before);
  });

  it('a sub-frame of the very page whose top frame gets a code gets nothing', async () => {
    const env = await boot();
    expect(await fillFrom(env, tab(otpUrl(ORIGIN), 3), { attemptedUsername: JANE })).toEqual(FORBIDDEN);
    expect(await fillFrom(env, tab(otpUrl(ORIGIN), 0), { attemptedUsername: JANE })).toMatchObject({ ok: true, value: { kind: 'fill', accountId: JANE_ID } });
  });
});

describe("the page's platform comes from the caller, never from the message", () => {
  /** Fields a hostile page could add to a request, naming another platform. */
  const claims = (origin: string, realm: string) => ({ origin, realm, url: otpUrl(origin, realm), tabUrl: otpUrl(origin, realm), frameId: 0 });

  it('page.fill: the caller on ORIGIN is served whatever the message claims; another origin claiming ORIGIN gets nothing', async () => {
    const env = await boot();
    const claimsElsewhere = claims(SELF_HOSTED, 'other');
    expect(parseMessage({ type: 'page.fill', ...fillRequest(), ...claimsElsewhere })).not.toBeNull(); // extra fields do not make it malformed
    expect(await fillFrom(env, tab(otpUrl(ORIGIN)), { attemptedUsername: JANE, ...claimsElsewhere })).toMatchObject({
      ok: true,
      value: { kind: 'fill', accountId: JANE_ID },
    });
    for (const caller of [tab(otpUrl(SELF_HOSTED)), tab(otpUrl(EVIL)), tab(otpUrl(ORIGIN, 'other-realm'))]) {
      // Even naming the account (the in-page chooser's answer) does not reach it.
      for (const over of [{ attemptedUsername: JANE }, { chosenAccountId: JANE_ID }, {}]) {
        expect(await fillFrom(env, caller, { ...over, ...claims(ORIGIN, REALM) })).toEqual({ ok: true, value: { kind: 'none', reason: 'no-account' } });
      }
    }
  });

  it("page.fill on a platform with its own account: naming another platform's account id gets nothing", async () => {
    const env = await boot();
    const bobUri = BOB_URI;
    const added = await env.send('accounts.add', { accounts: [{ uri: bobUri, origin: SELF_HOSTED, realm: 'integrator', deviceName: 'Laptop' }], dryRun: false });
    expect(added).toMatchObject({ ok: true, value: [{ status: 'added' }] });
    const bobId = added.ok ? (added.value[0] as { id: string }).id : '';
    const onSelfHosted = tab(otpUrl(SELF_HOSTED, 'integrator'));
    expect(await fillFrom(env, onSelfHosted, { chosenAccountId: JANE_ID, ...claims(ORIGIN, REALM) })).toEqual({ ok: true, value: { kind: 'none', reason: 'no-account' } });
    expect(await fillFrom(env, onSelfHosted, { chosenAccountId: bobId })).toMatchObject({ ok: true, value: { kind: 'fill', accountId: bobId } });
  });

  it("page.enroll: the account is bound to the caller's origin and realm, not the message's", async () => {
    const env = await boot();
    const caller = tab(setupUrl(SELF_HOSTED, 'integrator'), 0, 9);
    const enrolled = await env.send('page.enroll', { evidence: bobEvidence, ...claims(ORIGIN, REALM) } as Protocol['page.enroll']['req'], caller);
    expect(enrolled).toMatchObject({ ok: true, value: { accountName: BOB } });
    expect(await env.send('page.submitted', {}, caller)).toMatchObject({ ok: true, value: { pending: true } });
    // The next page, on the same platform, says the setup was accepted.
    const seen = await env.send('page.seen', { kind: 'none', setupError: null, ...claims(ORIGIN, REALM) } as Protocol['page.seen']['req'], tab(`${SELF_HOSTED}/tpe/`, 0, 9));
    expect(seen).toMatchObject({ ok: true, value: { saved: { accountName: BOB } } });
    const bob = (await accounts(env)).find((a) => a.accountName === BOB);
    expect(bob).toMatchObject({ origin: SELF_HOSTED, realm: 'integrator' });
    // And the reverse: from ORIGIN, claiming the self-hosted platform.
    const env2 = await boot();
    const onOrigin = tab(setupUrl(ORIGIN), 0, 4);
    expect(await env2.send('page.enroll', { evidence: bobEvidence, ...claims(SELF_HOSTED, 'integrator') } as Protocol['page.enroll']['req'], onOrigin)).toMatchObject({ ok: true });
    expect(await env2.send('page.submitted', {}, onOrigin)).toMatchObject({ ok: true, value: { pending: true } });
    expect(await env2.send('page.seen', { kind: 'none', setupError: null }, tab(`${ORIGIN}/tpe/`, 0, 4))).toMatchObject({ ok: true, value: { saved: { accountName: BOB } } });
    expect((await accounts(env2)).find((a) => a.accountName === BOB)).toMatchObject({ origin: ORIGIN, realm: REALM });
  });
});

describe('an account bound to https://community.thingpark.io and its realm', () => {
  // Served: the same origin however the URL spells it (default port, upper case, Keycloak
  // without /auth). The controls show the refusals below are about the origin and realm.
  it.each([
    otpUrl(ORIGIN),
    otpUrl('https://COMMUNITY.ThingPark.io:443'),
    `${ORIGIN}/realms/${REALM}/login-actions/authenticate?execution=otp`,
  ])('is served to %s', async (url) => {
    const env = await boot();
    expect(await fillFrom(env, tab(url), { attemptedUsername: JANE })).toMatchObject({ ok: true, value: { kind: 'fill', accountId: JANE_ID } });
  });

  it.each([
    otpUrl('https://community.thingpark.io.evil.example'),
    otpUrl('http://community.thingpark.io'),
    otpUrl('https://community.thingpark.io:8443'),
    otpUrl(ORIGIN, 'another-realm'),
    otpUrl('https://thingpark.io'),
    otpUrl('https://evil-community.thingpark.io'),
    otpUrl('https://community.thingpark.io@evil.example'),
    `https://evil.example/${otpUrl(ORIGIN)}`,
    `https://evil.example/?next=${otpUrl(ORIGIN)}`,
    'about:blank',
    'not a url',
  ])('is never served to %s, even when the page names the account', async (url) => {
    const env = await boot();
    for (const over of [{ attemptedUsername: JANE }, { chosenAccountId: JANE_ID }, { attemptedUsername: JANE, chosenAccountId: JANE_ID }, {}]) {
      const reply = await fillFrom(env, tab(url), over);
      expect(reply).toEqual({ ok: true, value: { kind: 'none', reason: 'no-account' } });
    }
  });
});
