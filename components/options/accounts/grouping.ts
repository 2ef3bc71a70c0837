import type { AccountSummary } from '@/lib/protocol/messages';

/** An account prepared once per load: the name lists show and the lowercase text a filter looks in. */
export interface ManagedAccount extends AccountSummary {
  /** The label, or the account name when there is none (what the popup shows too). */
  name: string;
  haystack: string;
}

/** The label with the user name it stands for, in sentences that must be unambiguous (confirmations). */
export function fullName(a: ManagedAccount): string {
  return a.label ? `${a.label} (${a.accountName})` : a.accountName;
}

export interface AccountGroup {
  origin: string;
  accounts: ManagedAccount[];
}

export function prepare(accounts: readonly AccountSummary[]): ManagedAccount[] {
  return accounts.map((a) => ({
    ...a,
    name: a.label ?? a.accountName,
    haystack: [a.label ?? '', a.accountName, a.issuer, a.origin, a.realm ?? '', a.deviceName].join('\n').toLowerCase(),
  }));
}

/**
 * Accounts by platform (exact origin), platforms in alphabetical order of their address, and in
 * each the accounts by the name shown, then by user name. Runs once per load, not per keystroke.
 */
export function groupByOrigin(accounts: readonly ManagedAccount[]): AccountGroup[] {
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  const byOrigin = new Map<string, ManagedAccount[]>();
  for (const a of accounts) {
    const list = byOrigin.get(a.origin);
    if (list) list.push(a);
    else byOrigin.set(a.origin, [a]);
  }
  return [...byOrigin]
    .sort(([x], [y]) => collator.compare(x, y))
    .map(([origin, list]) => ({
      origin,
      accounts: list.sort(
        (x, y) => collator.compare(x.name, y.name) || collator.compare(x.accountName, y.accountName) || collator.compare(x.issuer, y.issuer),
      ),
    }));
}

/** The groups keeping only accounts whose text holds every word of the query; empty groups go. */
export function filterGroups(groups: readonly AccountGroup[], query: string): AccountGroup[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return groups as AccountGroup[];
  return groups
    .map((g) => ({ origin: g.origin, accounts: g.accounts.filter((a) => words.every((w) => a.haystack.includes(w))) }))
    .filter((g) => g.accounts.length > 0);
}

/**
 * The fresh list, with the previous objects kept for accounts that did not change: their
 * memoised rows then skip rendering, so a reload after one change redraws one row, not hundreds.
 */
export function keepUnchanged(old: ManagedAccount[] | null, fresh: ManagedAccount[]): ManagedAccount[] {
  if (!old) return fresh;
  const byId = new Map(old.map((a) => [a.id, a]));
  return fresh.map((a) => {
    const before = byId.get(a.id);
    return before && SHOWN.every((k) => before[k] === a[k]) && sameUnconfirmed(before.unconfirmed, a.unconfirmed) ? before : a;
  });
}

/** The fields a row shows or an editor starts from (and `unconfirmed`, compared by value). */
const SHOWN = ['label', 'accountName', 'issuer', 'origin', 'realm', 'deviceName'] as const;

/** Same mark: both confirmed, or waiting since the same fill and submit. */
function sameUnconfirmed(x: AccountSummary['unconfirmed'], y: AccountSummary['unconfirmed']): boolean {
  return x === y || (!!x && !!y && x.filledAt === y.filledAt && x.submittedAt === y.submittedAt);
}
