/**
 * Which accounts belong to the platform a tab shows, and the popup's order that follows from it.
 * Apart from lib/vault/accounts.ts (which parses stored accounts, with the OTP code behind it) so that
 * the popup's first bundle does not carry those parsers.
 */

/** A platform as a tab shows it: its origin (null when not a web page) and Keycloak realm. */
export interface PlatformRef {
  origin: string | null;
  realm: string | null;
}

/** Same platform: same origin, and the same realm when both are known (as the filler decides). */
export function onPlatform(a: { origin: string; realm: string | null }, p: PlatformRef | null): boolean {
  return !!p?.origin && a.origin === p.origin && (!a.realm || !p.realm || a.realm === p.realm);
}

/**
 * The popup's order: the accounts of platform `p` (the current tab's) first, then the others,
 * each part in the order given (list order). One pass, no sorting.
 */
export function platformFirst<T extends { origin: string; realm: string | null }>(list: readonly T[], p: PlatformRef | null): T[] {
  if (!p?.origin) return list.slice();
  const here: T[] = [];
  const rest: T[] = [];
  for (const a of list) (onPlatform(a, p) ? here : rest).push(a);
  return here.length ? here.concat(rest) : rest;
}
