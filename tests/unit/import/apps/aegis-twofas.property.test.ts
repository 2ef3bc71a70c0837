/**
 * Property-based tests of lib/import/apps/aegis.ts and twofas.ts (hostile input: an export file
 * is whatever the user picks, possibly crafted). Random valid files, plain and encrypted, read back
 * to exactly the accounts written; random values in every field, edited text, damaged ciphertexts
 * and hostile scrypt parameters always give a Result with a documented code, never an exception,
 * and a file is either read whole (every entry imported or skipped with a reason) or refused.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { detectAppFormat, readAppFile, type AppFileErrorCode } from '../../../../lib/import/apps/app-file';
import { readAegis } from '../../../../lib/import/apps/aegis';
import { readTwoFas } from '../../../../lib/import/apps/twofas';
import { base32FromBytes, validateParams, type Algorithm, type OtpAccount } from '../../../../lib/otp/otp';
import { badResult, hostileString, mutated, runs, SKIP_REASONS } from '../../property-helpers';
import { aegisEncrypted, aegisEntry, aegisPlain, FAST_SCRYPT, parsedAccount, twofasEncrypted, twofasPlain, twofasService } from './app-file-writers';

/** Every AppFileErrorCode, checked against the union both ways by the Record type. */
const CODE_TABLE: Record<AppFileErrorCode, true> = {
  'too-large': true, 'not-json': true, 'unknown-format': true, damaged: true, 'password-needed': true,
  'wrong-password': true, 'encrypted-export': true, 'unsupported-version': true, empty: true,
};
const CODES: ReadonlySet<string> = new Set(Object.keys(CODE_TABLE));
const PASSWORD = 'property password';

// ---------------------------------------------------------------------------------------------
// Generators

interface Spec {
  account: OtpAccount;
  bytes: Uint8Array;
}

const nameChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._-+'.split(''));
/** Names without separators or outer spaces, so the expected account is known exactly. */
const cleanName = fc.string({ unit: nameChars, minLength: 1, maxLength: 16 });

const specArb = (issuerArb: fc.Arbitrary<string>): fc.Arbitrary<Spec> =>
  fc
    .record({
      kind: fc.constantFrom('totp' as const, 'hotp' as const),
      bytes: fc.uint8Array({ minLength: 10, maxLength: 64 }),
      algorithm: fc.constantFrom<Algorithm>('SHA1', 'SHA256', 'SHA512'),
      digits: fc.integer({ min: 6, max: 10 }),
      period: fc.integer({ min: 1, max: 3600 }),
      counter: fc.oneof(fc.nat({ max: 1000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
      issuer: issuerArb,
      name: cleanName,
    })
    .map(({ bytes, kind, period, counter, name, ...rest }) => ({
      bytes,
      account: { ...rest, kind, secret: base32FromBytes(bytes), period: kind === 'totp' ? period : 30, counter: kind === 'hotp' ? counter : 0, accountName: name },
    }));

const toAegisEntry = ({ account: a }: Spec) =>
  aegisEntry(a.kind, a.accountName, a.issuer, { secret: a.secret, algo: a.algorithm, digits: a.digits, ...(a.kind === 'totp' ? { period: a.period } : { counter: a.counter }) });
const toService = ({ account: a }: Spec) =>
  twofasService({ name: a.issuer, issuer: a.issuer, account: a.accountName, secret: a.secret, algorithm: a.algorithm, digits: a.digits, period: a.period, counter: a.counter, tokenType: a.kind.toUpperCase() });

const aegisSpecs = fc.array(specArb(fc.oneof(fc.constant(''), cleanName)), { minLength: 1, maxLength: 8 });
// 2FAS shows the service name when the issuer is empty, so the generated issuer is never empty.
const twofasSpecs = fc.array(specArb(cleanName), { minLength: 1, maxLength: 8 });

/** Any JSON value a hostile file can hold where a field is expected. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  hostileString(12),
  fc.constantFrom(null, 0, -1, 1.5, 2 ** 31, 2 ** 53, 1e308, -0, true, '', [], {}, 'SHA1', 'totp', 'HOTP', 'MD5', 'GEZDGNBVGY3TQOJQ'),
);
const maybe = (arb: fc.Arbitrary<unknown>) => fc.option(arb, { nil: undefined });

const hostileAegisEntry = fc
  .record({
    type: fc.oneof(fc.constantFrom('totp', 'hotp', 'steam', 'yandex', 'motp'), anyValue),
    name: maybe(anyValue),
    issuer: maybe(anyValue),
    info: fc.record({ secret: maybe(anyValue), algo: maybe(anyValue), digits: maybe(anyValue), period: maybe(anyValue), counter: maybe(anyValue) }),
  })
  .map((e) => ({ ...e, info: JSON.parse(JSON.stringify(e.info)) as unknown }));

const hostileService = fc
  .record({
    name: maybe(anyValue),
    secret: maybe(anyValue),
    otp: fc.record({
      account: maybe(anyValue), issuer: maybe(anyValue), label: maybe(anyValue), digits: maybe(anyValue), period: maybe(anyValue),
      algorithm: maybe(anyValue), counter: maybe(anyValue), tokenType: maybe(fc.oneof(fc.constantFrom('TOTP', 'HOTP', 'STEAM', 'totp'), anyValue)),
    }),
  })
  .map((s) => JSON.parse(JSON.stringify(s)) as unknown);

// ---------------------------------------------------------------------------------------------
// Checks

/** The entry list of a file as written, to count against what was read; null when there is none to count. */
function entriesOf(json: Record<string, unknown>, format: 'aegis' | '2fas'): unknown[] | null {
  if (format === '2fas') return typeof json.servicesEncrypted === 'string' ? null : (json.services as unknown[]);
  const db = json.db as Record<string, unknown>;
  return typeof db === 'object' && db !== null && Array.isArray(db.entries) ? db.entries : null;
}

/**
 * The contract of every read: a Result with a documented code, a format once recognised, no
 * password in a detail; when it succeeds, every entry of the file imported or skipped, and each
 * imported URI an account the background accepts.
 */
function checkRead(r: unknown, json: unknown, password: string | null): void {
  expect(badResult(r, CODES)).toBeNull();
  const result = r as Awaited<ReturnType<typeof readAppFile>>;
  const format = detectAppFormat(json);
  if (!result.ok) {
    if (password !== null && password !== '') expect(result.error.detail ?? '').not.toContain(password);
    if ((format === 'aegis' || format === '2fas') && result.error.code !== 'unknown-format') expect(result.error.format).toBe(format);
    return;
  }
  if (format !== 'aegis' && format !== '2fas') return; // another helper's reader, checked in its own suite
  expect(result.value.format).toBe(format);
  for (const s of result.value.skipped) expect(SKIP_REASONS.has(s.reason) && s.reason !== 'encrypted').toBe(true);
  for (const uri of result.value.uris) expect(validateParams(parsedAccount(uri)).ok).toBe(true);
  const entries = entriesOf(json as Record<string, unknown>, format);
  if (entries !== null) expect(result.value.uris.length + result.value.skipped.length).toBe(entries.length);
}

async function readText(text: string, password: string | null): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    json = undefined;
  }
  checkRead(await readAppFile(text, password), json, password);
}

/** Every path to a value in a JSON document. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => paths((value as Record<string | number, unknown>)[k], [...prefix, k]))];
}

function replaced(doc: Record<string, unknown>, pick: number, value: unknown): Record<string, unknown> {
  const all = paths(doc).filter((p) => p.length > 0);
  const path = all[pick % all.length]!;
  const copy = structuredClone(doc);
  let at = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1]!] = value;
  return copy;
}

// ---------------------------------------------------------------------------------------------

describe('random valid files read back to the same accounts', { timeout: 120_000 }, () => {
  it('plain Aegis exports (300 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(aegisSpecs, async (specs) => {
        const r = await readAppFile(JSON.stringify(aegisPlain(specs.map(toAegisEntry))), null);
        expect(r.ok && r.value.skipped).toEqual([]);
        if (r.ok) expect(r.value.uris.map(parsedAccount)).toEqual(specs.map((s) => s.account));
      }),
      runs(300),
    );
  });

  it('plain 2FAS backups (300 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(twofasSpecs, async (specs) => {
        const r = await readAppFile(JSON.stringify(twofasPlain(specs.map(toService))), null);
        expect(r.ok && r.value.skipped).toEqual([]);
        if (r.ok) expect(r.value.uris.map(parsedAccount)).toEqual(specs.map((s) => s.account));
      }),
      runs(300),
    );
  });

  it('encrypted Aegis exports, random passwords and small scrypt parameters (30 cases)', async () => {
    const slotArb = fc.record({ n: fc.constantFrom(2, 4, 8, 16), r: fc.integer({ min: 1, max: 8 }), p: fc.integer({ min: 1, max: 2 }) });
    await fc.assert(
      fc.asyncProperty(aegisSpecs, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), slotArb, async (specs, password, slot) => {
        const file = aegisEncrypted(specs.map(toAegisEntry), [{ password, ...slot }]);
        const r = await readAegis(file, password);
        expect(r.ok && r.value.uris.map(parsedAccount)).toEqual(specs.map((s) => s.account));
        expect(await readAegis(file, `${password}x`)).toMatchObject({ ok: false, error: { code: 'wrong-password' } });
      }),
      runs(30),
    );
  });

  it('encrypted 2FAS backups, random passwords (30 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(twofasSpecs, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), fc.boolean(), async (specs, password, reference) => {
        const file = twofasEncrypted(specs.map(toService), password, { reference });
        const r = await readTwoFas(file, password);
        expect(r.ok && r.value.uris.map(parsedAccount)).toEqual(specs.map((s) => s.account));
        expect(await readTwoFas(file, `${password}x`)).toMatchObject({ ok: false, error: { code: 'wrong-password' } });
      }),
      runs(30),
    );
  });
});

describe('hostile and damaged files give a Result, never a partial import', { timeout: 120_000 }, () => {
  it('entries with random values in every field: each imported or skipped (600 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileAegisEntry, { maxLength: 6 }), fc.array(hostileService, { maxLength: 6 }), async (entries, services) => {
        for (const json of [aegisPlain(entries), twofasPlain(services)]) {
          const r = await readAppFile(JSON.stringify(json), null);
          checkRead(r, json, null);
          // Entries that are objects (with an info/otp object) never break the file.
          expect(r.ok || r.error.code === 'empty').toBe(true);
        }
      }),
      runs(600),
    );
  });

  it('a random value put anywhere in a valid file (800 cases)', async () => {
    const fileArb = fc.oneof(
      aegisSpecs.map((s) => aegisPlain(s.map(toAegisEntry))),
      twofasSpecs.map((s) => twofasPlain(s.map(toService))),
    );
    await fc.assert(
      fc.asyncProperty(fileArb, fc.nat(), anyValue, async (file, pick, value) => {
        const json = replaced(file, pick, value);
        checkRead(await readAppFile(JSON.stringify(json), PASSWORD), json, PASSWORD);
      }),
      runs(800),
    );
  });

  it('random edits of the file text (1000 cases)', async () => {
    const textArb = fc.oneof(
      aegisSpecs.map((s) => JSON.stringify(aegisPlain(s.map(toAegisEntry)), null, 4)),
      twofasSpecs.map((s) => JSON.stringify(twofasPlain(s.map(toService)))),
    );
    await fc.assert(fc.asyncProperty(mutated(textArb, 3), async (text) => readText(text, PASSWORD)), runs(1000));
  });

  it('encrypted files with edited ciphertext, nonces, tags, salts or keys never open (120 cases)', async () => {
    const aegisFile = aegisEncrypted([aegisEntry('totp', 'a', 'I', {})], [{ password: PASSWORD, ...FAST_SCRYPT }]);
    const twofasFile = twofasEncrypted([twofasService({})], PASSWORD);
    // The fields holding bytes, each with its encoding.
    const header = aegisFile.header as { slots: Array<Record<string, unknown>>; params: Record<string, string> };
    const slot = header.slots[0]!;
    const kp = slot.key_params as Record<string, string>;
    const aegisFields: Array<[string, string, (v: string) => Record<string, unknown>]> = [
      ['db', aegisFile.db as string, (db) => ({ ...aegisFile, db })],
      ['nonce', header.params.nonce!, (nonce) => ({ ...aegisFile, header: { ...header, params: { ...header.params, nonce } } })],
      ['tag', header.params.tag!, (tag) => ({ ...aegisFile, header: { ...header, params: { ...header.params, tag } } })],
      ['key', slot.key as string, (key) => ({ ...aegisFile, header: { ...header, slots: [{ ...slot, key }] } })],
      ['key nonce', kp.nonce!, (nonce) => ({ ...aegisFile, header: { ...header, slots: [{ ...slot, key_params: { ...kp, nonce } }] } })],
      ['key tag', kp.tag!, (tag) => ({ ...aegisFile, header: { ...header, slots: [{ ...slot, key_params: { ...kp, tag } }] } })],
      ['salt', slot.salt as string, (salt) => ({ ...aegisFile, header: { ...header, slots: [{ ...slot, salt }] } })],
    ];
    const split = (v: unknown) => (v as string).split(':') as [string, string, string];
    const fields2fas: Array<[string, string, (v: string) => Record<string, unknown>]> = [0, 1, 2].flatMap((i) =>
      (['servicesEncrypted', 'reference'] as const).map((name): [string, string, (v: string) => Record<string, unknown>] => [
        `${name} ${i}`,
        split(twofasFile[name])[i]!,
        (v) => ({ ...twofasFile, [name]: split(twofasFile[name]).map((p, j) => (j === i ? v : p)).join(':') }),
      ]),
    );
    const fields = [...aegisFields.map((f) => ['hex', ...f] as const), ...fields2fas.map((f) => ['b64', ...f] as const)];
    const edit = fc.record({ field: fc.nat(), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), cut: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(edit, async ({ field, at, bit, cut }) => {
        const [encoding, , original, rebuild] = fields[field % fields.length]!;
        const isHex = encoding === 'hex' && original !== aegisFile.db;
        const bytes = Buffer.from(original, isHex ? 'hex' : 'base64');
        const i = at % bytes.length;
        const changed = cut ? bytes.subarray(0, i) : Buffer.from(bytes.map((b, j) => (j === i ? b ^ (1 << bit) : b)));
        const json = rebuild(changed.toString(isHex ? 'hex' : 'base64'));
        const r = await readAppFile(JSON.stringify(json), PASSWORD);
        checkRead(r, json, PASSWORD);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(['damaged', 'wrong-password']).toContain(r.error.code);
      }),
      runs(120),
    );
  });

  it('hostile scrypt parameters are refused before deriving, or derive cheaply (300 cases)', async () => {
    const file = aegisEncrypted([aegisEntry('totp', 'a', 'I', {})], [{ password: PASSWORD, ...FAST_SCRYPT }]);
    const header = file.header as { slots: Array<Record<string, unknown>> };
    const slot = header.slots[0]!;
    const n = fc.oneof(fc.constantFrom(2, 4, 8, 16), fc.constantFrom(0, 1, 3, 1000, 2 ** 21, 2 ** 31, 2 ** 32, 2 ** 53, -16, 16.5, 1e308), anyValue);
    const r = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(0, -1, 2 ** 20, 2 ** 31, 1.5, 1e308), anyValue);
    const p = fc.oneof(fc.integer({ min: 1, max: 2 }), fc.constantFrom(0, -1, 17, 2 ** 31, 0.5), anyValue);
    const salt = fc.oneof(fc.constant(slot.salt), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('hex')), anyValue);
    await fc.assert(
      fc.asyncProperty(fc.record({ n, r, p, salt }), async (params) => {
        const json = { ...file, header: { ...header, slots: [{ ...slot, ...params }] } };
        const started = Date.now();
        const result = await readAppFile(JSON.stringify(json), PASSWORD);
        expect(Date.now() - started).toBeLessThan(3000);
        checkRead(result, json, PASSWORD);
        const same = params.n === slot.n && params.r === slot.r && params.p === slot.p && params.salt === slot.salt;
        if (!same) expect(result.ok === false && ['damaged', 'wrong-password'].includes(result.error.code)).toBe(true);
      }),
      runs(300),
    );
  });

  it('truncated files (300 cases)', async () => {
    const textArb = fc.tuple(
      fc.oneof(aegisSpecs.map((s) => JSON.stringify(aegisPlain(s.map(toAegisEntry)))), twofasSpecs.map((s) => JSON.stringify(twofasPlain(s.map(toService))))),
      fc.nat(),
    );
    await fc.assert(fc.asyncProperty(textArb, async ([text, at]) => readText(text.slice(0, at % text.length), null)), runs(300));
  });
});
