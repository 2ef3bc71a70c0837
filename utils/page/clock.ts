import { clockOffset } from '@/lib/otp/clock';

/**
 * The server's clock offset (ms) from the `Date` header of a HEAD request to `url` on the page's
 * own origin: the only request the extension ever makes, and HEAD has no side effects by HTTP's
 * rules. Null when it fails or the header is missing.
 */
export async function measureClockOffset(url: string): Promise<number | null> {
  if (new URL(url).origin !== location.origin) return null;
  try {
    const sentAt = Date.now();
    // A redirect is not followed: it could lead to another origin, and the extension asks only
    // the page's own server. The redirect itself is opaque, so that page gives no measurement.
    const response = await fetch(url, { method: 'HEAD', credentials: 'omit', cache: 'no-store', redirect: 'manual' });
    const receivedAt = Date.now();
    const date = response.headers.get('date');
    return date ? clockOffset(date, sentAt, receivedAt) : null;
  } catch {
    return null;
  }
}
