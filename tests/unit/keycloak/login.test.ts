/**
 * Login logic (lib/keycloak/login.ts), pure: which stored account and Keycloak OTP device an OTP page is
 * for (exact origin, realm, user name, device list), which code Keycloak accepts now (Keycloak
 * 20+ refuses a code already accepted for the device, the setup code included), marking a code
 * used, and the server clock offset from a `Date` header.
 * One file per module under test.
 */
import { describe, expect, it } from 'vitest';
import { codeNow, markUsed, pageMark, pickAccount, type LoginContext } from '../../../lib/keycloak/login';
import { clockOffset, SKEW_TOLERANCE_MS } from '../../../lib/otp/clock';
import { parseVaultData, type StoredAccount } from '../../../lib/vault/accounts';
import { parseOtpauthUri } from '../../../lib/otp/otp';
import { needsClockCorrection } from '../../../lib/otp/clock';

// ---------------------------------------------------------------------------------------------
// Data and helpers

const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';
const DEVICE = 'ThingPark Autofill · Test on Linux';
const T0 = 1_700_000_000_000;

// Keycloak's example (thingpark-login.md) and other users' keys (base32, at least 16 characters).
const JANE_URI =
  'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30';
const uriFor = (account: string, secret = 'LJZDQVDRK4ZG2WDOGRGHANSLOMYVMYRZ', issuer = 'ThingPark Enterprise') =>
  `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}?secret=${secret}&digits=6&algorithm=SHA1&issuer=${encodeURIComponent(issuer)}&period=30`;

// RFC 4226 / RFC 6238 seed: ASCII "12345678901234567890".
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_TOTP_URI = `otpauth://totp/RFC:totp?secret=${RFC_SECRET}&digits=8&algorithm=SHA1&issuer=RFC&period=30`;
const RFC_HOTP_URI = (counter: number) => `otpauth://hotp/RFC:hotp?secret=${RFC_SECRET}&digits=6&algorithm=SHA1&issuer=RFC&counter=${counter}`;
const RFC_HOTP_CODES = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

let seq = 0;

function account(uri: string, over: Partial<StoredAccount> = {}): StoredAccount {
  const parsed = parseOtpauthUri(uri);
  if (!parsed.ok) throw new Error(`bad test URI: ${parsed.error.code}`);
  return {
    ...parsed.value,
    id: `acc-${++seq}`,
    origin: ORIGIN,
    realm: REALM,
    deviceName: DEVICE,
    addedAt: T0,
    lastUsedStep: null,
    ...over,
  };
}

function ctx(over: Partial<LoginContext> = {}): LoginContext {
  return {
    origin: ORIGIN,
    realm: REALM,
    attemptedUsername: null,
    rememberedUsername: null,
    devices: [],
    chosenAccountId: null,
    ...over,
  };
}

/** The picked account's id, or the reply's kind/reason otherwise (readable failures). */
function picked(accounts: readonly StoredAccount[], c: LoginContext): string {
  const p = pickAccount(accounts, c);
  if (p.kind === 'account') return p.account.id;
  if (p.kind === 'choose') return `choose:${p.candidates.map((a) => a.id).join(',')}`;
  return `none:${p.reason}`;
}

// ---------------------------------------------------------------------------------------------

describe('pickAccount: which platform', () => {
  it('no stored accounts → none/no-account', () => {
    expect(pickAccount([], ctx())).toEqual({ kind: 'none', reason: 'no-account' });
    expect(pickAccount([], ctx({ attemptedUsername: 'jane.doe@example.com' }))).toEqual({ kind: 'none', reason: 'no-account' });
  });

  it.each([
    'https://thingparkenterprise.eu.actility.com',
    'http://community.thingpark.io',
    'https://community.thingpark.io:8443',
    'https://evil-community.thingpark.io',
    'https://community.thingpark.io.evil.example',
  ])('an account of %s is not offered on the exact origin https://community.thingpark.io (same realm and user)', (other) => {
    const jane = account(JANE_URI, { origin: other });
    expect(pickAccount([jane], ctx({ attemptedUsername: 'jane.doe@example.com' }))).toEqual({ kind: 'none', reason: 'no-account' });
    expect(pickAccount([jane], ctx())).toEqual({ kind: 'none', reason: 'no-account' });
    // And the other way round: the page is on the other origin, the account on ours.
    expect(pickAccount([account(JANE_URI)], ctx({ origin: other, attemptedUsername: 'jane.doe@example.com' }))).toEqual({
      kind: 'none',
      reason: 'no-account',
    });
  });

  it('only the exact origin among several platforms', () => {
    const eu = account(JANE_URI, { origin: 'https://thingparkenterprise.eu.actility.com' });
    const http = account(JANE_URI, { origin: 'http://community.thingpark.io' });
    const port = account(JANE_URI, { origin: 'https://community.thingpark.io:8443' });
    const ours = account(JANE_URI);
    const all = [eu, http, ours, port];
    expect(picked(all, ctx({ attemptedUsername: 'jane.doe@example.com' }))).toBe(ours.id);
    expect(picked(all, ctx())).toBe(ours.id);
    expect(picked(all, ctx({ origin: 'https://community.thingpark.io:8443' }))).toBe(port.id);
    expect(picked(all, ctx({ origin: 'http://community.thingpark.io' }))).toBe(http.id);
  });

  it('another realm on the same origin → none', () => {
    const jane = account(JANE_URI, { realm: 'tpw-users-other-ope' });
    expect(pickAccount([jane], ctx({ attemptedUsername: 'jane.doe@example.com' }))).toEqual({ kind: 'none', reason: 'no-account' });
    // Among both, only the page's realm is a candidate.
    const ours = account(JANE_URI);
    expect(picked([jane, ours], ctx({ attemptedUsername: 'jane.doe@example.com' }))).toBe(ours.id);
    expect(picked([jane, ours], ctx())).toBe(ours.id);
  });

  it('a page without a realm matches by origin', () => {
    const jane = account(JANE_URI);
    expect(picked([jane], ctx({ realm: null }))).toBe(jane.id);
    expect(picked([jane], ctx({ realm: null, attemptedUsername: 'jane.doe@example.com' }))).toBe(jane.id);
    // Still the exact origin only.
    expect(picked([jane], ctx({ realm: null, origin: 'https://community.thingpark.io:8443' }))).toBe('none:no-account');
  });

  it('an account without a realm (added by hand) matches any realm of its origin', () => {
    const jane = account(JANE_URI, { realm: null });
    expect(picked([jane], ctx())).toBe(jane.id);
    expect(picked([jane], ctx({ realm: 'tpw-users-other-ope' }))).toBe(jane.id);
    expect(picked([jane], ctx({ origin: 'https://thingparkenterprise.eu.actility.com' }))).toBe('none:no-account');
  });
});

describe('pickAccount: which user', () => {
  const jane = account(JANE_URI);
  const bob = account(uriFor('bob@example.com'));
  const sam = account(uriFor('Sam', 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U'));

  it('the attempted user name picks, case-insensitive and trimmed', () => {
    expect(picked([jane, bob, sam], ctx({ attemptedUsername: 'bob@example.com' }))).toBe(bob.id);
    expect(picked([jane, bob, sam], ctx({ attemptedUsername: '  BOB@Example.COM ' }))).toBe(bob.id);
    expect(picked([jane, bob, sam], ctx({ attemptedUsername: 'sam' }))).toBe(sam.id);
    expect(picked([jane, bob, sam], ctx({ attemptedUsername: 'Jane.Doe@example.com' }))).toBe(jane.id);
  });

  it('the remembered user name decides when the page shows none', () => {
    expect(picked([jane, bob], ctx({ rememberedUsername: 'bob@example.com' }))).toBe(bob.id);
    expect(picked([jane, bob], ctx({ rememberedUsername: ' JANE.DOE@EXAMPLE.COM' }))).toBe(jane.id);
    // The page's attempted user name wins over the remembered one.
    expect(picked([jane, bob], ctx({ attemptedUsername: 'jane.doe@example.com', rememberedUsername: 'bob@example.com' }))).toBe(jane.id);
  });

  it('an attempted name matching none of several candidates → choose among all of them', () => {
    const p = pickAccount([jane, bob, sam], ctx({ attemptedUsername: 'mallory@example.com' }));
    expect(p.kind).toBe('choose');
    if (p.kind !== 'choose') return;
    expect(p.candidates.map((a) => a.id).sort()).toEqual([jane.id, bob.id, sam.id].sort());
    // Never the code of someone else: one candidate with another name is not filled either.
    expect(picked([bob], ctx({ attemptedUsername: 'mallory@example.com' }))).toBe(`choose:${bob.id}`);
  });

  it('only candidates of this platform are offered to choose from', () => {
    const elsewhere = account(uriFor('eve@example.com'), { origin: 'https://thingparkenterprise.eu.actility.com' });
    const otherRealm = account(uriFor('eve@example.com'), { realm: 'tpw-users-other-ope' });
    const p = pickAccount([elsewhere, jane, otherRealm, bob], ctx({ attemptedUsername: 'eve@example.com' }));
    expect(p.kind === 'choose' && p.candidates.map((a) => a.id)).toEqual([jane.id, bob.id]);
  });

  it('two accounts and no name → choose; one account and no name → it', () => {
    expect(picked([jane, bob], ctx())).toBe(`choose:${jane.id},${bob.id}`);
    expect(picked([bob], ctx())).toBe(bob.id);
    expect(pickAccount([bob], ctx())).toEqual({ kind: 'account', account: bob, deviceId: null });
  });

  it('a chosen account id picks that one, even against the attempted name', () => {
    expect(picked([jane, bob], ctx({ chosenAccountId: bob.id }))).toBe(bob.id);
    expect(picked([jane, bob], ctx({ chosenAccountId: bob.id, attemptedUsername: 'jane.doe@example.com' }))).toBe(bob.id);
  });

  it('a chosen id of another origin or realm, or an unknown one → none', () => {
    const elsewhere = account(uriFor('bob@example.com'), { origin: 'https://thingparkenterprise.eu.actility.com' });
    const otherRealm = account(uriFor('bob@example.com'), { realm: 'tpw-users-other-ope' });
    const all = [jane, bob, elsewhere, otherRealm];
    expect(pickAccount(all, ctx({ chosenAccountId: elsewhere.id }))).toEqual({ kind: 'none', reason: 'no-account' });
    expect(pickAccount(all, ctx({ chosenAccountId: otherRealm.id }))).toEqual({ kind: 'none', reason: 'no-account' });
    expect(pickAccount(all, ctx({ chosenAccountId: 'no-such-id' }))).toEqual({ kind: 'none', reason: 'no-account' });
  });
});

describe('pickAccount: which device', () => {
  const phone = { id: 'cred-phone', label: 'Phone' };
  const ours = { id: 'cred-ours', label: DEVICE };

  it("our device name listed → that device's id", () => {
    const jane = account(JANE_URI);
    expect(pickAccount([jane], ctx({ devices: [phone, ours] }))).toEqual({ kind: 'account', account: jane, deviceId: 'cred-ours' });
    expect(pickAccount([jane], ctx({ devices: [ours, phone], attemptedUsername: 'jane.doe@example.com' }))).toEqual({
      kind: 'account',
      account: jane,
      deviceId: 'cred-ours',
    });
  });

  it('our device not listed → none/device-not-listed', () => {
    const jane = account(JANE_URI);
    expect(pickAccount([jane], ctx({ devices: [phone, { id: 'c2', label: 'unnamed' }] }))).toEqual({
      kind: 'none',
      reason: 'device-not-listed',
    });
    // A name that only differs in case is another device for Keycloak.
    expect(pickAccount([jane], ctx({ devices: [phone, { id: 'c3', label: DEVICE.toUpperCase() }] }))).toEqual({
      kind: 'none',
      reason: 'device-not-listed',
    });
  });

  it('a device name with runs of spaces still matches the label as the page reads it (whitespace collapsed)', () => {
    // lib/keycloak/page-detection.ts reads tile titles with whitespace collapsed and trimmed; a device name
    // setting may keep inner runs of spaces ("Work  laptop") and Keycloak stores what we posted.
    const jane = account(JANE_URI, { deviceName: 'Work  laptop ' });
    expect(pickAccount([jane], ctx({ devices: [phone, { id: 'cred-work', label: 'Work laptop' }] }))).toEqual({
      kind: 'account',
      account: jane,
      deviceId: 'cred-work',
    });
  });

  it("several of the same user's accounts (re-enrolled) → the newest one Keycloak still lists", () => {
    const old = account(JANE_URI, { deviceName: DEVICE, addedAt: T0 });
    const second = account(JANE_URI, { deviceName: `${DEVICE} (2)`, addedAt: T0 + 1_000 });
    const newest = account(JANE_URI, { deviceName: `${DEVICE} (3)`, addedAt: T0 + 2_000 });
    const all = [second, newest, old];
    const dev = (label: string) => ({ id: `cred:${label}`, label });

    expect(pickAccount(all, ctx({ devices: [phone, dev(DEVICE), dev(`${DEVICE} (2)`), dev(`${DEVICE} (3)`)] }))).toEqual({
      kind: 'account',
      account: newest,
      deviceId: `cred:${DEVICE} (3)`,
    });
    // The newest was deleted in Keycloak: the newest of those still listed.
    expect(pickAccount(all, ctx({ devices: [dev(DEVICE), phone, dev(`${DEVICE} (2)`)] }))).toEqual({
      kind: 'account',
      account: second,
      deviceId: `cred:${DEVICE} (2)`,
    });
    expect(picked(all, ctx({ devices: [dev(DEVICE), phone], attemptedUsername: 'jane.doe@example.com' }))).toBe(old.id);
    expect(picked(all, ctx({ devices: [phone] }))).toBe('none:device-not-listed');
    // No chooser on the page (a single device): the newest.
    expect(pickAccount(all, ctx())).toEqual({ kind: 'account', account: newest, deviceId: null });
    expect(picked(all, ctx({ attemptedUsername: 'JANE.DOE@example.com' }))).toBe(newest.id);
  });

  it("a chosen account is filled on its own device only", () => {
    const old = account(JANE_URI, { deviceName: DEVICE, addedAt: T0 });
    const newer = account(JANE_URI, { deviceName: `${DEVICE} (2)`, addedAt: T0 + 1_000 });
    const devices = [{ id: 'c1', label: DEVICE }, { id: 'c2', label: `${DEVICE} (2)` }];
    expect(pickAccount([old, newer], ctx({ devices, chosenAccountId: old.id }))).toEqual({ kind: 'account', account: old, deviceId: 'c1' });
    expect(pickAccount([old, newer], ctx({ devices: [devices[1]!], chosenAccountId: old.id }))).toEqual({
      kind: 'none',
      reason: 'device-not-listed',
    });
  });

  it('the device list does not tell users apart: two users with the same default device name and no user name → choose', () => {
    // Every user's first device gets the same default name, so a listed name fits them all;
    // filling the newest user's code for someone else would burn one of Keycloak's few tries.
    const jane = account(JANE_URI, { addedAt: T0 });
    const bob = account(uriFor('bob@example.com'), { addedAt: T0 + 1_000 });
    const p = pickAccount([jane, bob], ctx({ devices: [phone, ours] }));
    expect(p.kind).toBe('choose');
    if (p.kind === 'choose') expect(p.candidates.map((a) => a.id).sort()).toEqual([jane.id, bob.id].sort());
    // Once the user picked (or the page names the user), the device list selects the device.
    expect(pickAccount([jane, bob], ctx({ devices: [phone, ours], chosenAccountId: jane.id }))).toEqual({
      kind: 'account',
      account: jane,
      deviceId: 'cred-ours',
    });
    expect(pickAccount([jane, bob], ctx({ devices: [phone, ours], attemptedUsername: 'bob@example.com' }))).toEqual({
      kind: 'account',
      account: bob,
      deviceId: 'cred-ours',
    });
    // Only one of them listed: that one is the only possible fill.
    const bobsOwn = account(uriFor('bob@example.com'), { deviceName: 'Bob laptop', addedAt: T0 + 2_000 });
    expect(pickAccount([jane, bobsOwn], ctx({ devices: [phone, { id: 'cred-bob', label: 'Bob laptop' }] }))).toEqual({
      kind: 'account',
      account: bobsOwn,
      deviceId: 'cred-bob',
    });
  });
});

describe('pickAccount: many accounts', () => {
  it('1000 accounts on one origin: the attempted name picks the right one, devices and realms respected', () => {
    const accounts: StoredAccount[] = [];
    for (let i = 0; i < 1000; i++) {
      accounts.push(
        account(uriFor(`user${i}@example.com`), {
          id: `u${i}`,
          realm: i % 2 === 0 ? REALM : 'tpw-users-other-ope',
          deviceName: `Device ${i}`,
          addedAt: T0 + i,
        }),
      );
    }
    expect(picked(accounts, ctx({ attemptedUsername: ' USER742@example.com ' }))).toBe('u742');
    expect(picked(accounts, ctx({ rememberedUsername: 'user0@example.com' }))).toBe('u0');
    // Odd ones live in another realm.
    expect(picked(accounts, ctx({ attemptedUsername: 'user743@example.com' }))).toMatch(/^choose:/);
    expect(picked(accounts, ctx({ realm: 'tpw-users-other-ope', attemptedUsername: 'user743@example.com' }))).toBe('u743');
    expect(
      pickAccount(accounts, ctx({ attemptedUsername: 'user998@example.com', devices: [{ id: 'c', label: 'Device 998' }] })),
    ).toMatchObject({ kind: 'account', account: { id: 'u998' }, deviceId: 'c' });
    const p = pickAccount(accounts, ctx({ attemptedUsername: 'nobody@example.com' }));
    expect(p.kind === 'choose' && p.candidates.length).toBe(500);
    expect(picked(accounts, ctx({ chosenAccountId: 'u500' }))).toBe('u500');
  });
});

// ---------------------------------------------------------------------------------------------

describe('pageMark: what the toolbar button says of a page', () => {
  const unconfirmed = { enrollment: { filledAt: T0, submittedAt: null, confirmed: null } };
  const confirmed = { enrollment: { filledAt: T0, submittedAt: T0, confirmed: { at: T0, by: 'next-page' as const } } };

  it('none without an account of this exact origin and realm; bound with one; an account without a realm serves every realm', () => {
    expect(pageMark([], ORIGIN, REALM)).toBe('none');
    expect(pageMark([account(JANE_URI, { origin: 'https://community.thingpark.io:8443' })], ORIGIN, REALM)).toBe('none');
    expect(pageMark([account(JANE_URI, { realm: 'other' })], ORIGIN, REALM)).toBe('none');
    expect(pageMark([account(JANE_URI)], ORIGIN, REALM)).toBe('bound');
    expect(pageMark([account(JANE_URI, { realm: null })], ORIGIN, 'any-realm')).toBe('bound');
    // A page without a realm (ThingPark's application pages): any account of the origin.
    expect(pageMark([account(JANE_URI, { realm: 'other' })], ORIGIN, null)).toBe('bound');
  });

  it('unconfirmed only when every account of the page waits for ThingPark; a confirmed or older account makes it bound', () => {
    expect(pageMark([account(JANE_URI, unconfirmed)], ORIGIN, REALM)).toBe('unconfirmed');
    expect(pageMark([account(JANE_URI, unconfirmed), account(uriFor('bob'), unconfirmed)], ORIGIN, REALM)).toBe('unconfirmed');
    expect(pageMark([account(JANE_URI, unconfirmed), account(uriFor('bob'), confirmed)], ORIGIN, REALM)).toBe('bound');
    expect(pageMark([account(JANE_URI, unconfirmed), account(uriFor('bob'))], ORIGIN, REALM)).toBe('bound');
    // Another platform's unconfirmed account does not mark this one.
    expect(pageMark([account(JANE_URI), account(uriFor('bob'), { ...unconfirmed, origin: 'https://other.thingpark.com' })], ORIGIN, REALM)).toBe('bound');
  });
});

describe('codeNow', () => {
  it('TOTP without a used step: the code of the current step (RFC 6238 vectors) and the time left in it', () => {
    const rfc = account(RFC_TOTP_URI);
    expect(codeNow(rfc, 59_000)).toEqual({ kind: 'code', code: '94287082', step: 1, validForMs: 1_000 });
    expect(codeNow(rfc, 1_111_111_109_000)).toEqual({ kind: 'code', code: '07081804', step: 37_037_036, validForMs: 1_000 });
    expect(codeNow(rfc, 1_111_111_111_000)).toEqual({ kind: 'code', code: '14050471', step: 37_037_037, validForMs: 29_000 });
    // Exactly on a step boundary: a whole period left.
    expect(codeNow(rfc, 1_234_567_890_000)).toEqual({ kind: 'code', code: '89005924', step: 41_152_263, validForMs: 30_000 });
    expect(codeNow(rfc, 2_000_000_000_000)).toMatchObject({ kind: 'code', code: '69279037' });
  });

  it('validForMs is always in (0, period*1000]', () => {
    const jane = account(JANE_URI);
    for (let t = T0; t < T0 + 61_000; t += 250) {
      const c = codeNow(jane, t);
      expect(c.kind).toBe('code');
      if (c.kind !== 'code') continue;
      expect(c.validForMs).not.toBeNull();
      expect(c.validForMs!).toBeGreaterThan(0);
      expect(c.validForMs!).toBeLessThanOrEqual(30_000);
      expect(t + c.validForMs!).toBe((c.step + 1) * 30_000);
    }
    // Another period is taken from the account.
    const p60 = account(uriFor('x@example.com').replace('period=30', 'period=60'));
    const c = codeNow(p60, 120_000 + 15_000);
    expect(c).toMatchObject({ kind: 'code', step: 2, validForMs: 45_000 });
  });

  it('the current step already used (the setup code, or a login) → wait until the next step, for step+1', () => {
    const rfc = account(RFC_TOTP_URI, { lastUsedStep: 37_037_036 });
    expect(codeNow(rfc, 1_111_111_109_000)).toEqual({ kind: 'wait', waitMs: 1_000, step: 37_037_037 });
    // T0 is 20 s into its step S.
    const S = Math.floor(T0 / 30_000);
    const jane = account(JANE_URI, { lastUsedStep: S });
    expect(codeNow(jane, T0)).toEqual({ kind: 'wait', waitMs: 10_000, step: S + 1 });
    expect(codeNow(jane, T0 + 9_999)).toEqual({ kind: 'wait', waitMs: 1, step: S + 1 });
    // At the boundary the next code is there, for a whole period.
    expect(codeNow(jane, T0 + 10_000)).toMatchObject({ kind: 'code', step: S + 1, validForMs: 30_000 });
  });

  it('a used step ahead of ours (used by the server clock) → wait until after it', () => {
    const rfc = account(RFC_TOTP_URI, { lastUsedStep: 3 });
    expect(codeNow(rfc, 59_000)).toEqual({ kind: 'wait', waitMs: 120_000 - 59_000, step: 4 });
  });

  it('an older used step → the code', () => {
    const rfc = account(RFC_TOTP_URI, { lastUsedStep: 37_037_035 });
    expect(codeNow(rfc, 1_111_111_109_000)).toEqual({ kind: 'code', code: '07081804', step: 37_037_036, validForMs: 1_000 });
    expect(codeNow(account(RFC_TOTP_URI, { lastUsedStep: 0 }), 59_000)).toMatchObject({ kind: 'code', code: '94287082' });
  });

  it('HOTP → the code for the counter (RFC 4226 vectors), no expiry, whatever the time or last step', () => {
    for (const [counter, code] of RFC_HOTP_CODES.entries()) {
      expect(codeNow(account(RFC_HOTP_URI(counter)), T0)).toEqual({ kind: 'code', code, step: counter, validForMs: null });
    }
    expect(codeNow(account(RFC_HOTP_URI(3), { lastUsedStep: 2 }), 0)).toEqual({ kind: 'code', code: '969429', step: 3, validForMs: null });
  });
});

describe('markUsed', () => {
  it('TOTP: lastUsedStep becomes the highest used step; the account is not mutated', () => {
    const jane = account(JANE_URI);
    const used = markUsed(jane, 100);
    expect(used.lastUsedStep).toBe(100);
    expect(jane.lastUsedStep).toBeNull();
    expect(markUsed(used, 90).lastUsedStep).toBe(100);
    expect(markUsed(used, 101).lastUsedStep).toBe(101);
    expect(markUsed(account(JANE_URI), 0).lastUsedStep).toBe(0);
    expect(used).toMatchObject({ id: jane.id, secret: jane.secret, counter: jane.counter });
  });

  it('a TOTP step marked used is waited out by codeNow', () => {
    const jane = account(JANE_URI);
    const c = codeNow(jane, T0);
    if (c.kind !== 'code') throw new Error('expected a code');
    expect(codeNow(markUsed(jane, c.step), T0 + 1_000)).toEqual({ kind: 'wait', waitMs: c.validForMs! - 1_000, step: c.step + 1 });
  });

  it('HOTP: the counter moves past the used one, never back', () => {
    const h = account(RFC_HOTP_URI(3));
    const used = markUsed(h, 3);
    expect(used.counter).toBe(4);
    expect(used.lastUsedStep).toBe(3);
    expect(h.counter).toBe(3);
    expect(codeNow(used, T0)).toEqual({ kind: 'code', code: '338314', step: 4, validForMs: null });
    expect(markUsed(used, 1).counter).toBe(4);
    expect(markUsed(used, 8).counter).toBe(9);
  });

  it('HOTP: the counter stops at 2^53-1, so the account (and the vault holding it) stays valid', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const used = markUsed(account(RFC_HOTP_URI(max)), max);
    expect(used.counter).toBe(max);
    expect(used.lastUsedStep).toBe(max);
    expect(parseVaultData({ version: 1, accounts: [used] }).ok).toBe(true);
    expect(markUsed(account(RFC_HOTP_URI(max - 1)), max - 1).counter).toBe(max);
  });
});

describe('clockOffset', () => {
  it("a server 10 s ahead: its Date second's middle minus the request's middle", () => {
    const sent = Date.UTC(2026, 10, 29, 2, 59, 59, 900);
    const received = Date.UTC(2026, 10, 29, 3, 0, 0, 100);
    const off = clockOffset('Sun, 29 Nov 2026 03:00:10 GMT', sent, received);
    expect(off).not.toBeNull();
    expect(off!).toBeCloseTo(10_500, 6);
    expect(Math.abs(off!)).toBeGreaterThan(SKEW_TOLERANCE_MS);
  });

  it('a server behind gives a negative offset; an in-sync one stays within the tolerance', () => {
    const local = Date.UTC(2026, 10, 29, 3, 0, 0, 0);
    expect(clockOffset('Sun, 29 Nov 2026 02:55:00 GMT', local - 100, local + 100)).toBe(-299_500);
    const sync = clockOffset('Sun, 29 Nov 2026 03:00:00 GMT', local - 100, local + 100);
    expect(Math.abs(sync!)).toBeLessThanOrEqual(SKEW_TOLERANCE_MS);
  });

  it.each(['garbage', '', 'Sun, 99 Foo 2026 25:61:61 GMT'])('an unreadable Date header (%j) → null', (header) => {
    expect(clockOffset(header, 0, 100)).toBeNull();
  });
});

describe('needsClockCorrection', () => {
  it('asks again when the measurement disagrees with the offset the code was computed with, both ways', () => {
    // Our clock was used and the platform is five minutes ahead: ask again.
    expect(needsClockCorrection(300_000, 0)).toBe(true);
    // A remembered five minutes that no longer hold (this computer's clock was corrected): ask again.
    expect(needsClockCorrection(0, 300_000)).toBe(true);
    expect(needsClockCorrection(SKEW_TOLERANCE_MS, 300_000)).toBe(true);
    // The same offset within the Date header's noise, or noise on both sides: nothing to do.
    expect(needsClockCorrection(301_000, 300_000)).toBe(false);
    expect(needsClockCorrection(1_500, 0)).toBe(false);
    expect(needsClockCorrection(-SKEW_TOLERANCE_MS, 0)).toBe(false);
    // No measurement (the HEAD failed): keep what was filled.
    expect(needsClockCorrection(null, 300_000)).toBe(false);
  });
});
