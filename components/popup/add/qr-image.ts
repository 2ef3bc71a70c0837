/**
 * Reads the QR code in an image the user picked, dropped or pasted, inside the popup: the file is
 * decoded by the browser (createImageBitmap), drawn to a canvas, and its pixels go to lib/otp/qr.ts.
 * Nothing leaves the extension page.
 */
import { err, ok, type Result } from '@/lib/util/result';

export type ImageReadError = 'not-image' | 'no-qr' | 'empty-image';

/**
 * Photos are drawn at most this wide/high before decoding: a QR code in a screenshot or photo
 * keeps several pixels per module at this size, and jsQR's cost grows with the pixel count
 * (lib/otp/qr.ts refuses anything above 4096x4096 outright).
 */
const MAX_SIDE = 2000;

/**
 * The first image among dropped or pasted data. Some pastes list an image only as an item of
 * kind 'file' and not in `files` (e.g. an image copied from a web page in some browsers).
 */
export function firstImage(data: DataTransfer | null | undefined): File | null {
  if (!data) return null;
  for (const file of data.files) if (file.type.startsWith('image/')) return file;
  for (const item of data.items) {
    if (item.kind !== 'file' || !item.type.startsWith('image/')) continue;
    const file = item.getAsFile();
    if (file) return file;
  }
  return null;
}

export async function readQrFromImage(file: Blob): Promise<Result<string, ImageReadError>> {
  // An empty type is allowed: some systems give none for a valid image; the decoder decides.
  if (file.type !== '' && !file.type.startsWith('image/')) return err('not-image');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return err('not-image');
  }
  try {
    if (bitmap.width === 0 || bitmap.height === 0) return err('empty-image');
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const pixels = drawPixels(bitmap, width, height);
    if (!pixels) return err('empty-image');
    // Loaded on first use: jsQR is the largest module we have and most popups never need it.
    const { decodeQr } = await import('@/lib/otp/qr');
    const text = decodeQr(pixels);
    if (text.ok) return ok(text.value);
    return err(text.error.code === 'not-found' ? 'no-qr' : 'empty-image');
  } finally {
    bitmap.close();
  }
}

/** The bitmap drawn at `width` x `height`, as pixels (an OffscreenCanvas where there is one: workers). */
export function drawPixels(bitmap: ImageBitmap, width: number, height: number): ImageData | null {
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
