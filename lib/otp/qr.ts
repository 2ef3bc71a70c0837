/**
 * QR reading: turns the pixels of Keycloak's enrollment QR (`img#kc-totp-secret-qr-code`, a 246x246
 * PNG data URL) into the text it encodes, normally the `otpauth://` key URI. Checking that text is
 * the caller's job (`parseOtpauthUri` in `./otp`); this file only reads the symbol.
 *
 * Pure: the input is an `ImageData`-like `{ data, width, height }` (RGBA, row-major, what
 * `CanvasRenderingContext2D.getImageData()` returns), so the unit tests feed it pngjs-decoded PNGs
 * in plain Node. The content script draws the image to a canvas and passes the pixels in; the
 * image is a data URL, so the canvas is not tainted.
 *
 * It runs on the setup page inside a ~100 ms budget for the whole enrollment, so the common case,
 * Keycloak's own crisp black-on-white PNG, is decoded by the first, cheapest attempt (median ~10 ms
 * for 246x246 in Node 20), and the fallbacks only cost time when that attempt fails. Failing is
 * slower: jsQR's finder-pattern search is slow on noisy images (a 246x246 random-noise image takes
 * ~150-300 ms to come back `not-found`), so callers should not hold the page up waiting for it.
 */

import jsQR from 'jsqr';
import { err, ok, type Result } from '../util/result';
import { fromBase64 } from '../util/base64';

/** RGBA pixels, row-major: `data.length === width * height * 4`. `ImageData` fits. */
export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * - `too-large`: more than `MAX_QR_PIXELS` pixels; refused before any work.
 * - `empty-image`: dimensions not positive integers, or `data` not `width * height * 4` bytes.
 * - `not-found`: no readable QR code in the image.
 */
export type QrErrorCode = 'too-large' | 'empty-image' | 'not-found';
export interface QrError {
  code: QrErrorCode;
}

/**
 * Images above 4096x4096 (16.7 MP, 64 MiB of RGBA) are refused unread: Keycloak's QR is 246x246,
 * and jsQR on an image this size would block the page for seconds.
 */
export const MAX_QR_PIXELS = 4096 * 4096;

/** Above this longest side the image is box-filtered down for a last attempt. */
const LARGE_SIDE = 600;
/**
 * Downscaling brings the longest side to at most this (200-300 px for inputs up to 4096 px):
 * about the size of Keycloak's own 246 px image, which jsQR reads best and fastest.
 */
const DOWNSCALE_MAX_SIDE = 300;
/** Below this longest side the image is enlarged 2x for a last attempt. */
const SMALL_SIDE = 150;

/**
 * Decodes the QR code in `img` and returns its text (jsQR's `code.data`). Never throws.
 *
 * Attempts, cheapest first, stopping at the first success:
 * 1. the image as is, dark modules on a light background (Keycloak's PNG: decoded here);
 * 2. the image with its colours inverted (light-on-dark QR, e.g. a dark theme or CSS `filter: invert`);
 * 3. only if the longest side is > 600 px: box-filtered down by an integer factor, then 1 and 2 again;
 *    only if it is < 150 px: enlarged 2x (nearest neighbour), then 1 and 2 again.
 * Pixels that are not fully opaque are first composited over white (see `opaqueOverWhite`).
 */
export function decodeQr(img: Pixels): Result<string, QrError> {
  const { width, height } = img;
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) return err({ code: 'empty-image' });
  // Before touching `data`: a caller must not be able to make us loop over (or allocate for) a
  // size it merely declares.
  if (width * height > MAX_QR_PIXELS) return err({ code: 'too-large' });
  // Length only, no `instanceof Uint8ClampedArray`: Firefox content scripts see page objects (a
  // canvas they create included) through Xray wrappers, and a typed array from another
  // compartment can fail `instanceof` against our global while reading fine.
  if (img.data == null || img.data.length !== width * height * 4) return err({ code: 'empty-image' });

  const base = opaqueOverWhite(img);
  let text = scanBothPolarities(base);
  if (text === null) {
    const side = Math.max(width, height);
    // Large images (the QR enlarged by page zoom or a HiDPI canvas, a screenshot): jsQR does no
    // smoothing of its own (it thresholds each pixel against its 8x8-block neighbourhood and
    // matches finder patterns by pixel run lengths), so per-pixel noise that is harmless at
    // Keycloak's size breaks it at 3x (e.g. +-120 grey levels at 615 px, see the unit tests).
    // Averaging f x f blocks cancels the noise, keeps the modules (several pixels wide here) and
    // makes these attempts cheaper. Not done first: on a big image holding a small QR it could
    // shrink the modules below a pixel.
    if (side > LARGE_SIDE) {
      const small = downscale(base, Math.ceil(side / DOWNSCALE_MAX_SIDE));
      if (small) text = scanBothPolarities(small);
    }
    // Small images: at ~2 px per module, once smoothing has greyed the module edges (Keycloak's
    // image drawn at half size with bilinear filtering), jsQR misses the finder patterns; the
    // same pixels doubled (nearest neighbour, nothing invented) read fine.
    else if (side < SMALL_SIDE) text = scanBothPolarities(upscale2x(base));
  }
  return text === null ? err({ code: 'not-found' }) : ok(text);
}

function isPositiveInteger(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0;
}

/** Attempts 1 and 2 on one image. */
function scanBothPolarities(img: Pixels): string | null {
  // Our own inversion rather than jsQR's `inversionAttempts: 'onlyInvert'`, which in 1.4.0 never
  // builds the inverted matrix and throws (cozmo/jsQR#118, #181); `'attemptBoth'` would redo the
  // plain scan we just did.
  return scan(img) ?? scan(invert(img));
}

/** One jsQR pass, plain polarity only. */
function scan(img: Pixels): string | null {
  try {
    // Always pass `inversionAttempts`: jsQR 1.4.0 writes the options into its shared defaults
    // object (cozmo/jsQR#117), so a call relying on the default would get the last caller's choice.
    const code = jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
    return code ? code.data : null;
  } catch {
    // jsQR reports some failures by throwing rather than returning null (its binarizer's
    // "Malformed data" check, `onlyInvert` above); whatever the cause, for us it is "no QR here".
    return null;
  }
}

/**
 * Returns an opaque copy of `img` as it would look on a white page, or `img` itself if it is
 * already opaque (the common case: no copy).
 *
 * jsQR reads only R, G and B. A PNG with a transparent background comes out of `getImageData()`
 * as (0, 0, 0, 0) where it is clear, because canvases store premultiplied colour, so jsQR would
 * see black modules on a black background and find nothing. Compositing over white gives what
 * the user (and a phone camera) sees on Keycloak's white page.
 */
function opaqueOverWhite(img: Pixels): Pixels {
  const src = img.data;
  let opaque = true;
  for (let i = 3; i < src.length; i += 4) {
    if (src[i] !== 255) {
      opaque = false;
      break;
    }
  }
  if (opaque) return img;
  const out = new Uint8ClampedArray(src.length);
  for (let i = 0; i < src.length; i += 4) {
    const a = src[i + 3]!;
    // c' = c*a + 255*(1-a), written as 255 - (255-c)*a to need one multiplication per channel.
    out[i] = 255 - ((255 - src[i]!) * a) / 255;
    out[i + 1] = 255 - ((255 - src[i + 1]!) * a) / 255;
    out[i + 2] = 255 - ((255 - src[i + 2]!) * a) / 255;
    out[i + 3] = 255;
  }
  return { data: out, width: img.width, height: img.height };
}

/** Colour negative (alpha kept opaque): light-on-dark codes become dark-on-light. */
function invert(img: Pixels): Pixels {
  const src = img.data;
  const out = new Uint8ClampedArray(src.length);
  for (let i = 0; i < src.length; i += 4) {
    out[i] = 255 - src[i]!;
    out[i + 1] = 255 - src[i + 1]!;
    out[i + 2] = 255 - src[i + 2]!;
    out[i + 3] = 255;
  }
  return { data: out, width: img.width, height: img.height };
}

/**
 * Box filter by an integer `factor` >= 2: each output pixel is the mean of a factor x factor
 * block (leftover edge pixels dropped). `null` if nothing is left (a very thin strip).
 */
function downscale(img: Pixels, factor: number): Pixels | null {
  const f = Math.max(2, factor);
  const w = Math.floor(img.width / f);
  const h = Math.floor(img.height / f);
  if (w === 0 || h === 0) return null;
  const src = img.data;
  const out = new Uint8ClampedArray(w * h * 4);
  const n = f * f;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < f; dy++) {
        let i = ((y * f + dy) * img.width + x * f) * 4;
        for (let dx = 0; dx < f; dx++, i += 4) {
          r += src[i]!;
          g += src[i + 1]!;
          b += src[i + 2]!;
        }
      }
      const o = (y * w + x) * 4;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
      out[o + 3] = 255;
    }
  }
  return { data: out, width: w, height: h };
}

/** Nearest-neighbour 2x enlargement: every pixel becomes a 2x2 square, edges stay sharp. */
function upscale2x(img: Pixels): Pixels {
  const w = img.width * 2;
  const h = img.height * 2;
  const src = img.data;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    const srcRow = (y >> 1) * img.width;
    for (let x = 0; x < w; x++) {
      const i = (srcRow + (x >> 1)) * 4;
      const o = (y * w + x) * 4;
      out[o] = src[i]!;
      out[o + 1] = src[i + 1]!;
      out[o + 2] = src[i + 2]!;
      out[o + 3] = 255;
    }
  }
  return { data: out, width: w, height: h };
}

export interface PngImage {
  bytes: Uint8Array<ArrayBuffer>;
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The PNG inside a `data:image/png;base64,` URL (Keycloak's `img#kc-totp-secret-qr-code`), with the
 * size its header declares, or null for anything else: another image type, bad base64, no PNG
 * header, no size, or more than `MAX_QR_PIXELS`. The size is checked before any decoding, so a
 * small file that declares a huge image (a decompression bomb) costs nothing. Whitespace in the
 * base64 is allowed: Keycloak's template writes `base64, ` with a space.
 */
export function pngFromDataUrl(url: string): PngImage | null {
  if (typeof url !== 'string') return null;
  const match = /^data:image\/png(?:;[^,;]*=[^,;]*)*;base64,/i.exec(url);
  if (!match) return null;
  const bytes = fromBase64(url.slice(match[0].length).replace(/\s+/g, ''));
  // Signature (8 bytes), then the IHDR chunk: length (4), type (4), width (4), height (4).
  if (!bytes || bytes.length < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0 || width * height > MAX_QR_PIXELS) return null;
  return { bytes, width, height };
}
