/**
 * Standard base64 (RFC 4648 §4, with `=` padding) for `Uint8Array`.
 *
 * Why not `Buffer`: `lib/` must run in extension backgrounds, which have no Node modules.
 * Why not `atob`/`btoa`: they work on "binary strings", and `atob` is lenient (it skips
 * whitespace and accepts missing padding) and throws on bad input. The vault needs the opposite:
 * a strict decoder that returns `null`, so that every byte string has exactly one accepted
 * encoding and a tampered stored field cannot slip through as an "equivalent" spelling.
 * Replace with `Uint8Array.fromBase64`/`toBase64` (TC39 proposal) once every supported runtime,
 * including Node 20 for the unit tests, has them.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Char code → 6-bit value, or -1 for characters outside the alphabet. */
const DECODE_TABLE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Encodes bytes as padded standard base64 (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Decodes padded standard base64. Returns `null` (never throws) unless the input is canonical:
 * length a multiple of 4, only alphabet characters, `=` only as the final one or two characters,
 * and zero unused bits before the padding (RFC 4648 §3.5 lets decoders reject non-zero ones).
 */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (typeof text !== 'string' || text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const body = text.length - padding;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < body; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE_TABLE[code]! : -1;
    if (value < 0) return null; // also rejects a stray '=' in the middle
    acc = (acc << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  // Whatever is left over must be zero bits, otherwise two strings would decode to the same bytes.
  if (acc !== 0) return null;
  return out;
}
