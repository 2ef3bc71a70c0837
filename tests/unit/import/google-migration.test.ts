/**
 * Google Authenticator exports (`otpauth-migration://`): a published sample, payloads built with
 * protobuf-es's writer (fields shuffled, unknown fields, large and batched exports), every
 * spelling of the base64, and damaged input, which must come back as an error value and never
 * as an exception.
 * One file per module under test; its protobuf reader (lib/import/migration-payload.ts) is
 * tested through it.
 */
import { describe, expect, it } from 'vitest';
import { HOTP, Secret, TOTP } from 'otpauth';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  combineBatches,
  isMigrationUri,
  MAX_BATCH_SIZE,
  parseMigrationUri,
  type MigrationBatch,
  type MigrationErrorCode,
} from '../../../lib/import/google-migration';
import type { SkipReason } from '../../../lib/import/skipped';
import {
  accountToUri,
  base32FromBytes,
  codeAt,
  parseOtpauthUri,
  validateParams,
  type Base32Secret,
  type OtpAccount,
} from '../../../lib/otp/otp';
import {
  encodeExport,
  encodeMigrationUri,
  encodePayload,
  migrationUri,
  rng,
  toBase64,
  type MigrationEntry,
  type UriStyle,
} from '../../fixtures/migration/encode';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const NOW = 1_700_000_012_345;

function parsed(uri: string): MigrationBatch {
  const r = parseMigrationUri(uri);
  if (!r.ok) throw new Error(`expected a batch, got ${r.error.code}: ${r.error.detail ?? ''}`);
  return r.value;
}

function errorCode(uri: string): MigrationErrorCode {
  const r = parseMigrationUri(uri);
  if (r.ok) throw new Error('expected an error, got a batch');
  return r.error.code;
}

/** Deterministic secret bytes of the given length. */
function secretBytes(seed: number, length = 20): Uint8Array {
  const random = rng(seed);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

// ---------------------------------------------------------------------------------------------
// Known answers
// ---------------------------------------------------------------------------------------------

describe('a published export', () => {
  // The sample from the google-authenticator-extractor / google_authenticator_converter READMEs
  // (written by Google Authenticator's format, not by our encoder): three TOTP accounts with
  // the secrets "Hello!" + DE AD BE EF / F0 / F1, names "TestN:testN@exampleN.com".
  const SAMPLE =
    'otpauth-migration://offline?data=CjMKCkhlbGxvId6tvu8SGFRlc3QxOnRlc3QxQGV4YW1wbGUxLmNvbRoFVGVzdDEgASgBMAIKMwoKSGVsbG8h3q2%2B8BIYVGVzdDI6dGVzdDJAZXhhbXBsZTIuY29tGgVUZXN0MiABKAEwAgozCgpIZWxsbyHerb7xEhhUZXN0Mzp0ZXN0M0BleGFtcGxlMy5jb20aBVRlc3QzIAEoATACEAEYASAAKI3orYEE';

  it('decodes to the three accounts', () => {
    const batch = parsed(SAMPLE);
    expect(batch.accounts).toEqual(
      [1, 2, 3].map((n) => ({
        kind: 'totp',
        secret: ['JBSWY3DPEHPK3PXP', 'JBSWY3DPEHPK3PXQ', 'JBSWY3DPEHPK3PXR'][n - 1],
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        counter: 0,
        issuer: `Test${n}`,
        accountName: `test${n}@example${n}.com`,
      })),
    );
    expect(batch.skipped).toEqual([]);
    // batch_id 8D E8 AD 81 04 = 13 + 104·2^7 + 45·2^14 + 1·2^21 + 4·2^28
    expect(batch).toMatchObject({ version: 1, batchSize: 1, batchIndex: 0, batchId: 1_076_589_581 });
  });
});

// ---------------------------------------------------------------------------------------------
// A real-world-shaped export built with the encoder
// ---------------------------------------------------------------------------------------------

const TP_SECRET = ascii('Aq3kP9vLm2Rt7Wc1Bn5d');
const OPS_SECRET = secretBytes(2, 32);
const VPN_SECRET = secretBytes(3, 20);

/** What Google Authenticator writes: the name carries the "Issuer:" prefix too. */
const SAMPLE_ENTRIES: MigrationEntry[] = [
  { secret: TP_SECRET, name: 'ThingPark Enterprise:jane.doe@example.com', issuer: 'ThingPark Enterprise', algorithm: 1, digits: 1, type: 2 },
  { secret: OPS_SECRET, name: 'ops@actility.com', issuer: 'Actility', algorithm: 2, digits: 2, type: 2 },
  { secret: VPN_SECRET, name: 'Legacy VPN:bob', algorithm: 1, digits: 1, type: 1, counter: 7 },
];

const SAMPLE_ACCOUNTS: OtpAccount[] = [
  {
    kind: 'totp',
    secret: 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE' as Base32Secret, // Keycloak's example key
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    counter: 0,
    issuer: 'ThingPark Enterprise',
    accountName: 'jane.doe@example.com',
  },
  {
    kind: 'totp',
    secret: base32FromBytes(OPS_SECRET),
    algorithm: 'SHA256',
    digits: 8,
    period: 30,
    counter: 0,
    issuer: 'Actility',
    accountName: 'ops@actility.com',
  },
  {
    kind: 'hotp',
    secret: base32FromBytes(VPN_SECRET),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    counter: 7,
    issuer: 'Legacy VPN',
    accountName: 'bob',
  },
];

describe('a real-world-shaped export', () => {
  const uri = encodeMigrationUri(SAMPLE_ENTRIES, { batchId: -1_523_498_671 });

  it('round-trips to equal accounts and batch numbers', () => {
    const batch = parsed(uri);
    expect(batch.accounts).toEqual(SAMPLE_ACCOUNTS);
    expect(batch.skipped).toEqual([]);
    // A negative int32 is a 10-byte varint on the wire.
    expect(batch).toMatchObject({ version: 1, batchSize: 1, batchIndex: 0, batchId: -1_523_498_671 });
  });

  it('gives accounts the otpauth:// parser accepts unchanged', () => {
    for (const account of parsed(uri).accounts) {
      expect(parseOtpauthUri(accountToUri(account))).toEqual({ ok: true, value: account });
      expect(validateParams(account).ok).toBe(true);
    }
  });

  it('gives the codes otpauth computes for the same secrets', () => {
    const [tp, ops, vpn] = parsed(uri).accounts;
    const totp = (bytes: Uint8Array, algorithm: string, digits: number) =>
      new TOTP({ secret: new Secret({ buffer: bytes.slice().buffer }), algorithm, digits, period: 30 }).generate({ timestamp: NOW });
    expect(codeAt(tp!, NOW)).toBe(totp(TP_SECRET, 'SHA1', 6));
    expect(codeAt(ops!, NOW)).toBe(totp(OPS_SECRET, 'SHA256', 8));
    expect(codeAt(ops!, NOW)).toHaveLength(8);
    expect(codeAt(vpn!, NOW)).toBe(
      new HOTP({ secret: new Secret({ buffer: VPN_SECRET.slice().buffer }), algorithm: 'SHA1', digits: 6 }).generate({ counter: 7 }),
    );
  });

  it('reads fields in any order', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const batch = parsed(encodeMigrationUri(SAMPLE_ENTRIES, { shuffleSeed: seed, batchId: 42 }));
      expect(batch.accounts).toEqual(SAMPLE_ACCOUNTS);
      expect(batch.batchId).toBe(42);
    }
  });

  it('skips unknown fields of every wire type, in the payload and in entries', () => {
    const plain = encodePayload(SAMPLE_ENTRIES);
    const extended = encodePayload(SAMPLE_ENTRIES, { unknownFields: true, shuffleSeed: 7 });
    expect(extended.length).toBeGreaterThan(plain.length + 1000);
    const batch = parsed(migrationUri(extended));
    expect(batch.accounts).toEqual(SAMPLE_ACCOUNTS);
    expect(batch.skipped).toEqual([]);
  });

  it('defaults unspecified algorithm and digits to SHA1 and six digits', () => {
    const batch = parsed(encodeMigrationUri([{ secret: TP_SECRET, name: 'a@b.c', type: 2 }]));
    expect(batch.accounts[0]).toMatchObject({ algorithm: 'SHA1', digits: 6, issuer: '', accountName: 'a@b.c' });
  });

  it.each([
    ['issuer field only', 'jane', 'TPE', { issuer: 'TPE', accountName: 'jane' }],
    ['issuer repeated in the name', 'TPE:jane', 'TPE', { issuer: 'TPE', accountName: 'jane' }],
    ['space after the colon', 'TPE: jane', 'TPE', { issuer: 'TPE', accountName: 'jane' }],
    ['issuer in the name only', 'TPE:jane', '', { issuer: 'TPE', accountName: 'jane' }],
    ['other prefix kept when the issuer differs', 'Old:jane', 'TPE', { issuer: 'TPE', accountName: 'Old:jane' }],
    ['issuer containing a colon', 'A:B:jane', 'A:B', { issuer: 'A:B', accountName: 'jane' }],
    ['no issuer at all', 'jane@example.com', '', { issuer: '', accountName: 'jane@example.com' }],
    ['unicode', 'Société:élise', '', { issuer: 'Société', accountName: 'élise' }],
  ])('splits names: %s', (_label, name, issuer, expected) => {
    const account = parsed(encodeMigrationUri([{ secret: TP_SECRET, name, issuer, type: 2 }])).accounts[0]!;
    expect(account).toMatchObject(expected);
    expect(parseOtpauthUri(accountToUri(account))).toEqual({ ok: true, value: account });
  });
});

// ---------------------------------------------------------------------------------------------
// Entries we cannot use are reported, not dropped
// ---------------------------------------------------------------------------------------------

describe('skipped entries', () => {
  const good: MigrationEntry = { secret: TP_SECRET, name: 'good', issuer: 'TPE', type: 2 };
  const cases: [string, MigrationEntry, SkipReason][] = [
    ['MD5', { secret: TP_SECRET, name: 'md5', issuer: 'Old', algorithm: 4, type: 2 }, 'md5'],
    ['an algorithm number from the future', { secret: TP_SECRET, name: 'x', algorithm: 9, type: 2 }, 'unknown-algorithm'],
    ['unspecified type', { secret: TP_SECRET, name: 'x', type: 0 }, 'unknown-type'],
    ['a type number from the future', { secret: TP_SECRET, name: 'x', type: 3 }, 'unknown-type'],
    ['a digits number from the future', { secret: TP_SECRET, name: 'x', digits: 3, type: 2 }, 'bad-digits'],
    ['an empty secret', { secret: new Uint8Array(0), name: 'x', type: 2 }, 'bad-secret'],
    ['a 72-bit secret', { secret: secretBytes(9, 9), name: 'x', type: 2 }, 'bad-secret'],
    ['a negative HOTP counter', { secret: TP_SECRET, name: 'x', type: 1, counter: -1n }, 'bad-counter'],
    ['an HOTP counter above 2^53', { secret: TP_SECRET, name: 'x', type: 1, counter: 2n ** 60n }, 'bad-counter'],
    ['no account name', { secret: TP_SECRET, name: 'TPE:', issuer: 'TPE', type: 2 }, 'bad-name'],
  ];

  it.each(cases)('%s', (_label, entry, reason) => {
    const batch = parsed(encodeMigrationUri([good, entry, good]));
    expect(batch.accounts).toHaveLength(2);
    expect(batch.skipped).toHaveLength(1);
    expect(batch.skipped[0]!.reason).toBe(reason);
  });

  it('names the skipped entry', () => {
    const batch = parsed(encodeMigrationUri([{ secret: TP_SECRET, name: 'Old:ops', algorithm: 4, type: 2 }]));
    expect(batch.accounts).toEqual([]);
    expect(batch.skipped).toEqual([{ name: 'ops', issuer: 'Old', reason: 'md5' }]);
  });

  it('keeps an 80-bit secret, the floor parseBase32Secret accepts', () => {
    expect(parsed(encodeMigrationUri([{ secret: secretBytes(9, 10), name: 'x', type: 2 }])).accounts).toHaveLength(1);
  });

  it('ignores the counter of a TOTP entry', () => {
    const batch = parsed(encodeMigrationUri([{ secret: TP_SECRET, name: 'x', type: 2, counter: -5n }]));
    expect(batch.accounts[0]!.counter).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Errors, as values
// ---------------------------------------------------------------------------------------------

const protobufUri = (build: (w: BinaryWriter) => void): string => {
  const w = new BinaryWriter();
  build(w);
  return migrationUri(w.finish());
};

describe('errors', () => {
  it.each([
    ['an otpauth:// URI', 'otpauth://totp/TPE:jane?secret=JBSWY3DPEHPK3PXP'],
    ['a web address', 'https://example.com/?data=CgA='],
    ['empty text', ''],
    ['another host', 'otpauth-migration://online?data=CgA%3D'],
    ['the scheme inside other text', 'see otpauth-migration://offline?data=CgA%3D'],
  ])('not-migration: %s', (_label, text) => {
    expect(errorCode(text)).toBe('not-migration');
  });

  it.each([
    ['no data parameter', 'otpauth-migration://offline'],
    ['no data parameter but others', 'otpauth-migration://offline?foo=bar'],
    ['data given twice', 'otpauth-migration://offline?data=CgA%3D&data=CgA%3D'],
    ['characters outside base64', 'otpauth-migration://offline?data=Cg!!'],
    ['a length no bytes encode to', 'otpauth-migration://offline?data=CgAAA'],
    ['malformed percent-encoding', 'otpauth-migration://offline?data=Cg%ZZ'],
    ['padding in the middle', 'otpauth-migration://offline?data=Cg%3D%3DCgAA'],
    ['non-zero bits after the last byte', 'otpauth-migration://offline?data=CgB'],
  ])('bad-base64: %s', (_label, text) => {
    expect(errorCode(text)).toBe('bad-base64');
  });

  it.each([
    ['random bytes', migrationUri(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))],
    ['field 1 as a varint', protobufUri((w) => w.tag(1, WireType.Varint).uint32(5))],
    ['batch_size as a string', protobufUri((w) => w.tag(3, WireType.LengthDelimited).string('ten'))],
    ['an entry secret as a varint', protobufUri((w) => w.tag(1, WireType.LengthDelimited).bytes(Uint8Array.from([0x08, 0x01])))],
    ['an end-group tag without a start', protobufUri((w) => w.tag(9, WireType.EndGroup))],
    ['field number 0', migrationUri(Uint8Array.from([0x00, 0x01]))],
    ['a length past the end', migrationUri(Uint8Array.from([0x0a, 0x7f, 0x0a]))],
    ['batch_index beyond batch_size', encodeMigrationUri(SAMPLE_ENTRIES, { batchSize: 2, batchIndex: 2 })],
    ['a negative batch_index', encodeMigrationUri(SAMPLE_ENTRIES, { batchSize: 2, batchIndex: -1 })],
    // combineBatches would list every missing QR code: 2^31-1 of them hung the Add account page.
    ['a batch_size of 2^31-1', encodeMigrationUri(SAMPLE_ENTRIES, { batchSize: 2 ** 31 - 1, batchIndex: 0 })],
    ['a batch_size beyond MAX_BATCH_SIZE', encodeMigrationUri(SAMPLE_ENTRIES, { batchSize: MAX_BATCH_SIZE + 1, batchIndex: 0 })],
  ])('bad-protobuf: %s', (_label, uri) => {
    expect(errorCode(uri)).toBe('bad-protobuf');
  });

  it('accepts the last QR code of the largest plausible export', () => {
    const batch = parsed(encodeMigrationUri(SAMPLE_ENTRIES, { batchSize: MAX_BATCH_SIZE, batchIndex: MAX_BATCH_SIZE - 1 }));
    expect(combineBatches([batch]).missing).toHaveLength(MAX_BATCH_SIZE - 1);
  });

  it.each([
    ['no data at all', 'otpauth-migration://offline?data='],
    ['batch numbers only', encodeMigrationUri([])],
    ['batch numbers and unknown fields only', encodeMigrationUri([], { unknownFields: true })],
  ])('empty: %s', (_label, uri) => {
    expect(errorCode(uri)).toBe('empty');
  });

  it('survives every truncation of a payload', () => {
    const bytes = encodePayload(SAMPLE_ENTRIES, { unknownFields: true, shuffleSeed: 3, batchId: -7 });
    let whole = 0;
    for (let length = 0; length <= bytes.length; length++) {
      const uri = migrationUri(bytes.subarray(0, length));
      let r: ReturnType<typeof parseMigrationUri> | undefined;
      expect(() => (r = parseMigrationUri(uri)), `cut at ${length}`).not.toThrow();
      if (r!.ok) {
        expect(r!.value.accounts.length).toBeLessThanOrEqual(3);
        for (const a of r!.value.accounts) expect(SAMPLE_ACCOUNTS).toContainEqual(a);
        if (r!.value.accounts.length === 3) whole += 1;
      } else {
        expect(['bad-protobuf', 'empty']).toContain(r!.error.code);
      }
    }
    expect(whole).toBeGreaterThan(0);
    expect(parsed(migrationUri(bytes)).accounts).toEqual(SAMPLE_ACCOUNTS);
  });

  it('survives random corruption', () => {
    const bytes = encodePayload(SAMPLE_ENTRIES, { unknownFields: true });
    const random = rng(99);
    for (let round = 0; round < 2000; round++) {
      const copy = bytes.slice();
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
        copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      }
      const r = parseMigrationUri(migrationUri(copy));
      if (r.ok) for (const a of r.value.accounts) expect(validateParams(a).ok).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Large and batched exports
// ---------------------------------------------------------------------------------------------

function manyEntries(count: number, prefix: string): { entries: MigrationEntry[]; accounts: OtpAccount[] } {
  const entries: MigrationEntry[] = [];
  const accounts: OtpAccount[] = [];
  for (let i = 0; i < count; i++) {
    const secret = secretBytes(1000 + i, 20 + (i % 45)); // up to 64 bytes, like SHA-512 keys
    const issuer = `${prefix} platform ${i}`;
    // Long names push every entry beyond 127 bytes: a two-byte varint length.
    const accountName = `user.${i}.${'x'.repeat(i % 150)}@tenant-${i}.example.com`;
    const hotp = i % 7 === 0;
    entries.push({ secret, name: `${issuer}:${accountName}`, issuer, algorithm: 1 + (i % 3), digits: 1 + (i % 2), type: hotp ? 1 : 2, counter: hotp ? i * 1000 : 0 });
    accounts.push({
      kind: hotp ? 'hotp' : 'totp',
      secret: base32FromBytes(secret),
      algorithm: (['SHA1', 'SHA256', 'SHA512'] as const)[i % 3]!,
      digits: i % 2 === 0 ? 6 : 8,
      period: 30,
      counter: hotp ? i * 1000 : 0,
      issuer,
      accountName,
    });
  }
  return { entries, accounts };
}

describe('large exports', () => {
  it('reads 300 accounts from one payload (entries over 127 bytes, over 16 KB in all)', () => {
    const { entries, accounts } = manyEntries(300, 'Big');
    const bytes = encodePayload(entries, { shuffleSeed: 11 });
    expect(bytes.length).toBeGreaterThan(16 * 1024);
    expect(encodePayload([entries[299]!]).length).toBeGreaterThan(127 + 10);
    const batch = parsed(migrationUri(bytes));
    expect(batch.skipped).toEqual([]);
    expect(batch.accounts).toHaveLength(300);
    expect(batch.accounts).toEqual(accounts);
  });

  describe('5 batches of 10', () => {
    const { entries, accounts } = manyEntries(50, 'Batch');
    const uris = encodeExport(entries, { perBatch: 10, batchId: -99_999, shuffleSeed: 5 });
    const batches = uris.map(parsed);

    it('numbers the batches like Google', () => {
      expect(uris).toHaveLength(5);
      expect(batches.map((b) => [b.batchIndex, b.batchSize, b.batchId, b.accounts.length])).toEqual(
        [0, 1, 2, 3, 4].map((i) => [i, 5, -99_999, 10]),
      );
    });

    it('combines them in batch order whatever the scan order', () => {
      const scanned = [batches[3]!, batches[0]!, batches[4]!, batches[2]!, batches[1]!];
      expect(combineBatches(scanned)).toEqual({ accounts, skipped: [], missing: [], batchSize: 5, ignored: 0 });
    });

    it('reports missing batches', () => {
      const r = combineBatches([batches[0]!, batches[1]!, batches[3]!]);
      expect(r.missing).toEqual([2, 4]);
      expect(r.accounts).toEqual([...accounts.slice(0, 20), ...accounts.slice(30, 40)]);
    });

    it('counts a batch scanned twice once', () => {
      const r = combineBatches([...batches, batches[2]!]);
      expect(r.accounts).toEqual(accounts);
      expect(r.missing).toEqual([]);
    });

    it('leaves out a batch of another export', () => {
      const other = parsed(encodeExport(entries.slice(0, 20), { perBatch: 10, batchId: 1 })[0]!);
      const r = combineBatches([...batches.slice(0, 4), other]);
      expect(r).toMatchObject({ missing: [4], batchSize: 5, ignored: 1 });
      expect(r.accounts).toEqual(accounts.slice(0, 40));
    });

    it('merges skipped entries too', () => {
      const withMd5 = [...entries.slice(0, 9), { secret: TP_SECRET, name: 'old', algorithm: 4, type: 2 }];
      const first = parsed(encodeExport([...withMd5, ...entries.slice(10)], { perBatch: 10, batchId: -99_999 })[0]!);
      const r = combineBatches([first, ...batches.slice(1)]);
      expect(r.accounts).toHaveLength(49);
      expect(r.skipped).toEqual([{ name: 'old', issuer: '', reason: 'md5' }]);
    });

    it('combines nothing into nothing', () => {
      expect(combineBatches([])).toEqual({ accounts: [], skipped: [], missing: [], batchSize: 0, ignored: 0 });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Spellings of the URI
// ---------------------------------------------------------------------------------------------

describe('URI spellings', () => {
  // Secrets chosen so that the base64 has '+', '/' and padding: every escaping matters.
  // fb ef be is 111110 ×4 ('++++') and ff ff ff is '////' once aligned on 3 bytes; the block is
  // repeated at three alignments so that one of them is.
  const block = [0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff];
  const secret = Uint8Array.from([...block, 0, ...block, 0, ...block, ...TP_SECRET]);
  const entries: MigrationEntry[] = [{ secret, name: 'TPE:jane', type: 2 }];
  const bytes = encodePayload(entries, { batchId: 5 });
  const b64 = toBase64(bytes);
  const expected = parsed(migrationUri(bytes)).accounts;

  it('has a base64 that needs every escape', () => {
    expect(b64).toMatch(/\+/);
    expect(b64).toMatch(/\//);
    expect(b64).toMatch(/=$/);
    expect(expected).toHaveLength(1);
  });

  it.each(['google', 'raw', 'base64url', 'no-padding'] satisfies UriStyle[])('%s', (style) => {
    expect(parsed(migrationUri(bytes, style)).accounts).toEqual(expected);
  });

  it.each([
    ['%2B and %2F in lower case', `otpauth-migration://offline?data=${encodeURIComponent(b64).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`],
    ["'+' turned into a space by a form decoder", `otpauth-migration://offline?data=${b64.replace(/\+/g, ' ')}`],
    ['scheme and host in upper case', `OTPAUTH-MIGRATION://OFFLINE?data=${encodeURIComponent(b64)}`],
    ['surrounding whitespace', `  otpauth-migration://offline?data=${encodeURIComponent(b64)}\n`],
    ['other parameters around data', `otpauth-migration://offline?v=1&data=${encodeURIComponent(b64)}&x=y`],
    ['a fragment', `otpauth-migration://offline?data=${encodeURIComponent(b64)}#top`],
  ])('%s', (_label, uri) => {
    expect(parsed(uri).accounts).toEqual(expected);
  });

  it.each([
    ['otpauth-migration://offline?data=abc', true],
    ['OTPAUTH-MIGRATION://offline', true],
    ['  otpauth-migration://x', true],
    ['otpauth://totp/a?secret=JBSWY3DPEHPK3PXP', false],
    ['https://otpauth-migration.example', false],
    ['', false],
  ])('isMigrationUri(%j) is %s', (text, expectedResult) => {
    expect(isMigrationUri(text)).toBe(expectedResult);
  });
});
