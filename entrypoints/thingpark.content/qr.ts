import type { decodeQr } from '@/lib/qr';
import { request } from '@/components/client';

type Decode = typeof decodeQr;
const slot = globalThis as { __thingparkAutofillDecodeQr?: Decode };

/**
 * Reads the enrollment QR image: returns its text, or null when it cannot be read. Only data:
 * URLs are read (Keycloak inlines the PNG): fetching anything would be a network request the
 * extension promises not to make, and a cross-origin image would taint the canvas anyway.
 */
export async function readQr(img: HTMLImageElement): Promise<string | null> {
  const src = img.getAttribute('src') ?? '';
  if (!/^data:image\//i.test(src.trim())) return null;
  if (!slot.__thingparkAutofillDecodeQr) {
    const loaded = await request('page.loadQrReader', {});
    if (!loaded.ok || !slot.__thingparkAutofillDecodeQr) return null;
  }
  const pixels = await pixelsOf(src.trim());
  if (!pixels) return null;
  const decoded = slot.__thingparkAutofillDecodeQr(pixels);
  return decoded.ok ? decoded.value : null;
}

/** Draws a fresh copy of the image (not the page's element, which scripts could swap) to a canvas. */
async function pixelsOf(src: string): Promise<ImageData | null> {
  const image = new Image();
  image.src = src;
  try {
    await image.decode();
  } catch {
    return null;
  }
  const { naturalWidth: width, naturalHeight: height } = image;
  if (!width || !height || width * height > 4096 * 4096) return null;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return null;
  context.drawImage(image, 0, 0);
  try {
    return context.getImageData(0, 0, width, height);
  } catch {
    return null; // tainted or out of memory: unreadable, said so by the caller
  }
}
