/**
 * A stand-in for the setup page's QR image in the background's unit tests: the "image" carries
 * its text, and `fakeReadQr` (the `readQr` dependency) gives it back. The real reader
 * (entrypoints/background/setup-qr.ts: lib/otp/qr.ts in the browser) is tested in qr.test.ts and
 * end to end in both browsers (tests/e2e/enroll.e2e.ts).
 */
const PREFIX = 'fake-qr:';

export const fakeQrImage = (text: string): string => PREFIX + text;

/** An image that shows no readable QR code. */
export const UNREADABLE_QR = 'fake-qr-unreadable';

export const fakeReadQr = async (image: string): Promise<string | null> =>
  image.startsWith(PREFIX) ? image.slice(PREFIX.length) : null;
