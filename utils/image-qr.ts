/**
 * The QR code in an image, read by an extension page (the popup) or by the background: the
 * browser decodes the image (createImageBitmap), it is drawn to a canvas, and its pixels go to the
 * QR decoder (lib/otp/qr.ts, `decodeQr`). Nothing leaves the extension.
 *
 * The decoder is a parameter, not an import: jsQR is the largest module we have, so the popup
 * loads it only once an image is there (a dynamic import), while the background has it in its
 * bundle already.
 */
import type { Pixels, QrError } from '@/lib/otp/qr';
import { err, ok, type Result } from '@/lib/util/result';

export type ImageReadError = 'not-image' | 'no-qr' | 'empty-image';

/** lib/otp/qr.ts's `decodeQr`, or a function that loads it first and then calls it. */
export type QrDecoder = (pixels: Pixels) => Result<string, QrError> | Promise<Result<string, QrError>>;

/**
 * Reads the QR code in `image`, drawn at most `maxSide` wide/high (scaled down, proportions
 * kept; Infinity: as it is). An image the browser cannot decode is 'not-image' (a damaged file
 * too); an image of no pixels, or one the decoder refuses (too large), 'empty-image'. Errors
 * while drawing or decoding (out of memory for the canvas) are thrown: the caller decides.
 */
export async function readImageQr(image: Blob, decode: QrDecoder, maxSide = Infinity): Promise<Result<string, ImageReadError>> {
  // An empty type is allowed: some systems give none for a valid image; the decoder decides.
  if (image.type !== '' && !image.type.startsWith('image/')) return err('not-image');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(image);
  } catch {
    return err('not-image');
  }
  try {
    if (bitmap.width === 0 || bitmap.height === 0) return err('empty-image');
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const pixels = drawPixels(bitmap, width, height);
    if (!pixels) return err('empty-image');
    const text = await decode(pixels);
    if (text.ok) return ok(text.value);
    return err(text.error.code === 'not-found' ? 'no-qr' : 'empty-image');
  } finally {
    bitmap.close();
  }
}

/** The bitmap drawn at `width` x `height`, as pixels (an OffscreenCanvas where there is one: workers). */
function drawPixels(bitmap: ImageBitmap, width: number, height: number): ImageData | null {
  // willReadFrequently: a CPU-backed canvas, so getImageData does not read back from the GPU.
  if (typeof OffscreenCanvas !== 'undefined') {
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!ctx) return null;
    ctx.drawImage(bitmap, 0, 0, width, height);
    return ctx.getImageData(0, 0, width, height);
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.drawImage(bitmap, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height);
}
