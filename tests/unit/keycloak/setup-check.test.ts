/**
 * crossCheck: what Keycloak's TOTP setup page shows (QR text, hidden raw `totpSecret`, manual-mode
 * key and policy) must agree before anything is enrolled, and no refusal may leak the secret.
 * Data comes from thingpark-login.md and from the simulator (the same strings Keycloak renders).
 * One file per module under test.
 */
import { describe, expect, it } from 'vitest';
import { crossCheck, type EnrollErrorCode, type EnrollmentEvidence, type ManualInfo } from '../../../lib/keycloak/setup-check';
import { base32FromBytes } from '../../../lib/otp/otp';
import * as kc from '../../simulator/keycloak.mjs';

// Keycloak's own example (thingpark-login.md).
const RAW = 'Aq3kP9vLm2Rt7Wc1Bn5d';
const B32 = 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE';
const SPACED = 'IFYT G22Q HF3E Y3JS KJ2D OV3D GFBG 4NLE';
const URI =
  'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30';

// A second secret (the simulator's SHA256 fixture).
const RAW2 = 'Zr8TqW2mXn4Lp6Ks1Vb9';
const B32_2 = 'LJZDQVDRK4ZG2WDOGRGHANSLOMYVMYRZ';
const SPACED2 = 'LJZD QVDR K4ZG 2WDO GRGH ANSL OMYV MYRZ';

const REALM = 'tpw-users-actility-tpe-ope';

/** Manual mode as Keycloak renders it (tests/simulator/pages.mjs: `li#kc-totp-*` with "Label: value"). */
function manual(over: Partial<ManualInfo> = {}): ManualInfo {
  return {
    key: SPACED,
    type: 'Type: Time-based',
    algorithm: 'Algorithm: SHA1',
    digits: 'Digits: 6',
    period: 'Interval: 30',
    counter: null,
    ...over,
  };
}

function evidence(over: Partial<EnrollmentEvidence> = {}): EnrollmentEvidence {
  return {
    qrText: URI,
    qrUnreadable: false,
    hiddenSecret: RAW,
    manual: null,
    fallbackAccountName: null,
    fallbackIssuer: REALM,
    ...over,
  };
}

/** Manual-mode-only evidence (no QR image on the page). */
const manualOnly = (m: Partial<ManualInfo> = {}, over: Partial<EnrollmentEvidence> = {}): EnrollmentEvidence =>
  evidence({ qrText: null, manual: manual(m), fallbackAccountName: 'jane.doe@example.com', ...over });

/** Every 8-character window of a secret: a partial leak is a leak too. */
function windows(s: string, n = 8): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= s.length; i++) out.push(s.slice(i, i + n));
  return out;
}
const SECRET_PIECES = [RAW, B32, SPACED, RAW2, B32_2, SPACED2].flatMap((s) => windows(s));

function expectRefused(e: EnrollmentEvidence, code: EnrollErrorCode): void {
  const r = crossCheck(e);
  expect(r).toMatchObject({ ok: false, error: { code } });
  const text = JSON.stringify(r);
  for (const piece of SECRET_PIECES) expect(text).not.toContain(piece);
}

// ---------------------------------------------------------------------------------------------

describe('the documented example', () => {
  it('the raw hidden secret is the base32 key of the URI and of manual mode', () => {
    expect(base32FromBytes(new TextEncoder().encode(RAW))).toBe(B32);
    expect(kc.base32Encode(RAW)).toBe(B32);
    expect(kc.formatSecretForDisplay(RAW)).toBe(SPACED);
    expect(kc.buildKeyUri({ policy: kc.DEFAULT_POLICY, issuer: 'ThingPark Enterprise', account: 'jane.doe@example.com', rawSecret: RAW })).toBe(URI);
  });

  it('QR + matching hidden secret → the account with issuer, account name and default policy', () => {
    const r = crossCheck(evidence());
    expect(r).toEqual({
      ok: true,
      value: {
        kind: 'totp',
        secret: B32,
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        counter: 0,
        issuer: 'ThingPark Enterprise',
        accountName: 'jane.doe@example.com',
      },
    });
  });

  it('the QR wins over the fallbacks (they are for manual mode)', () => {
    const r = crossCheck(evidence({ fallbackAccountName: 'someone-else', fallbackIssuer: 'other-realm' }));
    expect(r).toMatchObject({ ok: true, value: { issuer: 'ThingPark Enterprise', accountName: 'jane.doe@example.com' } });
  });
});

describe('policies from the QR', () => {
  it('SHA256, 8 digits, 60 s', () => {
    const policy = kc.normalizePolicy({ algorithm: 'SHA256', digits: 8, period: 60 });
    const uri = kc.buildKeyUri({ policy, issuer: 'Actility', account: 'ops@example.com', rawSecret: RAW2 });
    expect(crossCheck(evidence({ qrText: uri, hiddenSecret: RAW2 }))).toEqual({
      ok: true,
      value: {
        kind: 'totp',
        secret: B32_2,
        algorithm: 'SHA256',
        digits: 8,
        period: 60,
        counter: 0,
        issuer: 'Actility',
        accountName: 'ops@example.com',
      },
    });
  });

  it('SHA512 from a hand-written URI', () => {
    const uri = URI.replace('algorithm=SHA1', 'algorithm=SHA512');
    expect(crossCheck(evidence({ qrText: uri }))).toMatchObject({ ok: true, value: { algorithm: 'SHA512' } });
  });

  it('HOTP with its counter', () => {
    const policy = kc.normalizePolicy({ type: 'hotp', initialCounter: 3 });
    const uri = kc.buildKeyUri({ policy, issuer: 'ThingPark Enterprise', account: 'jane.doe@example.com', rawSecret: RAW });
    expect(uri).toContain('otpauth://hotp/');
    expect(uri).toContain('counter=3');
    expect(crossCheck(evidence({ qrText: uri }))).toMatchObject({
      ok: true,
      value: { kind: 'hotp', counter: 3, secret: B32, issuer: 'ThingPark Enterprise', accountName: 'jane.doe@example.com' },
    });
  });

  it("old Keycloak's 'HmacSHA1' in the URI", () => {
    const uri = URI.replace('algorithm=SHA1', 'algorithm=HmacSHA1');
    expect(crossCheck(evidence({ qrText: uri }))).toMatchObject({ ok: true, value: { algorithm: 'SHA1' } });
  });
});

describe('refusals', () => {
  it.each([null, ''])("hidden secret %j → 'no-secret'", (hiddenSecret) => {
    expectRefused(evidence({ hiddenSecret }), 'no-secret');
    expectRefused(manualOnly({}, { hiddenSecret }), 'no-secret');
    expectRefused(evidence({ hiddenSecret, qrText: null, qrUnreadable: true }), 'no-secret');
  });

  it("hidden secret differs from the QR → 'secret-mismatch'", () => {
    expectRefused(evidence({ hiddenSecret: RAW2 }), 'secret-mismatch');
    // One character off.
    expectRefused(evidence({ hiddenSecret: `${RAW.slice(0, -1)}e` }), 'secret-mismatch');
    // The base32 key itself in the hidden field is not the raw secret.
    expectRefused(evidence({ hiddenSecret: B32 }), 'secret-mismatch');
  });

  it("hidden secret differs from the manual key → 'secret-mismatch'", () => {
    expectRefused(manualOnly({}, { hiddenSecret: RAW2 }), 'secret-mismatch');
  });

  it("QR image present but unreadable → 'qr-unreadable'", () => {
    expectRefused(evidence({ qrText: null, qrUnreadable: true }), 'qr-unreadable');
  });

  it("neither QR nor manual key → 'qr-unreadable'", () => {
    expectRefused(evidence({ qrText: null, qrUnreadable: false, manual: null }), 'qr-unreadable');
  });

  it.each([
    'https://x',
    'otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC',
    'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE',
    '',
  ])("QR text %j is not otpauth → 'qr-not-otpauth'", (qrText) => {
    expectRefused(evidence({ qrText }), 'qr-not-otpauth');
  });

  it.each<[string, EnrollErrorCode]>([
    ['otpauth://sotp/ThingPark:jane?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE', 'unknown-type'],
    ['otpauth://totp/ThingPark:jane?issuer=ThingPark', 'missing-secret'],
    ['otpauth://totp/ThingPark:jane?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NL1', 'invalid-base32'],
    ['otpauth://totp/ThingPark:jane?secret=IFYTG22QHF3EY3JS&secret=IFYTG22QHF3EY3JS', 'invalid-base32'],
    ['otpauth://totp/ThingPark:jane?secret=IFYTG22Q', 'secret-too-short'],
    ['otpauth://totp/ThingPark:jane?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&algorithm=MD5', 'unknown-algorithm'],
    ['otpauth://totp/ThingPark:jane?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&digits=5', 'bad-digits'],
    ['otpauth://totp/ThingPark:jane?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&period=0', 'bad-period'],
    ['otpauth://hotp/ThingPark:jane?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE', 'bad-counter'],
    ['otpauth://totp/ThingPark:?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE', 'bad-label'],
    ['otpauth://totp/ThingPark:jane?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&issuer=Evil', 'issuer-mismatch'],
  ])('malformed otpauth %s → %s', (qrText, code) => {
    expectRefused(evidence({ qrText }), code);
  });
});

describe('manual mode only (no QR)', () => {
  it('the spaced key and "Label: value" items, with the fallbacks for account name and issuer', () => {
    expect(crossCheck(manualOnly())).toEqual({
      ok: true,
      value: {
        kind: 'totp',
        secret: B32,
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        counter: 0,
        issuer: REALM,
        accountName: 'jane.doe@example.com',
      },
    });
  });

  it('SHA256 / 8 / 60 as the simulator renders them', () => {
    const r = crossCheck(
      manualOnly(
        { key: SPACED2, algorithm: 'Algorithm: SHA256', digits: 'Digits: 8', period: 'Interval: 60' },
        { hiddenSecret: RAW2 },
      ),
    );
    expect(r).toMatchObject({ ok: true, value: { kind: 'totp', secret: B32_2, algorithm: 'SHA256', digits: 8, period: 60 } });
  });

  it("old Keycloak's 'HmacSHA1' is SHA1", () => {
    expect(crossCheck(manualOnly({ algorithm: 'Algorithm: HmacSHA1' }))).toMatchObject({ ok: true, value: { algorithm: 'SHA1' } });
    expect(crossCheck(manualOnly({ algorithm: 'HmacSHA256' }))).toMatchObject({ ok: true, value: { algorithm: 'SHA256' } });
  });

  it('bare values and missing items take the defaults', () => {
    expect(crossCheck(manualOnly({ type: null, algorithm: 'SHA1', digits: '6', period: null }))).toMatchObject({
      ok: true,
      value: { kind: 'totp', algorithm: 'SHA1', digits: 6, period: 30 },
    });
  });

  it('translated labels ("Algorithme : SHA256") keep the value after the colon', () => {
    const r = crossCheck(
      manualOnly(
        { key: SPACED2, type: 'Type : Basé sur le temps', algorithm: 'Algorithme : SHA256', digits: 'Chiffres : 8', period: 'Intervalle : 60' },
        { hiddenSecret: RAW2 },
      ),
    );
    expect(r).toMatchObject({ ok: true, value: { algorithm: 'SHA256', digits: 8, period: 60 } });
  });

  it('HOTP: li#kc-totp-counter instead of li#kc-totp-period', () => {
    const r = crossCheck(manualOnly({ type: 'Type: Counter-based', period: null, counter: 'Counter: 0' }));
    expect(r).toEqual({
      ok: true,
      value: {
        kind: 'hotp',
        secret: B32,
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        counter: 0,
        issuer: REALM,
        accountName: 'jane.doe@example.com',
      },
    });
    expect(crossCheck(manualOnly({ period: null, counter: 'Counter: 7' }))).toMatchObject({ ok: true, value: { kind: 'hotp', counter: 7 } });
  });

  it("without an account name → 'no-account-name'", () => {
    expectRefused(manualOnly({}, { fallbackAccountName: null }), 'no-account-name');
    expectRefused(manualOnly({}, { fallbackAccountName: '' }), 'no-account-name');
  });

  // The name comes from the password page (page.username): a lone surrogate made
  // encodeURIComponent throw out of crossCheck, and the background answered 'internal'.
  it("a user name or realm with a lone UTF-16 surrogate → 'bad-label', not an exception", () => {
    expectRefused(manualOnly({}, { fallbackAccountName: 'jane\ud800' }), 'bad-label');
    expectRefused(manualOnly({}, { fallbackAccountName: '\udc00' }), 'bad-label');
    expectRefused(manualOnly({}, { fallbackIssuer: 'realm\ud83d' }), 'bad-label');
    expect(crossCheck(manualOnly({}, { fallbackAccountName: 'jane \ud83d\ude00' }))).toMatchObject({ ok: true, value: { accountName: 'jane 😀' } });
  });

  it('a broken manual key or algorithm → its own error', () => {
    expectRefused(manualOnly({ key: 'IFYT G22Q HF3E Y3JS KJ2D OV3D GFBG 4NL1' }), 'invalid-base32');
    expectRefused(manualOnly({ key: '' }), 'missing-secret');
    expectRefused(manualOnly({ key: 'IFYT G22Q' }), 'secret-too-short');
    expectRefused(manualOnly({ algorithm: 'Algorithm: MD5' }), 'unknown-algorithm');
    expectRefused(manualOnly({ digits: 'Digits: 4' }), 'bad-digits');
    expectRefused(manualOnly({ period: 'Interval: 0' }), 'bad-period');
  });
});

describe('manual info alongside a QR', () => {
  it('agreeing manual items → ok, with the QR account', () => {
    expect(crossCheck(evidence({ manual: manual() }))).toMatchObject({
      ok: true,
      value: { issuer: 'ThingPark Enterprise', accountName: 'jane.doe@example.com', secret: B32 },
    });
    expect(crossCheck(evidence({ manual: manual({ algorithm: 'Algorithm: HmacSHA1' }) }))).toMatchObject({ ok: true });
  });

  it.each<[string, Partial<ManualInfo>]>([
    ['digits', { digits: 'Digits: 8' }],
    ['algorithm', { algorithm: 'Algorithm: SHA256' }],
    ['unknown algorithm', { algorithm: 'Algorithm: MD5' }],
    ['period', { period: 'Interval: 60' }],
    ['key', { key: SPACED2 }],
    ['unparsable key', { key: 'not a key' }],
  ])("manual %s disagrees with the QR → 'policy-mismatch'", (_what, m) => {
    expectRefused(evidence({ manual: manual(m) }), 'policy-mismatch');
  });

  it("an HOTP QR and a manual counter that differs → 'policy-mismatch'", () => {
    const uri = kc.buildKeyUri({
      policy: kc.normalizePolicy({ type: 'hotp', initialCounter: 0 }),
      issuer: 'ThingPark Enterprise',
      account: 'jane.doe@example.com',
      rawSecret: RAW,
    });
    const hotpManual = manual({ type: 'Type: Counter-based', period: null, counter: 'Counter: 0' });
    expect(crossCheck(evidence({ qrText: uri, manual: hotpManual }))).toMatchObject({ ok: true, value: { kind: 'hotp' } });
    expectRefused(evidence({ qrText: uri, manual: { ...hotpManual, counter: 'Counter: 5' } }), 'policy-mismatch');
  });
});
