/**
 * The server's clock, as content scripts measure it: kept apart from the OTP code (lib/keycloak/login.ts)
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

/** The offset codes are computed with: `offset` when it is more than noise, else 0 (our clock). */
export function effectiveOffset(offset: number | null): number {
  return offset !== null && Math.abs(offset) > SKEW_TOLERANCE_MS ? offset : 0;
}

/**
 * Whether a code computed with offset `used` must be asked for again now that the page has
 * `measured` the server's clock: they disagree by more than noise. Both ways: the background may
 * have used an offset it remembered for this platform that no longer holds (this computer's
 * clock was corrected since).
 */
export function needsClockCorrection(measured: number | null, used: number): boolean {
  return measured !== null && Math.abs(effectiveOffset(measured) - used) > SKEW_TOLERANCE_MS;
}
