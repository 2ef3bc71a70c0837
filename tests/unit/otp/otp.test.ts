/**
 * lib/otp/otp.ts: RFC 4226 and RFC 6238 known answers, time steps and seconds left, Base32 keys,
 * `otpauth://` URIs good and bad and written back, and params built elsewhere. One file per
 * module under test, around the shared known-answer table below.
 */
import { describe, it, expect } from 'vitest';
import {
  accountToUri,
  base32FromBytes,
  codeAt,
  codeForStep,
  parseBase32Secret,
  parseOtpauthUri,
  secondsLeft,
  stepAt,
  validateParams,
  type Algorithm,
  type Base32Secret,
  type OtpAccount,
  type OtpErrorCode,
  type OtpParams,
} from '../../../lib/otp/otp';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// ---------------------------------------------------------------------------------------------
// Shared known-answer table: RFC 4226 Appendix D and RFC 6238 Appendix B.
// ---------------------------------------------------------------------------------------------

/** RFC 6238 seeds: ASCII "1234567890" repeated to the hash's output length. */
const SEEDS: Record<Algorithm, Base32Secret> = {
  SHA1: base32FromBytes(ascii('1234567890'.repeat(2))),
  SHA256: base32FromBytes(ascii('1234567890'.repeat(4).slice(0, 32))),
  SHA512: base32FromBytes(ascii('1234567890'.repeat(7).slice(0, 64))),
};

interface Vector {
  name: string;
  params: OtpParams;
  /** HOTP counter, or TOTP step for the time below. */
  step: number;
  /** Unix ms for codeAt. */
  nowMs: number;
  code: string;
}

const HOTP_6 = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
/** RFC 4226 Appendix D "Truncated" decimal values: the 10-digit code, zero-padded. */
const HOTP_10 = ['1284755224', '1094287082', '0137359152', '1726969429', '1640338314', '0868254676', '1918287922', '0082162583', '0673399871', '0645520489'];

const TOTP_8: Array<[seconds: number, sha1: string, sha256: string, sha512: string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'], // step 666666666 > 2^32 / 30: needs all 8 counter bytes
];

const hotp = (digits: number, counter: number): OtpParams => ({
  kind: 'hotp', secret: SEEDS.SHA1, algorithm: 'SHA1', digits, period: 30, counter,
});
const totp = (algorithm: Algorithm, digits: number, period = 30): OtpParams => ({
  kind: 'totp', secret: SEEDS[algorithm], algorithm, digits, period, counter: 0,
});

const VECTORS: Vector[] = [
  ...HOTP_6.map((code, c) => ({ name: `HOTP 6 digits counter ${c}`, params: hotp(6, c), step: c, nowMs: 1_700_000_000_000, code })),
  ...HOTP_10.map((code, c) => ({ name: `HOTP 10 digits counter ${c}`, params: hotp(10, c), step: c, nowMs: 0, code })),
  ...TOTP_8.flatMap(([t, ...codes]) =>
    (['SHA1', 'SHA256', 'SHA512'] as const).flatMap((alg, i) => {
      const code8 = codes[i] ?? '';
      const step = Math.floor(t / 30);
      return [
        { name: `TOTP ${alg} 8 digits t=${t}`, params: totp(alg, 8), step, nowMs: t * 1000, code: code8 },
        // Truncation is (31-bit value) mod 10^digits, so 6 digits are the last 6 of the 8;
        // cross-checked against the RFC 4226 6-digit table above for the SHA1 seed.
        { name: `TOTP ${alg} 6 digits t=${t}`, params: totp(alg, 6), step, nowMs: t * 1000, code: code8.slice(2) },
      ];
    }),
  ),
];

describe('RFC known answers', () => {
  it('the RFC seeds encode as expected', () => {
    expect(SEEDS.SHA1).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(SEEDS.SHA256).toHaveLength(Math.ceil((32 * 8) / 5));
    expect(SEEDS.SHA512).toHaveLength(Math.ceil((64 * 8) / 5));
  });

  it.each(VECTORS)('$name via codeForStep', ({ params, step, code }) => {
    expect(codeForStep(params, step)).toBe(code);
  });

  it.each(VECTORS)('$name via codeAt', ({ params, nowMs, code }) => {
    expect(codeAt(params, nowMs)).toBe(code);
  });

  it('HOTP 6 digits equal the last 6 of the 10-digit truncated value', () => {
    HOTP_10.forEach((code10, c) => expect(code10.slice(4)).toBe(HOTP_6[c]));
  });

  it('codeForStep rejects programming errors with RangeError, never leaking the secret', () => {
    const bad: Array<[OtpParams, number]> = [
      [{ ...totp('SHA1', 6), digits: 11 }, 0],
      [{ ...totp('SHA1', 6), digits: 5 }, 0],
      [{ ...totp('SHA1', 6), algorithm: 'MD5' as Algorithm }, 0],
      [{ ...totp('SHA1', 6), secret: 'gezd gnbv gy3t qojq' as Base32Secret }, 0],
      [totp('SHA1', 6), -1],
      [totp('SHA1', 6), 1.5],
    ];
    for (const [params, step] of bad) {
      expect(() => codeForStep(params, step)).toThrow(RangeError);
      try {
        codeForStep(params, step);
      } catch (e) {
        expect(String(e)).not.toContain(params.secret);
      }
    }
  });
});

describe('stepAt / secondsLeft', () => {
  const p30 = totp('SHA1', 6, 30);
  const p60 = totp('SHA1', 6, 60);
  it.each([
    // [params, seconds, step, secondsLeft]
    [p30, 0, 0, 30],
    [p30, 29.999, 0, 1],
    [p30, 59, 1, 1],
    [p30, 59.5, 1, 1],
    [p30, 60, 2, 30],
    [p30, 60.001, 2, 30],
    [p60, 59, 0, 1],
    [p60, 60, 1, 60],
    [p60, 119.999, 1, 1],
    [p60, 120, 2, 60],
    [p30, 20000000000, 666666666, 10],
  ] as const)('period %#: t=%s s', (params, seconds, step, left) => {
    expect(stepAt(params, seconds * 1000)).toBe(step);
    expect(secondsLeft(params, seconds * 1000)).toBe(left);
  });

  it('secondsLeft is always an integer in 1..period', () => {
    for (let ms = -5000; ms < 65000; ms += 137) {
      const left = secondsLeft(p30, ms);
      expect(Number.isInteger(left)).toBe(true);
      expect(left).toBeGreaterThanOrEqual(1);
      expect(left).toBeLessThanOrEqual(30);
    }
  });

  it('HOTP: the step is the counter, whatever the time', () => {
    const p = hotp(6, 7);
    expect(stepAt(p, 123_456_789)).toBe(7);
    expect(codeAt(p, 0)).toBe('162583');
    expect(codeAt(p, 9_999_999_999_999)).toBe('162583');
    expect(codeForStep(p, stepAt(p, 0) + 1)).toBe('399871');
  });
});

// ---------------------------------------------------------------------------------------------
// Base32 secrets
// ---------------------------------------------------------------------------------------------

const KEYCLOAK_RAW = 'Aq3kP9vLm2Rt7Wc1Bn5d';
const KEYCLOAK_B32 = 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE';

describe('parseBase32Secret', () => {
  it.each([
    ['canonical', KEYCLOAK_B32, KEYCLOAK_B32],
    ['Keycloak manual mode groups of 4', 'IFYT G22Q HF3E Y3JS KJ2D OV3D GFBG 4NLE', KEYCLOAK_B32],
    ['lower case', KEYCLOAK_B32.toLowerCase(), KEYCLOAK_B32],
    ['hyphens', 'IFYT-G22Q-HF3E-Y3JS-KJ2D-OV3D-GFBG-4NLE', KEYCLOAK_B32],
    ['surrounding whitespace, tab, NBSP', `  IFYT\tG22Q\u00a0HF3E Y3JS KJ2D OV3D GFBG 4NLE \n`, KEYCLOAK_B32],
    ['exactly 16 chars (80 bits)', 'JBSWY3DPEHPK3PXP', 'JBSWY3DPEHPK3PXP'],
    ['26 chars with 6 padding', 'JBSWY3DPEHPK3PXPJBSWY3DPEE======', 'JBSWY3DPEHPK3PXPJBSWY3DPEE'],
    ['26 chars without padding', 'JBSWY3DPEHPK3PXPJBSWY3DPEE', 'JBSWY3DPEHPK3PXPJBSWY3DPEE'],
    ['23 chars with 1 padding', 'JBSWY3DPEHPK3PXPJBSWY3D=', 'JBSWY3DPEHPK3PXPJBSWY3D'],
    ['spaced padding', 'jbsw y3dp ehpk 3pxp jbsw y3dp ee== ====', 'JBSWY3DPEHPK3PXPJBSWY3DPEE'],
  ])('accepts %s', (_name, input, expected) => {
    expect(parseBase32Secret(input)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, string, OtpErrorCode]>([
    ['empty', '', 'missing-secret'],
    ['only spaces', '    ', 'missing-secret'],
    ['only padding', '========', 'missing-secret'],
    ['digit 1', 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NL1', 'invalid-base32'],
    ['digit 0', 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NL0', 'invalid-base32'],
    ['digit 8', '8FYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE', 'invalid-base32'],
    ['punctuation', 'IFYTG22QHF3EY3JS.KJ2DOV3DGFBG4NLE', 'invalid-base32'],
    ['non-ASCII', 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLÉ', 'invalid-base32'],
    ['base64 chars', 'IFYTG22QHF3EY3JS+J2DOV3DGFBG4NL/', 'invalid-base32'],
    ['length 17 (mod 8 = 1)', 'JBSWY3DPEHPK3PXPJ', 'invalid-base32'],
    ['length 19 (mod 8 = 3)', 'JBSWY3DPEHPK3PXPJBS', 'invalid-base32'],
    ['length 22 (mod 8 = 6)', 'JBSWY3DPEHPK3PXPJBSWY3', 'invalid-base32'],
    ['padding in the middle', 'JBSWY3DP==EHPK3PXPJBSWY3DPEE', 'invalid-base32'],
    ['wrong padding count', 'JBSWY3DPEHPK3PXPJBSWY3DPEE==', 'invalid-base32'],
    ['padding on a full block', 'JBSWY3DPEHPK3PXP========', 'invalid-base32'],
    ['15 chars', 'JBSWY3DPEHPK3PX', 'secret-too-short'],
    ['8 chars', 'JBSWY3DP', 'secret-too-short'],
  ])('rejects %s', (_name, input, code) => {
    const r = parseBase32Secret(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    const cleaned = input.replace(/[\s=-]/g, '');
    if (cleaned.length > 0) expect(r.error.detail ?? '').not.toContain(cleaned);
    if (input.trim().length > 0) expect(r.error.detail ?? '').not.toContain(input.trim());
  });
});

describe('base32FromBytes', () => {
  it("turns Keycloak's hidden raw totpSecret into the authenticator key", () => {
    expect(base32FromBytes(ascii(KEYCLOAK_RAW))).toBe(KEYCLOAK_B32);
  });
  it('encodes RFC 4648 §10 vectors without padding', () => {
    expect(base32FromBytes(ascii(''))).toBe('');
    expect(base32FromBytes(ascii('f'))).toBe('MY');
    expect(base32FromBytes(ascii('fo'))).toBe('MZXQ');
    expect(base32FromBytes(ascii('foo'))).toBe('MZXW6');
    expect(base32FromBytes(ascii('foob'))).toBe('MZXW6YQ');
    expect(base32FromBytes(ascii('fooba'))).toBe('MZXW6YTB');
    expect(base32FromBytes(ascii('foobar'))).toBe('MZXW6YTBOI');
  });
  it('encodes only the viewed bytes of a subarray', () => {
    const big = ascii(`xx${KEYCLOAK_RAW}yy`);
    expect(base32FromBytes(big.subarray(2, 2 + KEYCLOAK_RAW.length))).toBe(KEYCLOAK_B32);
  });
});

// ---------------------------------------------------------------------------------------------
// otpauth:// URIs
// ---------------------------------------------------------------------------------------------

const RFC_B32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const KEYCLOAK_URI =
  'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30';

const account = (over: Partial<OtpAccount>): OtpAccount => ({
  kind: 'totp',
  secret: KEYCLOAK_B32 as Base32Secret,
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  counter: 0,
  issuer: 'ThingPark Enterprise',
  accountName: 'jane.doe@example.com',
  ...over,
});

const GOOD_URIS: Array<[name: string, uri: string, expected: OtpAccount]> = [
  ["Keycloak's real example", KEYCLOAK_URI, account({})],
  [
    'SHA256, 8 digits, 60 s',
    `otpauth://totp/ACME:alice?secret=${RFC_B32}&algorithm=SHA256&digits=8&period=60&issuer=ACME`,
    account({ secret: RFC_B32 as Base32Secret, algorithm: 'SHA256', digits: 8, period: 60, issuer: 'ACME', accountName: 'alice' }),
  ],
  [
    'SHA512 lower case, 10 digits, 3600 s',
    `otpauth://totp/ACME:alice?secret=${RFC_B32}&algorithm=sha512&digits=10&period=3600`,
    account({ secret: RFC_B32 as Base32Secret, algorithm: 'SHA512', digits: 10, period: 3600, issuer: 'ACME', accountName: 'alice' }),
  ],
  [
    'HOTP with counter',
    `otpauth://hotp/ACME:bob?secret=${RFC_B32}&counter=42&issuer=ACME`,
    account({ kind: 'hotp', secret: RFC_B32 as Base32Secret, counter: 42, issuer: 'ACME', accountName: 'bob' }),
  ],
  [
    'HOTP counter 0, max safe counter ignored period',
    `otpauth://HOTP/bob?secret=${RFC_B32}&counter=9007199254740991&period=abc`,
    account({ kind: 'hotp', secret: RFC_B32 as Base32Secret, counter: Number.MAX_SAFE_INTEGER, issuer: '', accountName: 'bob' }),
  ],
  [
    'lower-case secret with spaces',
    'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=ifyt%20g22q%20hf3e%20y3js%20kj2d%20ov3d%20gfbg%204nle&issuer=ThingPark%20Enterprise',
    account({}),
  ],
  [
    'old Keycloak HmacSHA1',
    `otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=${KEYCLOAK_B32}&algorithm=HmacSHA1`,
    account({}),
  ],
  [
    'HmacSHA256 and hmacsha512 forms',
    `otpauth://totp/X:y?secret=${KEYCLOAK_B32}&algorithm=HmacSHA256`,
    account({ algorithm: 'SHA256', issuer: 'X', accountName: 'y' }),
  ],
  [
    'hmacsha512',
    `otpauth://totp/X:y?secret=${KEYCLOAK_B32}&algorithm=hmacsha512`,
    account({ algorithm: 'SHA512', issuer: 'X', accountName: 'y' }),
  ],
  [
    'no issuer anywhere',
    `otpauth://totp/jane.doe%40example.com?secret=${KEYCLOAK_B32}`,
    account({ issuer: '' }),
  ],
  [
    'issuer from the label only',
    `otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=${KEYCLOAK_B32}`,
    account({}),
  ],
  [
    'issuer from the parameter only',
    `otpauth://totp/jane.doe%40example.com?issuer=ThingPark+Enterprise&secret=${KEYCLOAK_B32}`,
    account({}),
  ],
  [
    '"Issuer: account" with a space, colon encoded',
    `otpauth://totp/ThingPark%20Enterprise%3A%20jane.doe%40example.com?secret=${KEYCLOAK_B32}&issuer=ThingPark%20Enterprise`,
    account({}),
  ],
  [
    'upper-case scheme and type, whitespace, unknown params, fragment',
    ` OTPAUTH://TOTP/ThingPark%20Enterprise:jane.doe@example.com?image=https%3A%2F%2Fx%2Fa.png&secret=${KEYCLOAK_B32}&foo&counter=zzz#frag \n`,
    account({}),
  ],
  [
    'issuer containing a colon',
    `otpauth://totp/A%3AB:carol?secret=${KEYCLOAK_B32}&issuer=A%3AB`,
    account({ issuer: 'A:B', accountName: 'carol' }),
  ],
  [
    'empty issuer prefix, account containing a colon',
    `otpauth://totp/:urn%3Auser?secret=${KEYCLOAK_B32}`,
    account({ issuer: '', accountName: 'urn:user' }),
  ],
  [
    'padded secret, non-ASCII names',
    'otpauth://totp/Soci%C3%A9t%C3%A9:J%C3%BCrgen?secret=JBSWY3DPEHPK3PXPJBSWY3DPEE%3D%3D%3D%3D%3D%3D&issuer=Soci%C3%A9t%C3%A9',
    account({ secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEE' as Base32Secret, issuer: 'Société', accountName: 'Jürgen' }),
  ],
];

describe('parseOtpauthUri: good URIs', () => {
  it.each(GOOD_URIS)('%s', (_name, uri, expected) => {
    expect(parseOtpauthUri(uri)).toEqual({ ok: true, value: expected });
  });

  it.each(GOOD_URIS)('round trip: %s', (_name, uri) => {
    const first = parseOtpauthUri(uri);
    if (!first.ok) throw new Error(first.error.code);
    const again = parseOtpauthUri(accountToUri(first.value));
    expect(again).toEqual({ ok: true, value: first.value });
  });

  it("the Keycloak account's codes match the raw-secret encoding", () => {
    const r = parseOtpauthUri(KEYCLOAK_URI);
    if (!r.ok) throw new Error(r.error.code);
    const fromRaw = { ...r.value, secret: base32FromBytes(ascii(KEYCLOAK_RAW)) };
    expect(codeAt(r.value, 1_700_000_000_000)).toBe(codeAt(fromRaw, 1_700_000_000_000));
    expect(codeAt(r.value, 1_700_000_000_000)).toMatch(/^\d{6}$/);
  });
});

describe('accountToUri', () => {
  it('writes Keycloak-style labels and the documented parameter order', () => {
    expect(accountToUri(account({}))).toBe(
      `otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=${KEYCLOAK_B32}&issuer=ThingPark%20Enterprise&algorithm=SHA1&digits=6&period=30`,
    );
    expect(accountToUri(account({ kind: 'hotp', counter: 5, issuer: '', accountName: 'bob' }))).toBe(
      `otpauth://hotp/bob?secret=${KEYCLOAK_B32}&algorithm=SHA1&digits=6&counter=5`,
    );
  });

  it.each([
    account({ issuer: '', accountName: 'a:b' }),
    account({ issuer: 'x:y', accountName: 'a:b' }),
    account({ issuer: 'R&D #1 / 100%', accountName: 'j+tag@example.com?' }),
    account({ kind: 'hotp', counter: 0, algorithm: 'SHA512', digits: 8 }),
  ])('round-trips awkward names %#', (a) => {
    expect(parseOtpauthUri(accountToUri(a))).toEqual({ ok: true, value: a });
  });
});

const S = KEYCLOAK_B32;
const BAD_URIS: Array<[OtpErrorCode, string, string]> = [
  ['not-otpauth', 'empty string', ''],
  ['not-otpauth', 'https URL', `https://example.com/?secret=${S}`],
  ['not-otpauth', 'bare base32 secret', S],
  ['not-otpauth', 'missing slashes', `otpauth:totp/a?secret=${S}`],
  ['not-otpauth', 'Google Authenticator export', 'otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGUlM0FhbGljZSU0MGdvb2dsZS5jb20aB0V4YW1wbGUwAg%3D%3D'],
  ['unknown-type', 'steam', `otpauth://steam/a?secret=${S}`],
  ['unknown-type', 'empty type', `otpauth:///a?secret=${S}`],
  ['unknown-type', 'totp with suffix', `otpauth://totp2/a?secret=${S}`],
  ['missing-secret', 'no secret', 'otpauth://totp/a?issuer=X'],
  ['missing-secret', 'no query', 'otpauth://totp/a'],
  ['missing-secret', 'empty secret', 'otpauth://totp/a?secret='],
  ['invalid-base32', 'digit 1 in secret', `otpauth://totp/a?secret=${S.slice(0, -1)}1`],
  ['invalid-base32', 'impossible length', `otpauth://totp/a?secret=${S}A`],
  ['invalid-base32', 'secret given twice', `otpauth://totp/a?secret=${S}&secret=${S}`],
  ['invalid-base32', 'malformed percent in secret', `otpauth://totp/a?secret=${S}%2`],
  ['secret-too-short', '8-char secret', 'otpauth://totp/a?secret=IFYTG22Q'],
  ['unknown-algorithm', 'MD5', `otpauth://totp/a?secret=${S}&algorithm=MD5`],
  ['unknown-algorithm', 'SHA224', `otpauth://totp/a?secret=${S}&algorithm=SHA224`],
  ['unknown-algorithm', 'empty algorithm', `otpauth://totp/a?secret=${S}&algorithm=`],
  ['unknown-algorithm', 'HmacMD5', `otpauth://totp/a?secret=${S}&algorithm=HmacMD5`],
  ['bad-digits', '6.5', `otpauth://totp/a?secret=${S}&digits=6.5`],
  ['bad-digits', 'empty', `otpauth://totp/a?secret=${S}&digits=`],
  ['bad-digits', "' 6'", `otpauth://totp/a?secret=${S}&digits=%206`],
  ['bad-digits', "'+6' (form-encoded space)", `otpauth://totp/a?secret=${S}&digits=+6`],
  ['bad-digits', '1e1', `otpauth://totp/a?secret=${S}&digits=1e1`],
  ['bad-digits', '5', `otpauth://totp/a?secret=${S}&digits=5`],
  ['bad-digits', '11', `otpauth://totp/a?secret=${S}&digits=11`],
  ['bad-digits', 'digits twice', `otpauth://totp/a?secret=${S}&digits=6&digits=8`],
  ['bad-period', '0', `otpauth://totp/a?secret=${S}&period=0`],
  ['bad-period', '3601', `otpauth://totp/a?secret=${S}&period=3601`],
  ['bad-period', '30.5', `otpauth://totp/a?secret=${S}&period=30.5`],
  ['bad-period', '-30', `otpauth://totp/a?secret=${S}&period=-30`],
  ['bad-period', 'empty', `otpauth://totp/a?secret=${S}&period=`],
  ['bad-counter', 'hotp without counter', `otpauth://hotp/a?secret=${S}`],
  ['bad-counter', '-1', `otpauth://hotp/a?secret=${S}&counter=-1`],
  ['bad-counter', '1.5', `otpauth://hotp/a?secret=${S}&counter=1.5`],
  ['bad-counter', '0x10', `otpauth://hotp/a?secret=${S}&counter=0x10`],
  ['bad-counter', '2^53 (not safe)', `otpauth://hotp/a?secret=${S}&counter=9007199254740992`],
  ['bad-counter', 'empty', `otpauth://hotp/a?secret=${S}&counter=`],
  ['bad-label', 'no label', `otpauth://totp?secret=${S}`],
  ['bad-label', 'empty label', `otpauth://totp/?secret=${S}`],
  ['bad-label', 'issuer only', `otpauth://totp/ACME:?secret=${S}`],
  ['bad-label', 'issuer and blank account', `otpauth://totp/ACME:%20%20?secret=${S}&issuer=ACME`],
  ['bad-label', 'malformed percent', `otpauth://totp/ACME:jane%zz?secret=${S}`],
  ['bad-label', 'truncated UTF-8', `otpauth://totp/ACME:jane%E0%A4?secret=${S}`],
  ['bad-label', 'malformed issuer parameter', `otpauth://totp/jane?secret=${S}&issuer=%E0`],
  ['bad-label', 'lone surrogate in raw label', `otpauth://totp/ja\ud800ne?secret=${S}`],
  ['issuer-mismatch', 'label and parameter differ', `otpauth://totp/Evil:jane?secret=${S}&issuer=ThingPark`],
  ['issuer-mismatch', 'case differs', `otpauth://totp/acme:jane?secret=${S}&issuer=ACME`],
  ['issuer-mismatch', 'issuer given twice', `otpauth://totp/jane?secret=${S}&issuer=A&issuer=B`],
];

describe('parseOtpauthUri: bad URIs', () => {
  it.each(BAD_URIS)('%s: %s', (code, _name, uri) => {
    const r = parseOtpauthUri(uri);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
  });

  it('every OtpErrorCode is covered by the table', () => {
    const all: Record<OtpErrorCode, true> = {
      'not-otpauth': true, 'unknown-type': true, 'missing-secret': true, 'invalid-base32': true,
      'secret-too-short': true, 'unknown-algorithm': true, 'bad-digits': true, 'bad-period': true,
      'bad-counter': true, 'bad-label': true, 'issuer-mismatch': true,
    };
    expect(new Set(BAD_URIS.map(([code]) => code))).toEqual(new Set(Object.keys(all)));
  });

  it('no detail ever contains the secret', () => {
    const secrets = [S, S.slice(0, 16), 'IFYTG22Q', S.slice(0, -1), S.toLowerCase()];
    for (const [, , uri] of BAD_URIS) {
      const r = parseOtpauthUri(uri);
      if (r.ok) throw new Error(`accepted: ${uri}`);
      for (const secret of secrets) expect(r.error.detail ?? '').not.toContain(secret);
    }
  });

  it('says that otpauth-migration:// is a Google Authenticator export', () => {
    const r = parseOtpauthUri('otpauth-migration://offline?data=abc');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.detail).toMatch(/Google Authenticator export/);
  });

  it('never throws on garbage', () => {
    // Small deterministic fuzz: mutations of good URIs must give a Result, never an exception.
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = '%:/?&=#+ aZ2\u00e9\u0000\ud800';
    for (let i = 0; i < 2000; i++) {
      const base = (GOOD_URIS[rand(GOOD_URIS.length)] ?? GOOD_URIS[0])?.[1] ?? '';
      const chars = [...base];
      for (let k = 0; k < 3; k++) chars.splice(rand(chars.length + 1), rand(2), alphabet[rand(alphabet.length)] ?? '');
      const r = parseOtpauthUri(chars.join(''));
      expect(typeof r.ok).toBe('boolean');
      if (!r.ok) continue;
      expect(() => codeAt(r.value, 1_700_000_000_000)).not.toThrow();
      expect(parseOtpauthUri(accountToUri(r.value))).toEqual({ ok: true, value: r.value });
    }
  });
});

describe('validateParams', () => {
  it('accepts what parseOtpauthUri produces', () => {
    for (const [, uri] of GOOD_URIS) {
      const r = parseOtpauthUri(uri);
      if (!r.ok) throw new Error(r.error.code);
      expect(validateParams(r.value).ok).toBe(true);
    }
  });
  it.each<[Partial<OtpParams>, OtpErrorCode]>([
    [{ secret: 'ifytg22qhf3ey3js' as Base32Secret }, 'invalid-base32'],
    [{ secret: 'IFYTG22Q' as Base32Secret }, 'secret-too-short'],
    [{ algorithm: 'SHA384' as Algorithm }, 'unknown-algorithm'],
    [{ digits: 4 }, 'bad-digits'],
    [{ period: 0 }, 'bad-period'],
    [{ counter: -1 }, 'bad-counter'],
  ])('rejects %o', (over, code) => {
    const r = validateParams({ ...totp('SHA1', 6), ...over });
    expect(r.ok ? undefined : r.error.code).toBe(code);
  });
});
