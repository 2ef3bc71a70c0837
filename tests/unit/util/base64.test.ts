/**
 * lib/util/base64.ts, the strict codec of the vault's stored fields (also used for QR images
 * and Google exports): Node's Buffer is the oracle for the encoding, and every other spelling of
 * the same bytes is refused.
 */
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../../lib/util/base64';

describe('base64', () => {
  it('matches Node Buffer for lengths 0..64', () => {
    for (let n = 0; n <= 64; n++) {
      const b = crypto.getRandomValues(new Uint8Array(n));
      const expected = Buffer.from(b).toString('base64'); // Buffer only as a test oracle
      expect(toBase64(b)).toBe(expected);
      expect(fromBase64(expected)).toStrictEqual(b);
    }
  });

  it.each([
    ['abc'], // not a multiple of 4
    ['ab=c'], // padding in the middle
    ['===='],
    ['a==='],
    ['QR=='], // non-zero unused bits: not canonical ('QQ==' is)
    ['QUJ='], // non-zero unused bits: not canonical ('QUI=' is)
    ['QQ==\n'],
    [' QQ='],
    ['-_-_'], // URL-safe alphabet
    ['QQé='],
  ])('rejects %j with null', (s) => {
    expect(fromBase64(s)).toBeNull();
  });

  it('accepts canonical padding forms', () => {
    expect(fromBase64('')).toStrictEqual(new Uint8Array(0));
    expect(fromBase64('QQ==')).toStrictEqual(new Uint8Array([0x41]));
    expect(fromBase64('QUI=')).toStrictEqual(new Uint8Array([0x41, 0x42]));
  });
});
