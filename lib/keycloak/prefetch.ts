/**
 * The OTP page's code, asked for before the page has been parsed (fill latency, measured with
 * npm run bench).
 *
 * Why: on these machines one round trip to the background during a page load takes 20–30 ms,
 * most of a fill's time, and a script can only read the page once it is parsed. So a small script
 * (entrypoints/otp-prefetch.ts) asks at document_start on Keycloak's `login-actions/authenticate`
 * pages, where the OTP page is shown, with nothing of the page: no user name, no device list, no
 * error. The background answers as for any `page.fill` (origin and realm from the sender, the
 * user name typed on this tab's password page). Once the page is read, the answer is used only if
 * it is exactly what the page itself would have been given; anything else asks again with the
 * page (`fillFromPrefetch` returns null). Measured: Firefox, whose page script runs after the
 * load event, finds the answer there and fills at once; Chromium hands the answer to the page
 * no sooner than when asked after parsing (README, performance), so there it gains little.
 *
 * Pure: no browser globals.
 */
import type { FillReply, FillRequest } from '../protocol/page';
import type { Reply } from '../protocol/messages';
import { same, sameLabel } from './names';

/** The request sent before the page is known: nothing read from it. */
export const PREFETCH_REQUEST: FillRequest = Object.freeze({
  attemptedUsername: null,
  devices: [],
  chosenAccountId: null,
  clockOffsetMs: null,
  pageError: null,
}) as FillRequest;

export type Fill = Extract<FillReply, { kind: 'fill' }>;

/**
 * The prefetched fill as the page's own request would have had it, or null to ask with the page.
 * The background picks by origin and realm, then the user name, then (with a device list) the
 * newest of that user's accounts that the page lists. Without the page it picked by the
 * remembered user name and the newest account; that is the same account when:
 * - the page shows no user name, or the same user's (a user name that differs, or none
 *   remembered with several users, asks again);
 * - the page lists no devices, or lists this account's device (its credential is selected).
 * Keycloak's error on the page forbids submitting by itself, as the background would have said.
 * `elapsedMs`: since the request was sent (the code's remaining time is counted from then).
 */
export function fillFromPrefetch(
  reply: Reply<'page.fill'> | null,
  page: { attemptedUsername: string | null; devices: readonly { id: string; label: string }[]; error: string | null },
  elapsedMs: number,
): Fill | null {
  if (!reply?.ok || reply.value?.kind !== 'fill') return null;
  const fill = reply.value;
  // The code's remaining time was counted when it was made; a form shown late by scripts may
  // come after its step has ended.
  const validForMs = fill.validForMs === null ? null : fill.validForMs - elapsedMs;
  if (validForMs !== null && validForMs <= 0) return null;
  if (page.attemptedUsername && !same(page.attemptedUsername, fill.accountName)) return null;
  let deviceId: string | null = null;
  if (page.devices.length > 0) {
    const device = page.devices.find((d) => sameLabel(d.label, fill.deviceName));
    if (!device) return null;
    deviceId = device.id;
  }
  return { ...fill, deviceId, validForMs, autoSubmit: fill.autoSubmit && !page.error };
}
