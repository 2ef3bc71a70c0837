/**
 * Opening an encrypted Aegis vault export (docs/vault.md in beemdevelopment/Aegis). The vault's
 * content is encrypted with a random 256-bit master key (AES-256-GCM, `header.params` holding the
 * nonce and tag, `db` the base64 ciphertext); every credential has a slot holding that master key
 * encrypted with a key of its own. Password slots (type 1) derive theirs with scrypt from the
 * password and their `n`, `r`, `p`, `salt`; raw (0) and biometric (2) slots need a key from the
 * Android KeyStore and cannot be opened here.
 *
 * Pure: scrypt comes from @noble/hashes (Web Crypto has none), AES-GCM from Web Crypto.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { fromBase64 } from '../../util/base64';
import type { Result } from '../../util/result';
import { err, isRecord, ok } from '../../util/result';
import { aesGcmOpen, AES_KEY_BYTES, concatBytes, fromHex, GCM_NONCE_BYTES, GCM_TAG_BYTES, jsonFromBytes } from './app-crypto';
import type { AppFileErrorCode } from './app-file';

/** Why a vault did not open; the reader adds the format. `detail` never holds key material. */
export interface OpenError {
  code: AppFileErrorCode;
  detail: string;
}

/**
 * scrypt's cost is chosen by whoever wrote the file: it needs 128·r·(N + p) bytes and time in
 * proportion to N·r·p, so N = 2^30 in a slot would ask for 128 GiB or freeze the popup for
 * minutes. Aegis writes N = 2^15, r = 8, p = 1 (32 MiB) and says it cannot raise them without
 * running out of memory on Android (docs/vault.md), so bounds of four times that never refuse a
 * real file and keep a hostile one to about a second and 128 MiB. A file over them is `damaged`.
 */
const AEGIS_N_R = 2 ** 15 * 8;
/** Memory of one derivation, 128·r·(N + p) bytes: four times Aegis's 32 MiB. */
export const MAX_SCRYPT_MEMORY = 4 * 128 * AEGIS_N_R;
/** N·r·p summed over every password slot we may try: four of Aegis's derivations (~1 s here). */
export const MAX_SCRYPT_WORK = 4 * AEGIS_N_R;
/** Aegis writes p = 1; RFC 7914 allows billions, which only a hostile file would ask for. */
export const MAX_SCRYPT_P = 16;
/** A password, a backup password and a biometric slot are all Aegis writes; more is not a real vault. */
export const MAX_SLOTS = 16;
/** Aegis's salts are 32 bytes; a longer one has no use but costs hashing time. */
const MAX_SALT_BYTES = 1024;

/** A GCM ciphertext with its parameters, as Aegis stores them: tag apart from the ciphertext. */
interface Sealed {
  ciphertext: Uint8Array<ArrayBuffer>;
  nonce: Uint8Array<ArrayBuffer>;
  tag: Uint8Array<ArrayBuffer>;
}

interface PasswordSlot {
  masterKey: Sealed;
  n: number;
  r: number;
  p: number;
  salt: Uint8Array<ArrayBuffer>;
}

const damaged = (detail: string): { ok: false; error: OpenError } => err({ code: 'damaged', detail });

/** `{nonce, tag}` in hex, around a ciphertext. */
function sealed(ciphertext: Uint8Array<ArrayBuffer> | null, params: unknown): Sealed | null {
  if (ciphertext === null || !isRecord(params)) return null;
  const nonce = fromHex(params.nonce);
  const tag = fromHex(params.tag);
  if (nonce?.length !== GCM_NONCE_BYTES || tag?.length !== GCM_TAG_BYTES) return null;
  return { ciphertext, nonce, tag };
}

const isIntIn = (v: unknown, min: number, max: number): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

/** A password slot's fields, or why they are unusable. The total work is checked by the caller. */
function passwordSlot(slot: Record<string, unknown>, index: number): Result<PasswordSlot, string> {
  const masterKey = sealed(fromHex(slot.key), slot.key_params);
  if (masterKey === null || masterKey.ciphertext.length !== AES_KEY_BYTES) {
    return err(`slot ${index + 1}: the encrypted master key or its nonce and tag are not valid hex of the right length`);
  }
  const { n, r, p } = slot;
  // The upper bounds come first so that the power-of-two test below works on 32-bit integers.
  if (!isIntIn(n, 2, MAX_SCRYPT_WORK) || (n & (n - 1)) !== 0) return err(`slot ${index + 1}: scrypt N must be a power of 2 up to 2^20`);
  if (!isIntIn(r, 1, MAX_SCRYPT_WORK) || !isIntIn(p, 1, MAX_SCRYPT_P)) return err(`slot ${index + 1}: scrypt r or p out of range`);
  if (128 * r * (n + p) > MAX_SCRYPT_MEMORY) return err(`slot ${index + 1}: scrypt parameters ask for more than 128 MiB`);
  const salt = fromHex(slot.salt);
  if (salt === null || salt.length > MAX_SALT_BYTES) return err(`slot ${index + 1}: the scrypt salt is not valid hex`);
  return ok({ masterKey, n, r, p, salt });
}

/** The header and ciphertext of an encrypted vault, checked before any costly derivation. */
function parseEncrypted(header: Record<string, unknown>, db: unknown): Result<{ slots: PasswordSlot[]; content: Sealed }, OpenError> {
  if (!Array.isArray(header.slots) || header.slots.length > MAX_SLOTS) return damaged('header.slots is not a list of slots');
  const content = sealed(typeof db === 'string' ? fromBase64(db) : null, header.params);
  if (content === null) return damaged('db is not base64, or header.params has no valid nonce and tag');
  const slots: PasswordSlot[] = [];
  let work = 0;
  for (const [index, slot] of header.slots.entries()) {
    if (!isRecord(slot) || typeof slot.type !== 'number') return damaged(`slot ${index + 1} is not a slot`);
    // Raw and biometric slots (and types newer than this reader) are skipped: no password opens them.
    if (slot.type !== 1) continue;
    const parsed = passwordSlot(slot, index);
    if (!parsed.ok) return damaged(parsed.error);
    work += parsed.value.n * parsed.value.r * parsed.value.p;
    if (work > MAX_SCRYPT_WORK) return damaged('the password slots ask for more scrypt work than any Aegis file');
    slots.push(parsed.value);
  }
  if (slots.length === 0) {
    return err({ code: 'encrypted-export', detail: 'no password slot: export again from Aegis with a password, or unencrypted' });
  }
  return ok({ slots, content });
}

/** The key scrypt derives for a slot; null if scrypt refuses the parameters (they were checked). */
async function slotKey(slot: PasswordSlot, password: Uint8Array): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    const key = await scryptAsync(password, slot.salt, { N: slot.n, r: slot.r, p: slot.p, dkLen: AES_KEY_BYTES, maxmem: MAX_SCRYPT_MEMORY });
    const copy = new Uint8Array(key); // Web Crypto's typings want a plain ArrayBuffer behind it
    key.fill(0);
    return copy;
  } catch {
    return null;
  }
}

/**
 * The decrypted vault content (a JSON value, not yet checked), from an encrypted header and `db`.
 * Every password slot is tried in order: the first that opens gives the master key. A slot that
 * opens with a vault that then does not decrypt or parse is `damaged`, not a wrong password: the
 * slot's GCM tag proved the password. A null or empty password answers `password-needed` (neither
 * Aegis nor a user would set an empty one), after the header's shape is checked.
 */
export async function openAegisVault(header: Record<string, unknown>, db: unknown, password: string | null): Promise<Result<unknown, OpenError>> {
  const parsed = parseEncrypted(header, db);
  if (!parsed.ok) return parsed;
  if (password === null || password === '') return err({ code: 'password-needed', detail: 'this Aegis export is encrypted' });
  const secret = new TextEncoder().encode(password);
  try {
    for (const slot of parsed.value.slots) {
      const key = await slotKey(slot, secret);
      if (key === null) return damaged('scrypt refused the slot parameters');
      const { masterKey } = slot;
      const master = await aesGcmOpen(key, masterKey.nonce, concatBytes(masterKey.ciphertext, masterKey.tag));
      key.fill(0);
      if (master === null) continue;
      const { content } = parsed.value;
      const plain = await aesGcmOpen(master, content.nonce, concatBytes(content.ciphertext, content.tag));
      master.fill(0);
      if (plain === null) return damaged('the password opens a slot, but the vault does not decrypt with its master key');
      const json = jsonFromBytes(plain);
      plain.fill(0);
      if (json === undefined) return damaged('the decrypted vault is not JSON');
      return ok(json);
    }
  } finally {
    secret.fill(0); // best effort: the password string itself cannot be wiped
  }
  return err({ code: 'wrong-password', detail: 'the password opens none of the password slots' });
}
