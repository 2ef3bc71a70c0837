/**
 * lib/vault/envelope.ts: creating, unlocking, sealing and opening a vault, the key kept across a
 * worker restart, passphrase changes, damaged or foreign storage, and no secret in any error.
 * One file per module under test; the cases share the fixtures and error log below.
 */
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../../lib/util/base64';
import {
  DEFAULT_ITERATIONS,
  changePassphrase,
  checkPassphrase,
  createVault,
  exportKey,
  importKey,
  openVault,
  parseEnvelope,
  sealVault,
  unlockVault,
  type VaultEnvelopeV1,
  type VaultError,
  type VaultKey,
} from '../../../lib/vault/envelope';

// Fast KDF for everything except the one test that checks the production default.
const FAST = { iterations: 1000, allowWeakKdfForTests: true } as const;
const PASS = 'correct horse battery staple';
const SECRET_B32 = 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE';
const SECRET_RAW = 'Aq3kP9vLm2Rt7Wc1Bn5d'; // what SECRET_B32 decodes to
const DATA = { accounts: [{ issuer: 'ThingPark', label: 'alice@example.com', secret: SECRET_B32, note: SECRET_RAW }] };
type Data = typeof DATA;

/** Every error produced in this file, so the last test can check none carries the passphrase. */
const seenErrors: VaultError[] = [];
function expectError(r: { ok: boolean; error?: VaultError }, code: VaultError['code']): void {
  expect(r.ok).toBe(false);
  expect(r).not.toHaveProperty('value');
  expect(r.error?.code).toBe(code);
  if (r.error) seenErrors.push(r.error);
}

async function fresh(data: unknown = DATA, pass = PASS): Promise<{ envelope: VaultEnvelopeV1; key: VaultKey }> {
  const r = await createVault(pass, data, FAST);
  if (!r.ok) throw new Error(`createVault failed: ${r.error.code}`);
  return r.value;
}

const bytes = (b64: string): Uint8Array => {
  const b = fromBase64(b64);
  if (b === null) throw new Error('bad base64 in test');
  return b;
};

/** Returns a copy of the envelope with one byte of a base64 field XORed. */
function flip(b64: string, index: number): string {
  const b = bytes(b64).slice();
  b[index] = b[index]! ^ 0x01;
  return toBase64(b);
}

/** Runs `fn` on `input`, asserting it resolves (never throws) and leaves `input` untouched. */
async function noThrowNoMutate<R>(input: unknown, fn: (x: unknown) => R | Promise<R>): Promise<R> {
  const before = structuredClone(input);
  const result = await fn(input);
  expect(input).toStrictEqual(before);
  return result;
}

describe('checkPassphrase', () => {
  it('refuses 7 characters, accepts 8', () => {
    const r = checkPassphrase('1234567');
    expectError(r, 'weak-passphrase');
    if (!r.ok) expect(r.error.detail).toContain('8');
    expect(checkPassphrase('12345678').ok).toBe(true);
  });

  it('counts Unicode code points, not UTF-16 units', () => {
    expect(checkPassphrase('😀'.repeat(8)).ok).toBe(true);
    expectError(checkPassphrase('😀'.repeat(7)), 'weak-passphrase'); // 14 UTF-16 units, 7 code points
  });

  it('createVault refuses a weak passphrase and accepts an emoji one', async () => {
    expectError(await createVault('1234567', DATA, FAST), 'weak-passphrase');
    const emoji = '🔐'.repeat(8);
    const { envelope } = await fresh(DATA, emoji);
    const r = await unlockVault<Data>(envelope, emoji);
    expect(r.ok && r.value.data).toStrictEqual(DATA);
  });
});

describe('createVault / unlockVault', () => {
  it('uses the production KDF by default (600k iterations, 16-byte salt, 12-byte IV)', { timeout: 60_000 }, async () => {
    const r = await createVault(PASS, DATA);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { envelope } = r.value;
    expect(envelope.kdf.iterations).toBeGreaterThanOrEqual(600_000);
    expect(envelope.kdf.iterations).toBe(DEFAULT_ITERATIONS);
    expect(bytes(envelope.kdf.salt)).toHaveLength(16);
    expect(bytes(envelope.cipher.iv)).toHaveLength(12);
    expect(bytes(envelope.check)).toHaveLength(16);
    expect(parseEnvelope(envelope)).toStrictEqual({ ok: true, value: envelope });
  });

  it('refuses a weak KDF unless explicitly allowed for tests', async () => {
    await expect(createVault(PASS, DATA, { iterations: 1000 })).rejects.toThrow(RangeError);
    await expect(createVault(PASS, DATA, { iterations: 0, allowWeakKdfForTests: true })).rejects.toThrow(RangeError);
    await expect(createVault(PASS, DATA, { iterations: 1.5, allowWeakKdfForTests: true })).rejects.toThrow(RangeError);
    expect((await createVault(PASS, DATA, { iterations: 1, allowWeakKdfForTests: true })).ok).toBe(true);
  });

  it('throws on data JSON cannot represent (programmer error)', async () => {
    await expect(createVault(PASS, undefined, FAST)).rejects.toThrow(TypeError);
    await expect(createVault(PASS, { n: 1n }, FAST)).rejects.toThrow(TypeError);
  });

  it('round-trips data, from an object and from a JSON string', async () => {
    const { envelope, key } = await fresh();
    expect(envelope.format).toBe('thingpark-autofill-vault');
    expect(envelope.version).toBe(2);
    for (const stored of [envelope, JSON.stringify(envelope)]) {
      const r = await noThrowNoMutate(stored, (x) => unlockVault<Data>(x, PASS));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.data).toStrictEqual(DATA);
      expect(r.value.envelope).toStrictEqual(envelope);
      expect(r.value.key.raw).toStrictEqual(key.raw);
      expect(r.value.key.header).toStrictEqual(key.header);
      expect(r.value.key.aes.extractable).toBe(false);
    }
  });

  it('round-trips any JSON value, including an empty string and unicode', async () => {
    for (const data of ['', 0, null, [], { ü: '😀\u2028' }]) {
      const { envelope } = await fresh(data);
      const r = await unlockVault(envelope, PASS);
      expect(r.ok && r.value.data).toStrictEqual(data);
    }
  });

  it('reports a wrong passphrase as wrong-passphrase', async () => {
    const { envelope } = await fresh();
    expectError(await noThrowNoMutate(envelope, (x) => unlockVault(x, PASS + '!')), 'wrong-passphrase');
    expectError(await unlockVault(envelope, ''), 'wrong-passphrase');
  });

  it('derives the same key for NFC and NFD spellings of a passphrase', async () => {
    const nfc = 'Passphrase caf\u00e9';
    const { envelope } = await fresh(DATA, nfc);
    const r = await unlockVault(envelope, nfc.normalize('NFD'));
    expect(r.ok).toBe(true);
  });
});

describe('sealVault', () => {
  it('uses a fresh IV on each seal, keeps salt/kdf/check, and both open', async () => {
    const { envelope, key } = await fresh();
    const a = await sealVault(key, { ...DATA, n: 1 });
    const b = await sealVault(key, { ...DATA, n: 2 });
    expect(new Set([envelope.cipher.iv, a.cipher.iv, b.cipher.iv]).size).toBe(3);
    for (const e of [a, b]) {
      expect(e.kdf).toStrictEqual(envelope.kdf);
      expect(e.check).toBe(envelope.check);
    }
    expect(await openVault(a, key)).toStrictEqual({ ok: true, value: { ...DATA, n: 1 } });
    const viaPass = await unlockVault(b, PASS);
    expect(viaPass.ok && viaPass.value.data).toStrictEqual({ ...DATA, n: 2 });
  });

  it('uses the AES-GCM additional data (header) so ciphertext is bound to it', async () => {
    const { envelope, key } = await fresh();
    // Decrypting the same bytes with the same key but without the AAD must fail.
    const aes = await crypto.subtle.importKey('raw', key.raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['decrypt']);
    const iv = bytes(envelope.cipher.iv) as Uint8Array<ArrayBuffer>;
    const ct = bytes(envelope.ciphertext) as Uint8Array<ArrayBuffer>;
    await expect(crypto.subtle.decrypt({ name: 'AES-GCM', iv }, aes, ct)).rejects.toThrow();
  });
});

describe('exportKey / importKey (MV3 worker restart)', () => {
  it('round-trips through JSON and opens and seals the vault', async () => {
    const { envelope, key } = await fresh();
    const session = JSON.parse(JSON.stringify(exportKey(key))) as unknown; // as storage.session would
    expect(JSON.stringify(session)).not.toContain(PASS);
    const restored = await importKey(session);
    expect(restored.ok).toBe(true);
    if (!restored.ok) return;
    expect(restored.value.raw).toStrictEqual(key.raw);
    expect(restored.value.header).toStrictEqual(key.header);
    expect(restored.value.aes.extractable).toBe(false);
    expect(await openVault(envelope, restored.value)).toStrictEqual({ ok: true, value: DATA });
    const resealed = await sealVault(restored.value, { ...DATA, more: true });
    const r = await unlockVault(resealed, PASS);
    expect(r.ok && r.value.data).toStrictEqual({ ...DATA, more: true });
  });

  it('rejects bad exported keys as corrupt without throwing or mutating', async () => {
    const { key } = await fresh();
    const good = exportKey(key);
    const bad: unknown[] = [
      null,
      42,
      'x',
      {},
      { raw: good.raw },
      { header: good.header },
      { ...good, raw: toBase64(new Uint8Array(16)) },
      { ...good, raw: good.raw + '=' },
      { ...good, header: { ...good.header, version: 3 } },
      { ...good, header: { ...good.header, format: 'x' } },
      { ...good, header: { ...good.header, check: 'AAAA' } },
      { ...good, header: { ...good.header, kdf: { ...good.header.kdf, iterations: -1 } } },
    ];
    for (const input of bad) {
      expectError(await noThrowNoMutate(input, importKey), 'corrupt');
    }
  });

  it('openVault reports a key for another vault as corrupt', async () => {
    const one = await fresh();
    const two = await fresh();
    expectError(await openVault(two.envelope, one.key), 'corrupt');
  });
});

describe('changePassphrase', () => {
  const NEW = 'a completely new passphrase';

  it('re-encrypts under a new salt: old passphrase fails, new one works, data identical', async () => {
    const { envelope } = await fresh();
    const r = await noThrowNoMutate(envelope, (x) => changePassphrase<Data>(x, PASS, NEW, FAST));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.data).toStrictEqual(DATA);
    expect(r.value.envelope.kdf.salt).not.toBe(envelope.kdf.salt);
    expect(r.value.envelope.check).not.toBe(envelope.check);
    expectError(await unlockVault(r.value.envelope, PASS), 'wrong-passphrase');
    const again = await unlockVault(r.value.envelope, NEW);
    expect(again.ok && again.value.data).toStrictEqual(DATA);
    expect(await openVault(r.value.envelope, r.value.key)).toStrictEqual({ ok: true, value: DATA });
    // The old blob is untouched and still opens with the old passphrase until the caller replaces it.
    expect((await unlockVault(envelope, PASS)).ok).toBe(true);
  });

  it('passes through a wrong old passphrase and returns no envelope', async () => {
    const { envelope } = await fresh();
    expectError(await changePassphrase(envelope, 'not the passphrase', NEW, FAST), 'wrong-passphrase');
  });

  it('refuses a weak new passphrase', async () => {
    const { envelope } = await fresh();
    expectError(await changePassphrase(envelope, PASS, 'Zq7!xW', FAST), 'weak-passphrase');
  });

  it('passes through parse errors', async () => {
    expectError(await changePassphrase({ format: 'x' }, PASS, NEW, FAST), 'not-a-vault');
  });
});

describe('damaged or foreign storage', () => {
  it('flipped ciphertext byte → corrupt, with the right passphrase and with the key', async () => {
    const { envelope, key } = await fresh();
    const len = bytes(envelope.ciphertext).length;
    for (const index of [0, len - 1 /* in the GCM tag */]) {
      const damaged = { ...envelope, ciphertext: flip(envelope.ciphertext, index) };
      expectError(await noThrowNoMutate(damaged, (x) => unlockVault(x, PASS)), 'corrupt');
      expectError(await noThrowNoMutate(damaged, (x) => openVault(x, key)), 'corrupt');
    }
  });

  it('flipped IV byte → corrupt', async () => {
    const { envelope } = await fresh();
    const damaged = { ...envelope, cipher: { ...envelope.cipher, iv: flip(envelope.cipher.iv, 0) } };
    expectError(await unlockVault(damaged, PASS), 'corrupt');
  });

  it('truncated ciphertext → corrupt (both above and below the tag length)', async () => {
    const { envelope, key } = await fresh();
    const full = bytes(envelope.ciphertext);
    for (const n of [full.length - 1, 16, 15, 0]) {
      const damaged = { ...envelope, ciphertext: toBase64(full.slice(0, n)) };
      expectError(await noThrowNoMutate(damaged, (x) => unlockVault(x, PASS)), 'corrupt');
      expectError(await openVault(damaged, key), 'corrupt');
    }
  });

  it('tampered iterations or salt → corrupt with the key; wrong-passphrase when deriving (indistinguishable)', async () => {
    const { envelope, key } = await fresh();
    const tampered: VaultEnvelopeV1[] = [
      { ...envelope, kdf: { ...envelope.kdf, iterations: envelope.kdf.iterations + 1 } },
      { ...envelope, kdf: { ...envelope.kdf, salt: flip(envelope.kdf.salt, 3) } },
    ];
    for (const t of tampered) {
      expectError(await noThrowNoMutate(t, (x) => openVault(x, key)), 'corrupt');
      // A changed salt or count changes the derived check exactly as a wrong passphrase does;
      // without the right key nothing can tell the two apart (see unlockVault's doc comment).
      expectError(await noThrowNoMutate(t, (x) => unlockVault(x, PASS)), 'wrong-passphrase');
    }
    // A tampered check: same situation.
    expectError(await unlockVault({ ...envelope, check: flip(envelope.check, 0) }, PASS), 'wrong-passphrase');
    expectError(await openVault({ ...envelope, check: flip(envelope.check, 0) }, key), 'corrupt');
  });

  it('out-of-range or malformed header values → corrupt before any derivation', async () => {
    const { envelope } = await fresh();
    const kdf = envelope.kdf;
    const bad: unknown[] = [
      { ...envelope, kdf: { ...kdf, iterations: 0 } },
      { ...envelope, kdf: { ...kdf, iterations: 1.5 } },
      { ...envelope, kdf: { ...kdf, iterations: '1000' } },
      { ...envelope, kdf: { ...kdf, iterations: 10_000_001 } },
      { ...envelope, kdf: { ...kdf, name: 'scrypt' } },
      { ...envelope, kdf: { ...kdf, hash: 'SHA-1' } },
      { ...envelope, kdf: { ...kdf, salt: toBase64(new Uint8Array(15)) } },
      { ...envelope, kdf: { ...kdf, salt: kdf.salt.slice(0, -1) } },
      { ...envelope, cipher: { ...envelope.cipher, name: 'AES-CBC' } },
      { ...envelope, cipher: { ...envelope.cipher, iv: toBase64(new Uint8Array(16)) } },
      { ...envelope, check: toBase64(new Uint8Array(32)) },
      { ...envelope, ciphertext: '!!!!' },
      { ...envelope, ciphertext: 42 },
      { ...envelope, version: '1' },
      { ...envelope, kdf: [] },
    ];
    for (const input of bad) {
      expectError(await noThrowNoMutate(input, parseEnvelope), 'corrupt');
      expectError(await noThrowNoMutate(input, (x) => unlockVault(x, PASS)), 'corrupt');
    }
  });

  it('missing fields → corrupt', async () => {
    const { envelope, key } = await fresh();
    const paths = [
      ['kdf'],
      ['kdf', 'name'],
      ['kdf', 'hash'],
      ['kdf', 'iterations'],
      ['kdf', 'salt'],
      ['cipher'],
      ['cipher', 'name'],
      ['cipher', 'iv'],
      ['check'],
      ['ciphertext'],
    ];
    for (const path of paths) {
      const input = structuredClone(envelope) as unknown as Record<string, Record<string, unknown>>;
      if (path.length === 1) delete input[path[0]!];
      else delete input[path[0]!]![path[1]!];
      expectError(await noThrowNoMutate(input, parseEnvelope), 'corrupt');
      expectError(await noThrowNoMutate(input, (x) => unlockVault(x, PASS)), 'corrupt');
      expectError(await noThrowNoMutate(input, (x) => openVault(x, key)), 'corrupt');
    }
  });

  it('version 3 (newer than this build) → unsupported-version, naming the version', async () => {
    const { envelope, key } = await fresh();
    const v2 = { ...envelope, version: 3 };
    for (const r of [parseEnvelope(v2), await unlockVault(v2, PASS), await noThrowNoMutate(v2, (x) => openVault(x, key))]) {
      expectError(r, 'unsupported-version');
      if (!r.ok) expect(r.error.detail).toContain('3');
    }
  });

  it.each([[null], [undefined], [42], ['{'], ['null'], ['"vault"'], [{}], [[]], [{ format: 'x' }], [{ format: 'x', version: 1 }]])(
    'garbage %j → not-a-vault',
    async (input) => {
      expectError(await noThrowNoMutate(input, parseEnvelope), 'not-a-vault');
      expectError(await noThrowNoMutate(input, (x) => unlockVault(x, PASS)), 'not-a-vault');
      expectError(await noThrowNoMutate(input, (x) => changePassphrase(x, PASS, PASS, FAST)), 'not-a-vault');
    },
  );

  it('drops unknown extra fields from the parsed envelope', async () => {
    const { envelope } = await fresh();
    const r = parseEnvelope({ ...envelope, extra: 'x', kdf: { ...envelope.kdf, extra: 1 } });
    expect(r).toStrictEqual({ ok: true, value: envelope });
  });
});

describe('secrets never leak into storage or errors', () => {
  const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

  /** Base64 of `s` at every byte alignment, as it would appear inside a longer encoded plaintext. */
  function base64Alignments(s: string): string[] {
    const b = new TextEncoder().encode(s);
    return [0, 1, 2].map((k) => {
      const end = k + Math.floor((b.length - k) / 3) * 3;
      return toBase64(b.slice(k, end));
    });
  }

  it('the stored envelope holds no secret or passphrase in any common encoding', async () => {
    const { envelope, key } = await fresh();
    const sealed = await sealVault(key, DATA);
    const needles = [SECRET_B32, SECRET_RAW, PASS].flatMap((s) => [
      s,
      s.toLowerCase(),
      s.toUpperCase(),
      encodeURIComponent(s),
      hex(s),
      hex(s).toUpperCase(),
      ...base64Alignments(s),
    ]);
    needles.push(encodeURIComponent(`otpauth://totp/ThingPark:alice?secret=${SECRET_B32}`));
    for (const e of [envelope, sealed]) {
      const json = JSON.stringify(e);
      for (const needle of needles) expect(json).not.toContain(needle);
    }
    // Sanity: the secret really is inside.
    const r = await unlockVault<Data>(envelope, PASS);
    expect(r.ok && r.value.data.accounts[0]?.secret).toBe(SECRET_B32);
  });

  it('no error detail produced in this file contains the passphrase or the secret', async () => {
    const { envelope } = await fresh();
    expectError(await unlockVault(envelope, PASS.slice(1)), 'wrong-passphrase');
    expectError(await createVault('Zq7!xW', DATA, FAST), 'weak-passphrase');
    expect(seenErrors.length).toBeGreaterThan(50);
    for (const e of seenErrors) {
      expect(typeof e.detail).toBe('string');
      for (const s of [PASS, PASS.slice(1), 'Zq7!xW', 'not the passphrase', SECRET_B32, SECRET_RAW]) {
        expect(e.detail).not.toContain(s);
      }
    }
  });
});
