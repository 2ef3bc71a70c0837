/**
 * Property-based tests of lib/otp/otp.ts (hostile input): the `otpauth://` parser and Base32
 * keys take text from QR codes, pages and the clipboard. Whatever the text, they answer with a
 * Result whose error code is one of OtpErrorCode, never an exception; what they accept is valid
 * and reads back unchanged.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Secret } from 'otpauth';
import {
  accountToUri,
  base32FromBytes,
  codeAt,
  parseBase32Secret,
  parseOtpauthUri,
  validateParams,
  type Algorithm,
  type OtpAccount,
} from '../../../lib/otp/otp';
import { badResult, hostileString, maybeHuge, mutated, OTP_CODES, runs } from '../property-helpers';

const BASE32_CODES = new Set(['missing-secret', 'invalid-base32', 'secret-too-short']);
const NOW = 1_700_000_000_000;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// ---------------------------------------------------------------------------------------------
// Generators

const bytesArb = fc.uint8Array({ minLength: 10, maxLength: 64 });
const secretArb = bytesArb.map(base32FromBytes);
const algorithmArb = fc.constantFrom<Algorithm>('SHA1', 'SHA256', 'SHA512');

/** Names as people and Keycloak write them, and hostile ones (':' '%' '+' '#' unicode, controls). */
const nameArb = fc.oneof(
  fc.constantFrom('alice@example.com', 'ThingPark', 'Actility: TPE', 'a:b:c', 'x+y', '100%', '#1', 'Zoë', '日本'),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  hostileString(20),
);

/** Accounts in the form parseOtpauthUri produces (trimmed names, per-kind defaults). */
const accountArb: fc.Arbitrary<OtpAccount> = fc
  .record({
    kind: fc.constantFrom('totp' as const, 'hotp' as const),
    secret: secretArb,
    algorithm: algorithmArb,
    digits: fc.integer({ min: 6, max: 10 }),
    period: fc.integer({ min: 1, max: 3600 }),
    counter: fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat()),
    issuer: nameArb.map((s) => s.trim()),
    accountName: nameArb.map((s) => s.trim()),
  })
  .filter((a) => a.accountName !== '' && !LONE_SURROGATE.test(a.accountName) && !LONE_SURROGATE.test(a.issuer))
  .map((a) => (a.kind === 'totp' ? { ...a, counter: 0 } : { ...a, period: 30 }));

/** Well-formed URIs in the spellings real generators use (Keycloak, Google, hand-written). */
const goodUriArb: fc.Arbitrary<string> = fc
  .tuple(accountArb, fc.boolean(), fc.boolean(), fc.constantFrom('otpauth', 'OTPAUTH', 'OtpAuth'))
  .map(([a, hmac, shuffle, scheme]) => {
    const uri = accountToUri(a).replace(/^otpauth/, scheme);
    if (!hmac && !shuffle) return uri;
    const [head, query] = uri.split('?') as [string, string];
    let params = query.split('&');
    if (hmac) params = params.map((p) => p.replace(/^algorithm=/, 'algorithm=Hmac'));
    if (shuffle) params.reverse();
    return `${head}?${params.join('&')}`;
  });

const queryNames = ['secret', 'issuer', 'algorithm', 'digits', 'period', 'counter', 'SECRET', 'image', ''];
/** URIs assembled from hostile pieces: right scheme and type, any parameters, duplicates included. */
const assembledUriArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('otpauth://', 'otpauth:/', 'otpauth-migration://', 'OTPAUTH://', 'http://', ''),
    fc.constantFrom('totp', 'hotp', 'TOTP', 'xotp', '', 'totp/', 'totp//'),
    maybeHuge(hostileString(30), 3000),
    fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...queryNames), hostileString(6)),
        fc.oneof(secretArb, fc.constantFrom('SHA1', 'sha512', 'md5', '6', '8', '10', '11', '0', '-1', '30', '1e3', '0x10', ''), maybeHuge(hostileString(12))),
      ),
      { maxLength: 10 },
    ),
    fc.constantFrom('', '#frag', '#?secret=X'),
  )
  .map(([scheme, type, label, params, fragment]) => `${scheme}${type}/${label}?${params.map(([k, v]) => `${k}=${v}`).join('&')}${fragment}`);

// ---------------------------------------------------------------------------------------------
// Checks

/** What every answer of parseOtpauthUri must satisfy. */
function checkParse(input: string): void {
  const r = parseOtpauthUri(input); // a throw fails the property
  expect(badResult(r, OTP_CODES)).toBeNull();
  if (!r.ok) {
    // Error details end up in logs: never the secret the input carried.
    const secret = /[?&]secret=([^&#]{8,})/i.exec(input)?.[1];
    if (secret && r.error.code !== 'issuer-mismatch') expect(r.error.detail ?? '').not.toContain(secret);
    return;
  }
  const a = r.value;
  // Accepted means usable: the params pass the same rules the code generator enforces...
  expect(validateParams(a).ok).toBe(true);
  expect(codeAt(a, NOW)).toMatch(new RegExp(`^\\d{${a.digits}}$`));
  expect(a.accountName).not.toBe('');
  expect(a.accountName).toBe(a.accountName.trim());
  expect(LONE_SURROGATE.test(a.accountName) || LONE_SURROGATE.test(a.issuer)).toBe(false);
  // ...and writing it back gives a URI that reads back to the same account.
  expect(parseOtpauthUri(accountToUri(a))).toEqual({ ok: true, value: a });
}

// ---------------------------------------------------------------------------------------------

describe('parseOtpauthUri on hostile text', { timeout: 60_000 }, () => {
  it('arbitrary strings: a Result with a known code, never an exception (4000 cases)', () => {
    fc.assert(fc.property(fc.oneof(hostileString(80), fc.string({ unit: 'binary', maxLength: 200 })), checkParse), runs(4000));
  });

  it('strings after otpauth://: the same (4000 cases)', () => {
    fc.assert(
      fc.property(fc.constantFrom('otpauth://', 'otpauth://totp/', 'otpauth://hotp/', 'otpauth://totp?'), hostileString(80), (p, s) =>
        checkParse(p + s),
      ),
      runs(4000),
    );
  });

  it('assembled URIs (any parameters, duplicates, huge values, unicode, controls) (4000 cases)', () => {
    fc.assert(fc.property(assembledUriArb, checkParse), runs(4000));
  });

  it('valid URIs after random edits (insert, delete, duplicate, percent-encode, case, truncate, blow up) (3000 cases)', () => {
    fc.assert(fc.property(mutated(goodUriArb, 4), checkParse), runs(3000));
  });

  it('a duplicated parameter is refused, never resolved by picking one of the values (2000 cases)', () => {
    fc.assert(
      fc.property(goodUriArb, fc.constantFrom('secret', 'algorithm', 'digits', 'issuer'), fc.nat(), (uri, name, pick) => {
        const [head, query] = uri.split('?') as [string, string];
        const params = query.split('&');
        const own = params.find((p) => p.toLowerCase().startsWith(`${name}=`));
        fc.pre(own !== undefined);
        params.splice(pick % (params.length + 1), 0, own!);
        const r = parseOtpauthUri(`${head}?${params.join('&')}`);
        expect(r.ok).toBe(false);
        expect(badResult(r, OTP_CODES)).toBeNull();
      }),
      runs(2000),
    );
  });
});

describe('accountToUri / parseOtpauthUri round trip', { timeout: 60_000 }, () => {
  it('every valid account reads back equal (3000 cases)', () => {
    fc.assert(
      fc.property(accountArb, (a) => {
        expect(parseOtpauthUri(accountToUri(a))).toEqual({ ok: true, value: a });
      }),
      runs(3000),
    );
  });

  it('the scheme, type and algorithm spellings real generators use give the same account (2000 cases)', () => {
    fc.assert(
      fc.property(goodUriArb, (uri) => {
        const r = parseOtpauthUri(uri);
        expect(r.ok).toBe(true);
        if (r.ok) expect(parseOtpauthUri(accountToUri(r.value))).toEqual(r);
      }),
      runs(2000),
    );
  });
});

// ---------------------------------------------------------------------------------------------

/** RFC 4648 Base32 decoding for the tests (otpauth's, an independent implementation). */
const decode32 = (b32: string): Uint8Array => new Uint8Array(Secret.fromBase32(b32).buffer);

describe('Base32 keys', { timeout: 60_000 }, () => {
  it('any string: a canonical key or missing-secret / invalid-base32 / secret-too-short (5000 cases)', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString(60), fc.stringMatching(/^[A-Za-z2-7 =-]{0,70}$/), fc.string({ unit: 'binary', maxLength: 80 })), (s) => {
        const r = parseBase32Secret(s);
        expect(badResult(r, BASE32_CODES)).toBeNull();
        if (r.ok) {
          expect(r.value).toMatch(/^[A-Z2-7]{16,}$/);
          expect([1, 3, 6]).not.toContain(r.value.length % 8);
          expect(parseBase32Secret(r.value)).toEqual(r);
        } else if (s.length >= 8) {
          expect(r.error.detail ?? '').not.toContain(s);
        }
      }),
      runs(5000),
    );
  });

  it('any bytes round trip through base32FromBytes; keys of 10 bytes or more are accepted as is (5000 cases)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const b32 = base32FromBytes(bytes);
        expect(b32).toMatch(/^[A-Z2-7]*$/);
        expect(b32.length).toBe(Math.ceil((bytes.length * 8) / 5));
        expect(decode32(b32)).toEqual(bytes);
        const r = parseBase32Secret(b32);
        if (bytes.length === 0) expect(r).toMatchObject({ ok: false, error: { code: 'missing-secret' } });
        else if (bytes.length < 10) expect(r).toMatchObject({ ok: false, error: { code: 'secret-too-short' } });
        else expect(r).toEqual({ ok: true, value: b32 });
      }),
      runs(5000),
    );
  });

  it('spaces, hyphens, lower case and correct padding do not change the key (5000 cases)', () => {
    fc.assert(
      fc.property(
        bytesArb,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '  ', '-', '\t', '\n', '\u00a0')), { maxLength: 10 }),
        fc.array(fc.boolean(), { minLength: 104, maxLength: 104 }),
        fc.boolean(),
        (bytes, separators, lower, pad) => {
          const b32 = base32FromBytes(bytes);
          let s = [...b32].map((c, i) => (lower[i % lower.length] ? c.toLowerCase() : c)).join('');
          if (pad) s += '='.repeat((8 - (b32.length % 8)) % 8);
          for (const [pos, sep] of separators) {
            const at = pos % (s.length + 1);
            s = s.slice(0, at) + sep + s.slice(at);
          }
          expect(parseBase32Secret(s)).toEqual({ ok: true, value: b32 });
        },
      ),
      runs(5000),
    );
  });

  it('wrong padding, or anything after it, is refused (3000 cases)', () => {
    fc.assert(
      fc.property(bytesArb, fc.integer({ min: 1, max: 9 }), fc.boolean(), (bytes, n, trailing) => {
        const b32 = base32FromBytes(bytes);
        const right = (8 - (b32.length % 8)) % 8;
        fc.pre(trailing || n !== right);
        const r = parseBase32Secret(`${b32}${'='.repeat(n)}${trailing ? 'A' : ''}`);
        expect(r).toMatchObject({ ok: false, error: { code: 'invalid-base32' } });
      }),
      runs(3000),
    );
  });

  it('validateParams on random params answers with a known code, never throws (3000 cases)', () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.oneof(fc.constantFrom('totp', 'hotp'), fc.anything()),
          // Typed fields stay strings (the signature says so); their values are hostile.
          secret: fc.oneof(secretArb, hostileString(40), secretArb.map((s) => s.toLowerCase())),
          algorithm: fc.oneof(algorithmArb, hostileString(10), fc.constantFrom('sha1', 'HmacSHA1', 'MD5')),
          digits: fc.oneof(fc.integer({ min: 5, max: 11 }), fc.anything()),
          period: fc.oneof(fc.integer({ min: 0, max: 4000 }), fc.double(), fc.anything()),
          counter: fc.oneof(fc.integer(), fc.double(), fc.anything()),
        }),
        (params) => {
          const r = validateParams(params as never);
          expect(badResult(r, OTP_CODES)).toBeNull();
          if (r.ok) expect(codeAt(r.value, NOW)).toMatch(/^\d{6,10}$/);
        },
      ),
      runs(3000),
    );
  });
});
