/**
 * Property-based tests of lib/vault/envelope.ts and lib/vault/backup.ts (hostile input): `storage.local`
 * can be edited by anyone with the disk, and a backup file comes from anywhere. Random JSON and
 * envelopes with any field replaced, bits flipped or the iteration count made huge or negative
 * give a VaultErrorCode, never an exception, never a hang (no key derivation above
 * MAX_ITERATIONS), and never other data than what was sealed. planImport never loses, duplicates
 * or overwrites an account.
 * One file for both modules: the backup properties reuse the tampered-envelope generators and
 * the KDF counter (pbkdf2Runs) above.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import {
  createVault,
  exportKey,
  importKey,
  MAX_ITERATIONS,
  openVault,
  parseEnvelope,
  unlockVault,
  type VaultEnvelopeV1,
  type VaultKey,
} from '../../../lib/vault/envelope';
import { openBackup, planImport, sealBackup } from '../../../lib/vault/backup';
import { parseVaultData, type StoredAccount, type VaultData } from '../../../lib/vault/accounts';
import { parseOtpauthUri } from '../../../lib/otp/otp';
import { fromBase64, toBase64 } from '../../../lib/util/base64';
import { badResult, hostileString, mutated, runs, VAULT_CODES } from '../property-helpers';

/** One PBKDF2 iteration: these tests are about parsing and authentication, not the KDF's cost. */
const KDF = { iterations: 1, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const BACKUP_PASS = 'backup passphrase 2024';

function account(id: string, secret: string, name: string, over: Partial<StoredAccount> = {}): StoredAccount {
  const otp = parseOtpauthUri(`otpauth://totp/ThingPark:${encodeURIComponent(name)}?secret=${secret}&issuer=ThingPark`);
  if (!otp.ok) throw new Error(otp.error.code);
  return {
    ...otp.value,
    id,
    origin: 'https://community.thingpark.io',
    realm: 'tpw-users-actility-tpe-ope',
    deviceName: 'Chrome on laptop',
    addedAt: 1_700_000_000_000,
    lastUsedStep: null,
    label: null,
    enrollment: null,
    ...over,
  };
}

const DATA: VaultData = {
  version: 2,
  accounts: [
    account('a', 'JBSWY3DPEHPK3PXP', 'jane@example.com'),
    account('b', 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE', 'bob@example.com', { realm: null, deviceName: '', label: 'Work' }),
  ],
};

let envelope: VaultEnvelopeV1;
let key: VaultKey;
let backupFile: string;

/** Every PBKDF2 run's iteration count, to prove nothing derives above MAX_ITERATIONS. */
const pbkdf2Runs: number[] = [];

beforeAll(async () => {
  const created = await createVault(PASS, DATA, KDF);
  if (!created.ok) throw new Error(created.error.code);
  ({ envelope, key } = created.value);
  const sealed = await sealBackup(DATA, BACKUP_PASS, KDF);
  if (!sealed.ok) throw new Error(sealed.error.code);
  backupFile = sealed.value;
  const subtle = globalThis.crypto.subtle;
  const derive = subtle.deriveBits.bind(subtle);
  vi.spyOn(subtle, 'deriveBits').mockImplementation((algorithm, baseKey, length) => {
    if (typeof algorithm === 'object' && algorithm.name === 'PBKDF2') pbkdf2Runs.push((algorithm as Pbkdf2Params).iterations);
    return derive(algorithm, baseKey, length);
  });
});
afterAll(() => vi.restoreAllMocks());

// ---------------------------------------------------------------------------------------------
// Mutations of a valid envelope

type Json = unknown;
const PATHS = [
  ['format'], ['version'], ['kdf'], ['kdf', 'name'], ['kdf', 'hash'], ['kdf', 'iterations'], ['kdf', 'salt'],
  ['cipher'], ['cipher', 'name'], ['cipher', 'iv'], ['check'], ['ciphertext'],
] as const;
const B64_PATHS = [['kdf', 'salt'], ['cipher', 'iv'], ['check'], ['ciphertext']] as const;

/** Iteration counts a tampered store could hold; in-range ones stay small so a run stays cheap. */
const iterationsArb: fc.Arbitrary<Json> = fc.oneof(
  fc.integer({ min: 1, max: 3000 }),
  fc.integer({ min: MAX_ITERATIONS + 1, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(0, -1, -MAX_ITERATIONS, MAX_ITERATIONS + 1, 2 ** 31, 2 ** 53, 1e308, -0, 1.5, 600000.5, Number.MIN_VALUE),
  fc.integer({ max: 0 }),
  fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d) || d < 1 || d > MAX_ITERATIONS),
  fc.constantFrom('1000', '', null, true, [], {}, [1000], { valueOf: 1000 }),
);

/** Any JSON value, and the look-alikes that trip up loose checks. */
const jsonArb: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  hostileString(20),
  fc.constantFrom('thingpark-autofill-vault', 1, '1', 2, 3, 0, 'PBKDF2', 'SHA-256', 'AES-GCM', 'AAAA', '', null, [], {}),
);

type EnvelopeEdit =
  | { op: 'set'; path: readonly string[]; value: Json }
  | { op: 'delete'; path: readonly string[] }
  | { op: 'flip'; path: readonly string[]; at: number; bit: number }
  | { op: 'resize'; path: readonly string[]; delta: number }
  | { op: 'extra'; name: string; value: Json };

const editArb: fc.Arbitrary<EnvelopeEdit> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), path: fc.constantFrom(...PATHS), value: jsonArb }),
  fc.record({ op: fc.constant('set' as const), path: fc.constant(['kdf', 'iterations'] as const), value: iterationsArb }),
  fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ op: fc.constant('flip' as const), path: fc.constantFrom(...B64_PATHS), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('flip' as const), path: fc.constantFrom(...B64_PATHS), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('resize' as const), path: fc.constantFrom(...B64_PATHS), delta: fc.integer({ min: -17, max: 17 }) }),
  fc.record({ op: fc.constant('extra' as const), name: fc.oneof(hostileString(8), fc.constantFrom('__proto__', 'constructor', 'data')), value: jsonArb }),
);

function applyEnvelopeEdit(env: Record<string, Json>, e: EnvelopeEdit): void {
  if (e.op === 'extra') {
    Object.defineProperty(env, e.name, { value: e.value, enumerable: true, configurable: true, writable: true });
    return;
  }
  const parent = e.path.length === 2 ? env[e.path[0]!] : env;
  if (typeof parent !== 'object' || parent === null) return;
  const record = parent as Record<string, Json>;
  const field = e.path[e.path.length - 1]!;
  if (e.op === 'set') record[field] = e.value;
  else if (e.op === 'delete') delete record[field];
  else {
    const bytes = typeof record[field] === 'string' ? fromBase64(record[field] as string) : null;
    if (!bytes) return;
    if (e.op === 'flip') {
      if (bytes.length > 0) bytes[e.at % bytes.length]! ^= 1 << e.bit;
      record[field] = toBase64(bytes);
    } else {
      const resized = new Uint8Array(Math.max(0, bytes.length + e.delta));
      resized.set(bytes.subarray(0, resized.length));
      record[field] = toBase64(resized);
    }
  }
}

/** A deep copy of the valid envelope with the edits applied; as an object or as stored JSON text. */
const mutatedEnvelopeArb = fc
  .tuple(fc.array(editArb, { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([edits, asText]) => {
    const env = structuredClone(envelope) as unknown as Record<string, Json>;
    for (const e of edits) applyEnvelopeEdit(env, e);
    return { edits, stored: asText ? JSON.stringify(env) : (env as Json) };
  });

/** Is this envelope, read as the vault reads it, byte for byte the sealed one? */
function sameAsSealed(stored: Json): boolean {
  const parsed = parseEnvelope(stored);
  return parsed.ok && JSON.stringify(parsed.value) === JSON.stringify(envelope);
}

/** The iteration count as stored, if it is one the vault may derive with. */
function derivableIterations(stored: Json): boolean {
  let o = stored;
  if (typeof o === 'string') {
    try {
      o = JSON.parse(o);
    } catch {
      return false;
    }
  }
  const n = (o as { kdf?: { iterations?: unknown } } | null)?.kdf?.iterations;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_ITERATIONS;
}

// ---------------------------------------------------------------------------------------------

describe('vault envelopes from a tampered store', { timeout: 60_000 }, () => {
  it('parseEnvelope: random JSON and random text give a VaultErrorCode, never an exception (5000 cases)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), hostileString(60), fc.json()), (stored) => {
        const r = parseEnvelope(stored);
        expect(badResult(r, VAULT_CODES)).toBeNull();
        if (r.ok) expect(parseEnvelope(JSON.stringify(r.value))).toEqual(r);
      }),
      runs(5000),
    );
  });

  it('unlockVault with the right passphrase: the sealed data or a VaultErrorCode; no KDF run above MAX_ITERATIONS (2500 cases)', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(mutatedEnvelopeArb, async ({ stored }) => {
        pbkdf2Runs.length = 0;
        const r = await unlockVault<unknown>(stored, PASS);
        expect(badResult(r, VAULT_CODES)).toBeNull();
        seen.add(r.ok ? 'ok' : r.error.code);
        // Authenticated encryption: whatever opens is exactly what was sealed.
        if (r.ok) expect(r.value.data).toEqual(DATA);
        if (sameAsSealed(stored)) expect(r.ok).toBe(true);
        // Never hangs: an iteration count out of range is refused before any key derivation.
        if (!derivableIterations(stored)) expect(pbkdf2Runs).toEqual([]);
        for (const n of pbkdf2Runs) expect(n).toBeLessThanOrEqual(MAX_ITERATIONS);
      }),
      runs(2500),
    );
    if (runs(2500).numRuns >= 500) expect([...seen].sort()).toEqual(['corrupt', 'not-a-vault', 'ok', 'unsupported-version', 'wrong-passphrase']);
  });

  it('a flipped bit in the salt, IV, check or ciphertext never opens (2000 cases)', async () => {
    const flipArb = fc.record({ path: fc.constantFrom(...B64_PATHS), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) });
    await fc.assert(
      fc.asyncProperty(flipArb, fc.boolean(), async (flip, withKey) => {
        const env = structuredClone(envelope) as unknown as Record<string, Json>;
        applyEnvelopeEdit(env, { op: 'flip', ...flip });
        const r = withKey ? await openVault(env, key) : await unlockVault(env, PASS);
        expect(r.ok).toBe(false);
        // The salt feeds the KDF, so a changed salt looks like a wrong passphrase (documented limit).
        if (!r.ok) expect(['corrupt', 'wrong-passphrase']).toContain(r.error.code);
        if (!r.ok && withKey) expect(r.error.code).toBe('corrupt');
      }),
      runs(2000),
    );
  });

  it('openVault with the unlocked key: the sealed data or a VaultErrorCode (3000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedEnvelopeArb, async ({ stored }) => {
        const r = await openVault<unknown>(stored, key);
        expect(badResult(r, VAULT_CODES)).toBeNull();
        if (r.ok) expect(r.value).toEqual(DATA);
        if (sameAsSealed(stored)) expect(r.ok).toBe(true);
      }),
      runs(3000),
    );
  });

  it('unlockVault with a random passphrase never opens and never throws (1000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString(30), fc.string({ unit: 'binary' })), async (pass) => {
        fc.pre(pass.normalize('NFC') !== PASS);
        const r = await unlockVault(envelope, pass);
        expect(r).toMatchObject({ ok: false, error: { code: 'wrong-passphrase' } });
      }),
      runs(1000),
    );
  });

  it('importKey: random or tampered exported keys are corrupt, never thrown; a changed key never opens the vault (3000 cases)', async () => {
    const good = exportKey(key) as unknown as Record<string, Json>;
    const tamperedArb = fc.oneof(
      fc.anything(),
      fc.record({ raw: fc.oneof(jsonArb, fc.uint8Array({ maxLength: 40 }).map(toBase64)), header: fc.oneof(jsonArb, fc.constant(good.header)) }),
      fc.tuple(fc.array(editArb, { minLength: 1, maxLength: 2 }), fc.nat(), fc.integer({ min: 0, max: 7 })).map(([edits, at, bit]) => {
        const k = structuredClone(good);
        for (const e of edits) applyEnvelopeEdit(k.header as Record<string, Json>, e);
        if (at % 2 === 0) applyEnvelopeEdit(k, { op: 'flip', path: ['raw'], at, bit });
        return k;
      }),
    );
    await fc.assert(
      fc.asyncProperty(tamperedArb, async (exported) => {
        const k = await importKey(exported);
        expect(badResult(k, new Set(['corrupt']))).toBeNull();
        if (!k.ok) return;
        const opened = await openVault<unknown>(envelope, k.value);
        expect(badResult(opened, VAULT_CODES)).toBeNull();
        const same = JSON.stringify(exportKey(k.value)) === JSON.stringify(good);
        expect(opened.ok).toBe(same);
        if (opened.ok) expect(opened.value).toEqual(DATA);
      }),
      runs(3000),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('backup files from anywhere', { timeout: 60_000 }, () => {
  it('openBackup: random text, random JSON and damaged files give a VaultErrorCode or the sealed data (3000 cases)', async () => {
    const fileArb = fc.oneof(
      hostileString(80),
      fc.json(),
      mutated(fc.constant(backupFile), 3),
      mutatedEnvelopeArb.map(({ stored }) => (typeof stored === 'string' ? stored : JSON.stringify(stored))),
    );
    await fc.assert(
      fc.asyncProperty(fileArb, fc.oneof(fc.constant(BACKUP_PASS), hostileString(20)), async (file, pass) => {
        pbkdf2Runs.length = 0;
        const r = await openBackup(file, pass);
        expect(badResult(r, VAULT_CODES)).toBeNull();
        if (r.ok) expect(r.value).toEqual(DATA);
        for (const n of pbkdf2Runs) expect(n).toBeLessThanOrEqual(MAX_ITERATIONS);
      }),
      runs(3000),
    );
  });

  it('a backup whose content decrypts but is not vault data is unsupported-version, never half-loaded (500 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.record({ version: fc.constant(1), accounts: fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 3 }) }),
          fc.record({ version: fc.constant(1), accounts: fc.constant(DATA.accounts), extra: fc.jsonValue() }),
        ),
        async (content) => {
          const created = await createVault(BACKUP_PASS, content, KDF);
          if (!created.ok) throw new Error(created.error.code);
          const r = await openBackup(JSON.stringify(created.value.envelope), BACKUP_PASS);
          const expected = parseVaultData(content);
          if (expected.ok) expect(r).toEqual({ ok: true, value: expected.value });
          else expect(r).toMatchObject({ ok: false, error: { code: 'unsupported-version' } });
        },
      ),
      runs(500),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('planImport', { timeout: 60_000 }, () => {
  // Small pools so that keys, platforms, users, device names and ids collide often.
  const SECRETS = ['JBSWY3DPEHPK3PXP', 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U'];
  const POOL: StoredAccount[] = [];
  for (const [i, id] of ['id-1', 'id-2', 'id-3', 'id-4', 'new-1'].entries())
    for (const secret of SECRETS)
      for (const name of ['jane@example.com', 'JANE@example.com', 'bob', 'Bob'])
        for (const origin of ['https://community.thingpark.io', 'https://iot.example.net', 'https://iot.example.net:8443'])
          for (const realm of ['r1', 'r2', null])
            for (const deviceName of ['', 'Chrome on laptop', 'Phone'])
              POOL.push(account(id, secret, name, { origin, realm, deviceName, lastUsedStep: i % 2 ? null : i }));
  const accountArb = fc.constantFrom(...POOL);
  const json = (v: unknown) => JSON.stringify(v);

  it('every incoming account is added, skipped or a conflict; nothing stored changes; ids stay unique (3000 cases)', () => {
    const outcomes = { added: 0, skipped: 0, conflicts: 0 };
    fc.assert(
      fc.property(fc.array(accountArb, { maxLength: 6 }), fc.array(accountArb, { maxLength: 8 }), (existing, incoming) => {
        const before = json(existing);
        const incomingBefore = json(incoming);
        let n = 0;
        const { report, added } = planImport(existing, incoming, () => `generated-${++n}`);

        expect(report.added.length + report.skipped.length + report.conflicts.length).toBe(incoming.length);
        expect(report.added.length).toBe(added.length);
        expect(json(existing)).toBe(before);
        expect(json(incoming)).toBe(incomingBefore);

        const ids = [...existing.map((a) => a.id), ...added.map((a) => a.id)];
        // Existing ids may already repeat (not ours to fix); what we add never repeats one.
        for (const a of added) expect(ids.filter((id) => id === a.id)).toHaveLength(1);
        // Added accounts are incoming ones, in order, only the id possibly changed.
        let i = 0;
        for (const a of added) {
          while (i < incoming.length && json({ ...incoming[i], id: a.id }) !== json(a)) i++;
          expect(i).toBeLessThan(incoming.length);
          i++;
        }
        // An added key was in neither the store nor earlier in the file: no authenticator twice.
        const stored = new Set(existing.map((a) => a.secret));
        for (const a of added) {
          expect(stored.has(a.secret)).toBe(false);
          stored.add(a.secret);
        }
        expect(n).toBeLessThanOrEqual(added.length);
        outcomes.added += added.length;
        outcomes.skipped += report.skipped.length;
        outcomes.conflicts += report.conflicts.length;
      }),
      runs(3000),
    );
    // The pools make every outcome common (a generator that never collides would prove little).
    expect(Math.min(outcomes.added, outcomes.skipped, outcomes.conflicts)).toBeGreaterThan(0);
  });
});
