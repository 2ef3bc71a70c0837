/**
 * Encrypted vault: the OTP secrets at rest in `storage.local`.
 *
 * Pure: uses only the Web Crypto API through `globalThis.crypto`, which Chrome's service worker,
 * Firefox's background page and Node 20 all provide, so the unit tests run in plain Node.
 *
 * Construction:
 * - PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) with a random 16-byte salt and 600,000 iterations, the
 *   OWASP Password Storage Cheat Sheet floor for this hash. PBKDF2 rather than a memory-hard KDF
 *   because it is the only password KDF in Web Crypto; the envelope is versioned so that can change.
 * - 256 derived bits, split with HKDF-SHA256 (RFC 5869) into the AES-256-GCM key and a 16-byte
 *   `check`. GCM failing alone cannot tell a wrong passphrase from damaged data; the check can, and
 *   it costs a guesser the same full KDF run as the key does. (Deriving 512 bits from PBKDF2 would
 *   cost us two full runs, one per 32-byte block, for no extra security.)
 * - AES-GCM (NIST SP 800-38D) with a fresh random 96-bit IV per write; the header is the
 *   additional authenticated data.
 *
 * One file because the format, its parsing and its crypto are one construction: the header parsed
 * here is the KDF's input and the cipher's additional data, and the steps (`parse`, `derive`,
 * `encrypt`, `decrypt`) stay private, so the public operations at the end are the only ways in.
 */

import { toBase64, fromBase64 } from '../util/base64';
import { err, isRecord, ok, type Result } from '../util/result';

export const MIN_PASSPHRASE_LENGTH = 8;
/** OWASP Password Storage Cheat Sheet: PBKDF2-HMAC-SHA256 needs at least 600,000 iterations. */
export const DEFAULT_ITERATIONS = 600_000;
/** Upper bound accepted from storage, so a tampered envelope cannot hang the worker for hours. */
export const MAX_ITERATIONS = 10_000_000;

const FORMAT = 'thingpark-autofill-vault';
/**
 * The envelope version this build writes. 2: the content's accounts carry their enrollment record
 * (lib/vault/accounts.ts); the crypto is version 1's. Written as 2 so that version 0.1.0, which reads
 * only 1, refuses such a vault or backup as "made by a newer version" (and changes nothing)
 * instead of opening it and dropping the records it does not know on its next write.
 */
export const VAULT_VERSION = 2;
/** Envelope versions this build reads: 1 (0.1.0) and 2. */
const READABLE_VERSIONS: readonly number[] = [1, 2];
const SALT_BYTES = 16;
const IV_BYTES = 12; // 96 bits: the IV length SP 800-38D §8.2 recommends
const CHECK_BYTES = 16;
const KEY_BYTES = 32;
const GCM_TAG_BYTES = 16;

/** What goes into `storage.local`, as JSON. */
export interface VaultEnvelopeV1 {
  format: 'thingpark-autofill-vault';
  /** 1 as read from a 0.1.0 vault; every write is VAULT_VERSION. */
  version: 1 | 2;
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string /* b64, 16 bytes */ };
  cipher: { name: 'AES-GCM'; iv: string /* b64, 12 bytes, fresh per write */ };
  /** b64, 16 bytes: HKDF output independent of the AES key; tells "wrong passphrase" from "damaged". */
  check: string;
  /** b64: AES-GCM ciphertext with the 16-byte tag appended (Web Crypto's layout). */
  ciphertext: string;
}

/** The envelope minus the per-write parts: identical for every write under one key. */
export type VaultHeader = Omit<VaultEnvelopeV1, 'cipher' | 'ciphertext'> & { cipher: { name: 'AES-GCM' } };

export type VaultErrorCode = 'weak-passphrase' | 'wrong-passphrase' | 'corrupt' | 'unsupported-version' | 'not-a-vault';
/** `detail` is short English for logs and UI; it never contains the passphrase or any plaintext. */
export interface VaultError {
  code: VaultErrorCode;
  detail?: string;
}

export interface VaultKey {
  /** The 32 AES key bytes; kept only in background memory or `storage.session`, never in `storage.local`. */
  readonly raw: Uint8Array;
  /** Non-extractable AES-GCM key for encrypt/decrypt. */
  readonly aes: CryptoKey;
  readonly header: VaultHeader;
}

export interface CreateOptions {
  /** For tests and benchmarks only; values below DEFAULT_ITERATIONS also need `allowWeakKdfForTests`. */
  iterations?: number;
  allowWeakKdfForTests?: boolean;
}

const fail = (code: VaultErrorCode, detail: string): { ok: false; error: VaultError } => err({ code, detail });
const corrupt = (detail: string) => fail('corrupt', detail);

// ---------------------------------------------------------------------------------------------
// Passphrase

/**
 * NFC so the same passphrase typed on different systems (macOS input methods can produce NFD)
 * derives the same key.
 */
const normalize = (passphrase: string): string => passphrase.normalize('NFC');

/** At least MIN_PASSPHRASE_LENGTH Unicode code points (not UTF-16 units: an emoji counts once). */
export function checkPassphrase(p: string): Result<void, VaultError> {
  if (typeof p !== 'string' || [...normalize(p)].length < MIN_PASSPHRASE_LENGTH) {
    return fail('weak-passphrase', `passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
  return ok(undefined);
}

// ---------------------------------------------------------------------------------------------
// Parsing (never throws: storage content is untrusted input)


/** Decodes a base64 field; `null` if it is not a canonical base64 string of an allowed length. */
function bytesField(v: unknown, min: number, max = min): Uint8Array<ArrayBuffer> | null {
  if (typeof v !== 'string') return null;
  const bytes = fromBase64(v);
  return bytes !== null && bytes.length >= min && bytes.length <= max ? bytes : null;
}

/**
 * Validates the header fields shared by envelopes and exported keys, and returns a fresh object
 * holding only them (unknown extra fields are dropped: nothing reads them and they are not
 * authenticated).
 */
function parseHeader(o: Record<string, unknown>): Result<VaultHeader, VaultError> {
  if (o.format !== FORMAT) return fail('not-a-vault', 'not a ThingPark Autofill vault');
  if (typeof o.version !== 'number' || !READABLE_VERSIONS.includes(o.version)) {
    return typeof o.version === 'number'
      ? fail('unsupported-version', `vault version ${String(o.version)} is not supported (this build reads versions ${READABLE_VERSIONS.join(' and ')})`)
      : corrupt('vault version is missing or not a number');
  }
  const { kdf, cipher } = o;
  if (!isRecord(kdf)) return corrupt('key derivation parameters are missing');
  if (kdf.name !== 'PBKDF2' || kdf.hash !== 'SHA-256') return corrupt('unknown key derivation function');
  const iterations = kdf.iterations;
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    return corrupt('key derivation iteration count is invalid');
  }
  if (bytesField(kdf.salt, SALT_BYTES) === null) return corrupt('salt is not 16 bytes of base64');
  if (!isRecord(cipher)) return corrupt('cipher parameters are missing');
  if (cipher.name !== 'AES-GCM') return corrupt('unknown cipher');
  if (bytesField(o.check, CHECK_BYTES) === null) return corrupt('key check is not 16 bytes of base64');
  return ok({
    format: FORMAT,
    version: o.version as 1 | 2,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: kdf.salt as string },
    cipher: { name: 'AES-GCM' },
    check: o.check as string,
  });
}

interface ParsedEnvelope {
  envelope: VaultEnvelopeV1;
  header: VaultHeader;
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
}

function parse(stored: unknown): Result<ParsedEnvelope, VaultError> {
  let value = stored;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return fail('not-a-vault', 'stored vault is not valid JSON');
    }
  }
  if (!isRecord(value)) return fail('not-a-vault', 'stored vault is not an object');
  const header = parseHeader(value);
  if (!header.ok) return header;
  const cipher = value.cipher as Record<string, unknown>; // checked by parseHeader
  const iv = bytesField(cipher.iv, IV_BYTES);
  if (iv === null) return corrupt('IV is not 12 bytes of base64');
  const ciphertext = bytesField(value.ciphertext, GCM_TAG_BYTES, Number.MAX_SAFE_INTEGER);
  if (ciphertext === null) return corrupt('ciphertext is not base64 or shorter than the GCM tag');
  const h = header.value;
  const envelope: VaultEnvelopeV1 = {
    ...h,
    kdf: { ...h.kdf },
    cipher: { name: 'AES-GCM', iv: cipher.iv as string },
    ciphertext: value.ciphertext as string,
  };
  return ok({ envelope, header: h, iv, ciphertext });
}

/**
 * Strict shape check of a stored envelope (object or JSON string). Returns a fresh copy and never
 * mutates or keeps a reference to the input. Only checks shape: whether it decrypts is
 * `unlockVault`'s and `openVault`'s job.
 */
export function parseEnvelope(stored: unknown): Result<VaultEnvelopeV1, VaultError> {
  const parsed = parse(stored);
  return parsed.ok ? ok(parsed.value.envelope) : parsed;
}

// ---------------------------------------------------------------------------------------------
// Crypto

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const randomBytes = (n: number): Uint8Array<ArrayBuffer> => globalThis.crypto.getRandomValues(new Uint8Array(n));
const utf8 = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s);

/**
 * The AES-GCM additional data: canonical JSON of the header fields that say how to derive and use
 * the key, built field by field so the key order never depends on how the envelope was stored.
 * The base64 strings are canonical too (the decoder rejects any other spelling of the same bytes).
 * Changing kdf parameters already yields a different key, so this is defence in depth: it ties the
 * ciphertext to this exact format/version and algorithm choice, which matters once a later
 * version can read more than one of them.
 */
function additionalData(h: VaultHeader): Uint8Array<ArrayBuffer> {
  return utf8(
    JSON.stringify({
      format: h.format,
      version: h.version,
      kdf: { name: h.kdf.name, hash: h.kdf.hash, iterations: h.kdf.iterations, salt: h.kdf.salt },
      cipher: { name: h.cipher.name },
    }),
  );
}

interface Derived {
  raw: Uint8Array<ArrayBuffer>;
  check: Uint8Array<ArrayBuffer>;
}

/**
 * PBKDF2 → 256 bits → HKDF → (AES key bytes, check). Salt and iterations must already be validated.
 * One PBKDF2 block only: PBKDF2-SHA256 makes its output 32 bytes at a time, each block its own
 * full run of `iterations` (RFC 8018 §5.2), so more output would double our unlock time while a
 * guesser would still need just one block. HKDF gives two independent values from that block.
 */
async function derive(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Derived> {
  const secret = utf8(normalize(passphrase));
  const base = await subtle().importKey('raw', secret, 'PBKDF2', false, ['deriveBits']);
  secret.fill(0); // best effort: the JS string itself cannot be wiped
  const master = await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, 256);
  const hkdf = await subtle().importKey('raw', master, 'HKDF', false, ['deriveBits']);
  new Uint8Array(master).fill(0);
  const expand = async (info: string, bytes: number) =>
    new Uint8Array(
      await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(info) }, hkdf, 8 * bytes),
    );
  const raw = await expand('thingpark-autofill vault v1 aes-gcm key', KEY_BYTES);
  const check = await expand('thingpark-autofill vault v1 key check', CHECK_BYTES);
  return { raw, check };
}

/** Compares every byte whatever the first difference, so timing says nothing about where it is. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function freezeHeader(h: VaultHeader): VaultHeader {
  return Object.freeze({
    format: h.format,
    version: h.version,
    kdf: Object.freeze({ ...h.kdf }),
    cipher: Object.freeze({ name: h.cipher.name }),
    check: h.check,
  });
}

async function makeKey(raw: Uint8Array<ArrayBuffer>, header: VaultHeader): Promise<VaultKey> {
  // Non-extractable: the CryptoKey itself can never be exported; `raw` exists only so that
  // exportKey can park the key in storage.session across service-worker restarts.
  const aes = await subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  // A key writes this build's version, whatever the version it was read from: a key derived
  // from a version 1 vault is the same key (same KDF, salt and check).
  return Object.freeze({ raw, aes, header: freezeHeader({ ...header, version: VAULT_VERSION }) });
}

/** JSON text of the data. Data JSON cannot represent is a programmer error, so this throws. */
function serialize(data: unknown): Uint8Array<ArrayBuffer> {
  const json: string | undefined = JSON.stringify(data);
  if (typeof json !== 'string') throw new TypeError('vault data must be JSON-serializable');
  return utf8(json);
}

async function encrypt(key: VaultKey, plaintext: Uint8Array<ArrayBuffer>): Promise<VaultEnvelopeV1> {
  // A fresh random IV per write: reusing an IV under one GCM key leaks the XOR of plaintexts and
  // the authentication key. At one write per user action, 2^-32 collision bounds are far away.
  const iv = randomBytes(IV_BYTES);
  const h = key.header;
  const ciphertext = new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: additionalData(h) }, key.aes, plaintext),
  );
  plaintext.fill(0);
  return {
    format: h.format,
    version: h.version,
    kdf: { ...h.kdf },
    cipher: { name: 'AES-GCM', iv: toBase64(iv) },
    check: h.check,
    ciphertext: toBase64(ciphertext),
  };
}

/** Decrypts and parses JSON; any failure here means the data, not the passphrase, is bad. */
async function decrypt<T>(key: VaultKey, parsed: ParsedEnvelope): Promise<Result<T, VaultError>> {
  let plaintext: Uint8Array;
  try {
    plaintext = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: parsed.iv, additionalData: additionalData(parsed.header) },
        key.aes,
        parsed.ciphertext,
      ),
    );
  } catch {
    return corrupt('vault data is damaged (authentication failed)');
  }
  try {
    return ok(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext)) as T);
  } catch {
    return corrupt('vault data is damaged (contents are not JSON)');
  } finally {
    plaintext.fill(0);
  }
}

function checkOptions(opts: CreateOptions | undefined): number {
  const iterations = opts?.iterations ?? DEFAULT_ITERATIONS;
  // Programmer errors, not user input: throw so they cannot ship silently.
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new RangeError(`iterations must be an integer from 1 to ${MAX_ITERATIONS}`);
  }
  if (iterations < DEFAULT_ITERATIONS && opts?.allowWeakKdfForTests !== true) {
    throw new RangeError(`iterations below ${DEFAULT_ITERATIONS} are only for tests (allowWeakKdfForTests)`);
  }
  return iterations;
}

// ---------------------------------------------------------------------------------------------
// Public operations

/**
 * Creates a new vault with a fresh salt. Returns `weak-passphrase` for a short passphrase.
 * Throws (programmer error) for non-JSON data or iterations below the default without
 * `allowWeakKdfForTests`.
 */
export async function createVault<T>(
  passphrase: string,
  data: T,
  opts?: CreateOptions,
): Promise<Result<{ envelope: VaultEnvelopeV1; key: VaultKey }, VaultError>> {
  const iterations = checkOptions(opts);
  const strong = checkPassphrase(passphrase);
  if (!strong.ok) return strong;
  const plaintext = serialize(data);
  const salt = randomBytes(SALT_BYTES);
  const { raw, check } = await derive(passphrase, salt, iterations);
  const key = await makeKey(raw, {
    format: FORMAT,
    version: VAULT_VERSION,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64(salt) },
    cipher: { name: 'AES-GCM' },
    check: toBase64(check),
  });
  return ok({ envelope: await encrypt(key, plaintext), key });
}

/**
 * Derives the key from the passphrase and decrypts. A check mismatch is `wrong-passphrase`; GCM
 * or JSON failure with a matching check is `corrupt`.
 *
 * Limit: a stored salt or iteration count that was changed also makes the check mismatch, so it
 * reports `wrong-passphrase` too. That cannot be told apart without the right key, which those
 * very fields are needed to derive. (`openVault`, which already has the key, reports `corrupt`.)
 */
export async function unlockVault<T>(
  stored: unknown,
  passphrase: string,
): Promise<Result<{ data: T; key: VaultKey; envelope: VaultEnvelopeV1 }, VaultError>> {
  const parsed = parse(stored);
  if (!parsed.ok) return parsed;
  // An empty passphrase was never accepted by createVault; answering early also avoids importing a
  // zero-length PBKDF2 key, which not every Web Crypto implementation has always allowed.
  if (typeof passphrase !== 'string' || passphrase === '') return fail('wrong-passphrase', 'passphrase is wrong');
  const { header } = parsed.value;
  const salt = fromBase64(header.kdf.salt)!; // validated by parse
  const { raw, check } = await derive(passphrase, salt, header.kdf.iterations);
  if (!equalBytes(check, fromBase64(header.check)!)) {
    raw.fill(0);
    return fail('wrong-passphrase', 'passphrase is wrong (or the vault key parameters were altered)');
  }
  const key = await makeKey(raw, header);
  const data = await decrypt<T>(key, parsed.value);
  if (!data.ok) return data;
  return ok({ data: data.value, key, envelope: parsed.value.envelope });
}

/** Re-encrypts with the same key, salt, kdf and check, and a fresh random IV every call. */
export async function sealVault<T>(key: VaultKey, data: T): Promise<VaultEnvelopeV1> {
  return encrypt(key, serialize(data));
}

/**
 * Decrypts with an already-derived key (e.g. restored from storage.session after a worker
 * restart). A header that differs from the key's (kdf parameters or check) is `corrupt`: the
 * stored vault is not the one this key was derived for, or it was altered.
 */
export async function openVault<T>(stored: unknown, key: VaultKey): Promise<Result<T, VaultError>> {
  const parsed = parse(stored);
  if (!parsed.ok) return parsed;
  const a = parsed.value.header;
  const b = key.header;
  if (
    a.kdf.iterations !== b.kdf.iterations ||
    a.kdf.salt !== b.kdf.salt ||
    a.kdf.name !== b.kdf.name ||
    a.kdf.hash !== b.kdf.hash ||
    a.check !== b.check
  ) {
    return corrupt('stored vault does not match the unlocked key');
  }
  return decrypt<T>(key, parsed.value);
}

/**
 * Unlocks with the old passphrase (its errors pass through), checks the new one, and re-encrypts
 * under a NEW salt. Pure: returns the new envelope and the caller writes it, so the old blob stays
 * in storage until the new one has been written.
 */
export async function changePassphrase<T>(
  stored: unknown,
  oldPassphrase: string,
  newPassphrase: string,
  opts?: CreateOptions,
): Promise<Result<{ envelope: VaultEnvelopeV1; key: VaultKey; data: T }, VaultError>> {
  checkOptions(opts); // fail fast, before spending a full KDF run on the old passphrase
  const unlocked = await unlockVault<T>(stored, oldPassphrase);
  if (!unlocked.ok) return unlocked;
  const created = await createVault(newPassphrase, unlocked.value.data, opts);
  if (!created.ok) return created;
  return ok({ ...created.value, data: unlocked.value.data });
}

/** Serializable form of a key for `storage.session`, so an MV3 worker restart does not lock the user out. */
export function exportKey(key: VaultKey): { raw: string; header: VaultHeader } {
  const h = key.header;
  return {
    raw: toBase64(key.raw),
    header: { format: h.format, version: h.version, kdf: { ...h.kdf }, cipher: { name: h.cipher.name }, check: h.check },
  };
}

/**
 * Rebuilds a key from `exportKey` output. Any bad shape is `corrupt`. It cannot verify that `raw`
 * belongs to `header` (the check is a separate HKDF output of a secret we do not keep); a mismatched
 * pair fails later in `openVault` as `corrupt`.
 */
export async function importKey(exported: unknown): Promise<Result<VaultKey, VaultError>> {
  if (!isRecord(exported) || !isRecord(exported.header)) return corrupt('exported key is not an object');
  const raw = bytesField(exported.raw, KEY_BYTES);
  if (raw === null) return corrupt('exported key is not 32 bytes of base64');
  const header = parseHeader(exported.header);
  if (!header.ok) return corrupt(`exported key header is invalid: ${header.error.detail ?? header.error.code}`);
  return ok(await makeKey(raw, header.value));
}
