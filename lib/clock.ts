/**
 * The server's clock, as content scripts measure it: kept apart from the OTP code (lib/login.ts)
 * so that the script on every ThingPark page stays small.
 */

/**
 * Server clock offset from its `Date` header (1 s resolution) measured around a request sent at
 * `sentAt` and answered at `receivedAt` (local ms). The header's second could be anywhere in its
 * second, so the middle of it is the best estimate.
 */
export function clockOffset(dateHeader: string, sentAt: number, receivedAt: number): number | null {
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server)) return null;
  return server + 500 - (sentAt + receivedAt) / 2;
}

/** Offsets within this are noise (the header's resolution plus the round trip). */
export const SKEW_TOLERANCE_MS = 2000;
