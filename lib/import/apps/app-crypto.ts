/**
 * What the encrypted app formats (Aegis, 2FAS) share: strict hex, AES-256-GCM opening through Web
 * Crypto, and reading decrypted bytes as JSON. Every function answers `null` (or `undefined` for
 * JSON, where `null` is a value) instead of throwing, so that a damaged file can never escape the
 * readers as an exception.
 *
 * Pure: Web Crypto is reached through `globalThis.crypto.subtle`, a global of Node 20 too.
 */

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

/** AES-256 only: both formats use 256-bit keys, and a shorter one means a broken file. */
export const AES_KEY_BYTES = 32;
/** GCM's 96-bit nonce: what Aegis (Java's default) and 2FAS (Java, CryptoKit) write. */
export const GCM_NONCE_BYTES = 12;
/** GCM's full 128-bit tag; both formats write it and a shorter one would weaken the check. */
export const GCM_TAG_BYTES = 16;

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Decodes hex (either case, no separators, even length), or null. */
export function fromHex(text: unknown): Uint8Array<ArrayBuffer> | null {
  if (typeof text !== 'string' || !HEX.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `a` followed by `b`: Web Crypto wants the GCM tag at the end of the ciphertext. */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * AES-256-GCM decryption of `ciphertextAndTag` (the 16-byte tag last), or null when the tag does
 * not verify: a wrong key and a damaged ciphertext look the same, the caller tells them apart.
 */
export async function aesGcmOpen(
  key: Uint8Array<ArrayBuffer>,
  nonce: Uint8Array<ArrayBuffer>,
  ciphertextAndTag: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer> | null> {
  if (key.length !== AES_KEY_BYTES || nonce.length !== GCM_NONCE_BYTES || ciphertextAndTag.length < GCM_TAG_BYTES) return null;
  try {
    const cryptoKey = await subtle().importKey('raw', key, { name: 'AES-GCM' }, false, ['decrypt']);
    const plain = await subtle().decrypt({ name: 'AES-GCM', iv: nonce, tagLength: 8 * GCM_TAG_BYTES }, cryptoKey, ciphertextAndTag);
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}

/**
 * Decrypted bytes as a JSON value, or undefined when they are not UTF-8 JSON. `fatal` decoding:
 * invalid UTF-8 means a broken file, not text to repair with U+FFFD.
 */
export function jsonFromBytes(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}
