// Test helper: decodes a Keycloak QR data URL (`data:image/png;base64, ...`) with pngjs + jsqr,
// the same way the extension reads the image through a canvas.

// @ts-ignore -- pngjs ships no type declarations (no @types/pngjs installed)
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';

/** @typedef {(data: Uint8ClampedArray, width: number, height: number) => {data: string}|null} JsQr */
// jsqr is a CommonJS bundle exposing the function both as module.exports and as .default.
const jsQR = /** @type {JsQr} */ (/** @type {any} */ (jsQRModule).default ?? jsQRModule);

/**
 * @param {string} dataUrl `data:image/png;base64,<b64>` with or without the space after the comma
 * @returns {{width: number, height: number, text: string|null}}
 */
export function decodeQrDataUrl(dataUrl) {
  const m = /^data:image\/png;base64,\s*([A-Za-z0-9+/=]+)$/.exec(dataUrl.trim());
  if (!m || !m[1]) throw new Error('not a base64 PNG data URL');
  const png = PNG.sync.read(Buffer.from(m[1], 'base64'));
  const qr = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  return { width: png.width, height: png.height, text: qr ? qr.data : null };
}
