/**
 * Property-based tests of lib/import/google-migration.ts (hostile input): a Google Authenticator export
 * arrives as QR text or a pasted link, i.e. from anyone. Random bytes, damaged payloads and random
 * text in `otpauth-migration://` URIs must give a batch or a MigrationError, never an exception;
 * whatever is imported is an account the URI parser accepts; every entry is accounted for.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { combineBatches, MAX_BATCH_SIZE, parseMigrationUri, type MigrationBatch } from '../../../lib/import/google-migration';
import { accountToUri, base32FromBytes, parseOtpauthUri, validateParams } from '../../../lib/otp/otp';
import { encodePayload, migrationUri, type MigrationEntry, type UriStyle } from '../../fixtures/migration/encode';
import { badResult, hostileString, MIGRATION_CODES, SKIP_REASONS, mutated, runs } from '../property-helpers';

// ---------------------------------------------------------------------------------------------
// Generators

const styleArb = fc.constantFrom<UriStyle>('google', 'raw', 'base64url', 'no-padding');
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

/** Entries as Google writes them, and values it never writes (MD5, unknown enums, huge counters). */
const entryArb: fc.Arbitrary<MigrationEntry> = fc.record(
  {
    secret: fc.uint8Array({ maxLength: 80 }),
    name: fc.oneof(fc.constantFrom('alice@example.com', 'Iss:bob', ':', ' '), fc.string({ unit: 'grapheme', maxLength: 20 }), hostileString(12)),
    issuer: fc.oneof(fc.constantFrom('', 'Iss', ' ThingPark '), hostileString(12)),
    algorithm: fc.oneof(fc.integer({ min: 0, max: 5 }), int32),
    digits: fc.oneof(fc.integer({ min: 0, max: 3 }), int32),
    type: fc.oneof(fc.integer({ min: 0, max: 3 }), int32),
    counter: fc.oneof(fc.nat({ max: 1000 }).map(BigInt), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  },
  { requiredKeys: ['secret'] },
);

const payloadArb = fc.record({
  entries: fc.array(entryArb, { maxLength: 8 }),
  version: fc.oneof(fc.constant(1), int32),
  batchSize: fc.oneof(fc.integer({ min: 0, max: 5 }), int32),
  batchIndex: fc.oneof(fc.integer({ min: 0, max: 5 }), int32),
  batchId: fc.option(int32, { nil: undefined }),
  shuffleSeed: fc.option(fc.nat(), { nil: undefined }),
  unknownFields: fc.boolean(),
});

const encodedArb = payloadArb.map(({ entries, ...o }) => encodePayload(entries, o));

/** A byte-level mutation: truncate, flip bits, insert or delete bytes. */
type ByteEdit =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; len: number };

const byteEdits: fc.Arbitrary<ByteEdit[]> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  ),
  { minLength: 1, maxLength: 5 },
);

function applyByteEdits(bytes: Uint8Array, edits: ByteEdit[]): Uint8Array {
  let b = [...bytes];
  for (const e of edits) {
    const at = e.at % (b.length + 1);
    switch (e.op) {
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'flip':
        if (at < b.length) b[at] = b[at]! ^ (1 << e.bit);
        break;
      case 'set':
        if (at < b.length) b[at] = e.value;
        break;
      case 'insert':
        b.splice(at, 0, ...e.bytes);
        break;
      case 'delete':
        b.splice(at, e.len);
        break;
    }
  }
  return Uint8Array.from(b);
}

// ---------------------------------------------------------------------------------------------
// Checks


function checkUri(uri: string): MigrationBatch | null {
  const r = parseMigrationUri(uri); // a throw fails the property
  expect(badResult(r, MIGRATION_CODES)).toBeNull();
  if (!r.ok) return null;
  const b = r.value;
  expect(b.accounts.length + b.skipped.length).toBeGreaterThan(0);
  expect(Number.isInteger(b.batchSize) && b.batchSize >= 1 && b.batchSize <= MAX_BATCH_SIZE).toBe(true);
  expect(Number.isInteger(b.batchIndex) && b.batchIndex >= 0 && b.batchIndex < b.batchSize).toBe(true);
  // A Google export has no period (always 30 s) and no per-entry encryption.
  for (const s of b.skipped) expect(SKIP_REASONS.has(s.reason) && s.reason !== 'bad-period' && s.reason !== 'encrypted').toBe(true);
  for (const a of b.accounts) {
    // Imported accounts are exactly what the background accepts when they are added.
    expect(validateParams(a).ok).toBe(true);
    expect(parseOtpauthUri(accountToUri(a))).toEqual({ ok: true, value: a });
  }
  // Putting one batch back together is cheap whatever the payload claims.
  const combined = combineBatches([b]);
  expect(combined.missing.length).toBe(b.batchSize - 1);
  return b;
}

// ---------------------------------------------------------------------------------------------

describe('parseMigrationUri on hostile input', { timeout: 60_000 }, () => {
  it('random bytes as the payload, in every base64 spelling (4000 cases)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), styleArb, (bytes, style) => void checkUri(migrationUri(bytes, style))), runs(4000));
  });

  it('random text as the data parameter (3000 cases)', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString(60), fc.base64String({ maxLength: 200 })), (data) => void checkUri(`otpauth-migration://offline?data=${data}`)),
      runs(3000),
    );
  });

  it('valid payloads, including values Google never writes: every entry is imported or skipped with a reason (2000 cases)', () => {
    fc.assert(
      fc.property(payloadArb, styleArb, (p, style) => {
        const { entries, ...o } = p;
        const b = checkUri(migrationUri(encodePayload(entries, o), style));
        const size = o.batchSize === 0 ? 1 : o.batchSize;
        const plausible = entries.length > 0 && size >= 1 && size <= MAX_BATCH_SIZE && o.batchIndex >= 0 && o.batchIndex < size;
        expect(b !== null).toBe(plausible);
        if (!b) return;
        expect(b.accounts.length + b.skipped.length).toBe(entries.length);
        // Every imported account carries the secret of an entry, in order.
        const secrets = entries.map((e) => base32FromBytes(e.secret));
        let i = 0;
        for (const a of b.accounts) {
          while (i < secrets.length && secrets[i] !== a.secret) i++;
          expect(i).toBeLessThan(secrets.length);
          i++;
        }
      }),
      runs(2000),
    );
  });

  it('damaged payloads (truncated, bits flipped, bytes inserted or deleted) (3000 cases)', () => {
    fc.assert(
      fc.property(encodedArb, byteEdits, styleArb, (bytes, edits, style) => void checkUri(migrationUri(applyByteEdits(bytes, edits), style))),
      runs(3000),
    );
  });

  it('damaged URI text (random edits of a valid export link) (3000 cases)', () => {
    const uriArb = fc.tuple(encodedArb, styleArb).map(([bytes, style]) => migrationUri(bytes, style));
    fc.assert(fc.property(mutated(uriArb, 3), (uri) => void checkUri(uri)), runs(3000));
  });

  it('combineBatches over any mix of batches never throws and loses no batch of the first export (2000 cases)', () => {
    // A pool of real batches (1 to 4 QR codes, a few export ids), made once: parsing is not what is tested here.
    const pool = fc
      .sample(payloadArb, { numRuns: 300, seed: 8 })
      .map((p) => ({ ...p, batchSize: Math.abs(p.batchSize % 4) + 1, batchIndex: Math.abs(p.batchIndex % 4), batchId: Math.abs(p.batchId ?? 0) % 3 }))
      .map(({ entries, ...o }) => parseMigrationUri(migrationUri(encodePayload(entries, o))))
      .flatMap((r) => (r.ok ? [r.value] : []));
    expect(pool.length).toBeGreaterThan(50);
    const batchArb = fc.constantFrom(...pool);
    fc.assert(
      fc.property(fc.array(batchArb, { maxLength: 8 }), (batches) => {
        const c = combineBatches(batches);
        const first = batches[0];
        if (!first) {
          expect(c.batchSize).toBe(0);
          return;
        }
        const same = batches.filter((b) => b.batchId === first.batchId && b.batchSize === first.batchSize);
        const present = new Set(same.map((b) => b.batchIndex));
        expect(c.ignored).toBe(batches.length - same.length);
        expect(c.missing).toEqual([...Array(first.batchSize).keys()].filter((i) => !present.has(i)));
        const firstOfEach = [...present].sort((x, y) => x - y).map((i) => same.find((b) => b.batchIndex === i)!);
        expect(c.accounts).toEqual(firstOfEach.flatMap((b) => b.accounts));
      }),
      runs(2000),
    );
  });
});
