/**
 * Reads the QR code in an image the user picked, dropped or pasted, inside the popup (the reading
 * itself, shared with the background, is utils/image-qr.ts). Nothing leaves the extension page.
 */
import type { Result } from '@/lib/util/result';
import { readImageQr, type ImageReadError } from '../../../utils/image-qr';

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

/** The QR code's text in an image the user gave (see MAX_SIDE for its size). */
export function readQrFromImage(file: Blob): Promise<Result<string, ImageReadError>> {
  // Loaded on first use: jsQR is the largest module we have and most popups never need it.
  return readImageQr(file, async (pixels) => (await import('@/lib/otp/qr')).decodeQr(pixels), MAX_SIDE);
}
