import { decodeQr, pngFromDataUrl } from '@/lib/otp/qr';
import { readImageQr } from '@/utils/image-qr';

/**
 * Reads Keycloak's enrollment QR code for `page.enroll`, in the background: the setup page's
 * script sends the image's `data:` URL as the page has it, and the key URI (with its secret) is
 * decoded here, never in the page's process. Here jsQR's code is compiled once and stays warm for
 * the next setup page, where a page script would parse and run it cold on every load, and that
 * parse would delay the enrollment the user is waiting for.
 *
 * Only PNG data URLs are read (Keycloak inlines a PNG): nothing is fetched, and the size the PNG
 * declares is checked before the browser decodes it (lib/otp/qr.ts, `pngFromDataUrl`). Returns the
 * QR's text, or null when the image cannot be read.
 */
export function readSetupQr(dataUrl: string): Promise<string | null> {
  // The background answers requests one at a time (the serial queue, lib/service/context.ts): an image decode that
  // never settles must not hold up every later request, so it counts as unreadable after a while.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), READ_TIMEOUT_MS)));
  return Promise.race([read(dataUrl), late]).finally(() => clearTimeout(timer));
}

/** Keycloak's image takes ~10 ms to read here; a noisy one that holds no QR code up to ~300 ms. */
const READ_TIMEOUT_MS = 5000;

async function read(dataUrl: string): Promise<string | null> {
  const png = pngFromDataUrl(dataUrl);
  if (!png) return null;
  try {
    // At its own size: pngFromDataUrl has checked the size the PNG declares. A damaged PNG is
    // 'not-image': unreadable, like any other error.
    const text = await readImageQr(new Blob([png.bytes], { type: 'image/png' }), decodeQr);
    return text.ok ? text.value : null;
  } catch {
    return null; // out of memory for the canvas: unreadable, said so by the caller
  }
}
