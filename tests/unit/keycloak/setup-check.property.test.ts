/**
 * Property-based tests of the setup page's evidence (hostile input): the QR image and
 * the text it decodes to (lib/otp/qr.ts), the cross-check against Keycloak's hidden raw secret and
 * the manual-mode key (lib/keycloak/setup-check.ts crossCheck), and the plan the background would keep
 * (lib/keycloak/enroll-plan.ts planEnrollment). A page can show anything: pixels of any size, a QR that is not
 * otpauth, one whose secret disagrees with the hidden field, huge text. The answer is always a
 * value: an account that the vault can store, or a refusal with a documented code.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeQr, MAX_QR_PIXELS } from '../../../lib/otp/qr';
import { crossCheck, type EnrollmentEvidence, type ManualInfo } from '../../../lib/keycloak/setup-check';
import { planEnrollment } from '../../../lib/keycloak/enroll-plan';
import { EMPTY_VAULT, parseVaultData } from '../../../lib/vault/accounts';
import { accountToUri, base32FromBytes, parseOtpauthUri, validateParams, type OtpAccount } from '../../../lib/otp/otp';
import { keycloakQr } from '../../fixtures/qr/images';
import { applyEdit, badResult, editArb, ENROLL_CODES, hostileString, maybeHuge, QR_CODES, runs, type Edit } from '../property-helpers';

const utf8 = (s: string) => new TextEncoder().encode(s);
const keyOf = (raw: string) => base32FromBytes(utf8(raw));
const NOW = 1_700_000_012_345;

// ---------------------------------------------------------------------------------------------
// Generators

/** Keycloak's hidden `totpSecret`: 20 characters of [A-Za-z0-9]; hostile pages put anything there. */
const rawArb = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{20}$/) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('', 'x'), hostileString(40), maybeHuge(fc.string({ maxLength: 8 }), 600)) },
);

const otpFor = (raw: string, o: Partial<OtpAccount> = {}): OtpAccount => ({
  kind: 'totp', secret: keyOf(raw), algorithm: 'SHA1', digits: 6, period: 30, counter: 0, issuer: 'ThingPark Enterprise', accountName: 'jane@example.com', ...o,
});

const policyArb = fc.record({
  kind: fc.constantFrom('totp' as const, 'hotp' as const),
  algorithm: fc.constantFrom('SHA1' as const, 'SHA256' as const, 'SHA512' as const),
  digits: fc.constantFrom(6, 8),
  period: fc.constantFrom(30, 60),
  counter: fc.oneof(fc.nat({ max: 100 }), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(Number.MAX_SAFE_INTEGER - 1)),
});

// Arbitraries are built once and the hidden secret is substituted afterwards: building them per
// case (fc.chain) costs more than the code under test.
const raw20 = fc.stringMatching(/^[A-Za-z0-9]{20}$/);

/** What a QR code on a setup page can say, relative to the hidden secret `raw`. */
type QrChoice = { honest: Partial<OtpAccount> } | { other: string } | { edits: Edit[] } | { text: string | null };
const qrChoiceArb: fc.Arbitrary<QrChoice> = fc.oneof(
  // The honest page: the URI of the hidden secret.
  { weight: 4, arbitrary: policyArb.map((honest) => ({ honest })) },
  // A QR whose secret disagrees with the hidden one (swapped image, stale page).
  { weight: 2, arbitrary: raw20.map((other) => ({ other })) },
  // Damaged or hostile text, not otpauth, huge, none.
  { weight: 2, arbitrary: fc.array(editArb(), { minLength: 1, maxLength: 3 }).map((edits) => ({ edits })) },
  { weight: 1, arbitrary: fc.oneof(hostileString(60), fc.webUrl(), fc.constantFrom('otpauth-migration://offline?data=CgA', 'WIFI:S:x;;', ''), maybeHuge(hostileString(10), 2000)).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.constant({ text: null }) },
);
function qrText(raw: string, c: QrChoice): string | null {
  if ('honest' in c) return accountToUri(otpFor(raw, c.honest));
  if ('other' in c) return accountToUri(otpFor(c.other));
  if ('edits' in c) return c.edits.reduce(applyEdit, accountToUri(otpFor(raw)));
  return c.text;
}

const SPACED = 'SPACED KEY';
const LOWER = 'LOWER KEY';
const manualArb: fc.Arbitrary<ManualInfo | null> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  {
    weight: 2,
    arbitrary: fc.record({
      key: fc.oneof(fc.constantFrom(SPACED, LOWER), hostileString(40)),
      type: fc.oneof(fc.constantFrom('Type: Time-based', 'Type: Counter-based', null), hostileString(10)),
      algorithm: fc.oneof(fc.constantFrom('Algorithm: SHA1', 'Algorithm: HmacSHA256', 'Algorithm: SHA512', 'Algorithm: MD5', null), hostileString(10)),
      digits: fc.oneof(fc.constantFrom('Digits: 6', 'Digits: 8', 'Digits: 4', 'Digits: 99999999999999999999', null), hostileString(10)),
      period: fc.oneof(fc.constantFrom('Interval: 30', 'Interval: 60', 'Interval: 0', null), hostileString(10)),
      counter: fc.oneof(fc.constantFrom(null, 'Counter: 0', `Counter: ${Number.MAX_SAFE_INTEGER}`, 'Counter: 99999999999999999999'), hostileString(10)),
    }),
  },
);

const evidenceArb: fc.Arbitrary<EnrollmentEvidence> = fc
  .record({
    raw: rawArb,
    qr: qrChoiceArb,
    qrUnreadable: fc.boolean(),
    hidden: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.oneof(fc.constant(null), rawArb) }),
    manual: manualArb,
    // The user name typed on the password page, and the realm: both page-controlled.
    fallbackAccountName: fc.oneof(fc.constantFrom(null, 'jane@example.com', ''), hostileString(30)),
    fallbackIssuer: fc.oneof(fc.constant('tpw-users-actility-tpe-ope'), hostileString(20)),
  })
  .map(({ raw, qr, hidden, manual, ...rest }) => ({
    ...rest,
    qrText: qrText(raw, qr),
    hiddenSecret: hidden === undefined ? raw : hidden,
    manual:
      manual && (manual.key === SPACED || manual.key === LOWER)
        ? { ...manual, key: manual.key === SPACED ? keyOf(raw).replace(/(.{4})/g, '$1 ').trim() : keyOf(raw).toLowerCase() }
        : manual,
  }));

// ---------------------------------------------------------------------------------------------

describe('crossCheck and planEnrollment on hostile setup pages', { timeout: 60_000 }, () => {
  it('an account that agrees with the hidden secret, or a refusal with an EnrollErrorCode (5000 cases)', () => {
    fc.assert(
      fc.property(evidenceArb, (e) => {
        const r = crossCheck(e); // a throw fails the property
        expect(badResult(r, ENROLL_CODES)).toBeNull();
        const qr = e.qrText == null ? null : parseOtpauthUri(e.qrText);
        if (e.qrText != null && qr && !qr.ok && qr.error.code === 'not-otpauth' && e.hiddenSecret) {
          expect(r).toMatchObject({ ok: false, error: { code: 'qr-not-otpauth' } });
        }
        if (!r.ok) return;
        // Only ever the secret the server issued (the hidden field), never the QR's alone.
        expect(r.value.secret).toBe(keyOf(e.hiddenSecret!));
        expect(validateParams(r.value).ok).toBe(true);
        if (qr) expect(qr).toEqual({ ok: true, value: r.value });
      }),
      runs(5000),
    );
  });

  it('a QR whose secret disagrees with the hidden field is always refused (3000 cases)', () => {
    fc.assert(
      fc.property(raw20, raw20, policyArb, (raw, other, p) => {
        fc.pre(raw !== other);
        const r = crossCheck({ qrText: accountToUri(otpFor(other, p)), qrUnreadable: false, hiddenSecret: raw, manual: null, fallbackAccountName: null, fallbackIssuer: 'r' });
        expect(r).toMatchObject({ ok: false, error: { code: 'secret-mismatch' } });
      }),
      runs(3000),
    );
  });

  it('planEnrollment: a plan the vault can store (valid account, a code), or a refusal (4000 cases)', () => {
    fc.assert(
      fc.property(evidenceArb, fc.array(hostileString(20), { maxLength: 3 }), hostileString(30), (evidence, refusedNames, base) => {
        const r = planEnrollment({
          evidence, origin: 'https://community.thingpark.io', realm: 'tpw-users-actility-tpe-ope', baseDeviceName: base || 'ThingPark Autofill',
          refusedNames, data: structuredClone(EMPTY_VAULT), nowMs: NOW, id: 'new-id',
        });
        expect(badResult(r, ENROLL_CODES)).toBeNull();
        if (!r.ok) return;
        expect(r.value.code).toMatch(/^\d{6,10}$/);
        // What Keycloak accepts is stored as is: it must pass the vault's own validation when it reopens.
        expect(parseVaultData({ version: 1, accounts: [r.value.account] })).toMatchObject({ ok: true });
      }),
      runs(4000),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('decodeQr on hostile images', { timeout: 60_000 }, () => {
  it('any declared size and data: too-large / empty-image / not-found or text, never an exception (3000 cases)', () => {
    const dim = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 24 }) },
      { weight: 1, arbitrary: fc.integer({ min: 4097, max: 2 ** 31 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, Number.NaN, Infinity, 2 ** 53, '10' as unknown as number) },
    );
    fc.assert(
      fc.property(dim, dim, fc.nat({ max: 2 }), fc.nat(), (width, height, shape, seed) => {
        const n = Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width * height <= 24 * 24 ? width * height * 4 : 64;
        const data = new Uint8ClampedArray(shape === 0 ? n : shape === 1 ? Math.max(0, n - 4) : n + 4);
        for (let i = 0; i < data.length; i++) data[i] = (seed * 2654435761 + i * 40503) >>> 24;
        const r = decodeQr({ data, width, height }); // a huge declared size must not be read or allocated
        expect(badResult(r, QR_CODES)).toBeNull();
        const valid = Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0;
        if (valid && width * height > MAX_QR_PIXELS) expect(r).toEqual({ ok: false, error: { code: 'too-large' } });
        else if (!valid || shape !== 0) expect(r).toEqual({ ok: false, error: { code: 'empty-image' } });
      }),
      runs(3000),
    );
  });

  it('a real QR code of any text reads back, and only an otpauth URI of the hidden secret is accepted (100 cases)', () => {
    const raw = 'Aq3kP9vLm2Rt7Wc1Bn5d';
    const textArb = fc.oneof(
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 120 }),
      fc.webUrl(),
      fc.constantFrom('otpauth-migration://offline?data=CgA', 'WIFI:T:WPA;S:net;P:pw;;', 'otpauth://totp/x?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE'),
      raw20.map((other) => accountToUri(otpFor(other))),
      policyArb.map((p) => accountToUri(otpFor(raw, p))),
    );
    fc.assert(
      fc.property(textArb, fc.boolean(), (text, inverted) => {
        const dark: [number, number, number, number] = inverted ? [255, 255, 255, 255] : [0, 0, 0, 255];
        const light: [number, number, number, number] = inverted ? [20, 20, 20, 255] : [255, 255, 255, 255];
        const img = keycloakQr(text, { dark, light });
        const r = decodeQr(img);
        expect(r).toEqual({ ok: true, value: text });
        const checked = crossCheck({ qrText: text, qrUnreadable: false, hiddenSecret: raw, manual: null, fallbackAccountName: null, fallbackIssuer: 'r' });
        const honest = parseOtpauthUri(text);
        if (honest.ok && honest.value.secret === keyOf(raw)) expect(checked).toEqual(honest);
        else expect(checked.ok).toBe(false);
      }),
      runs(100),
    );
  });
});
