/**
 * What becomes of an account the extension enrolled, from the moment it filled ThingPark's setup
 * form. Pure: the background (lib/service/: handlers/page.ts, settle.ts) decides which event a page or tab event is,
 * and applies it here to the decrypted vault, or remembers it while the vault is locked.
 *
 * Why the account is kept from the fill on: Keycloak registers the OTP device while it handles
 * the setup form's POST, before it sends any page back. From the moment Submit leaves the browser
 * with a valid code, the secret may be the user's only way into ThingPark, whatever the browser
 * does next (tab closed, lock, crash). So an entry is removed only on proof that ThingPark does
 * not have it; anything else keeps it, unconfirmed, for the user to see. A kept secret ThingPark
 * refused costs a click to remove; a dropped secret ThingPark accepted locks the user out.
 */
import type { ConfirmEvidence, StoredAccount, VaultData } from '../vault/accounts';

export type EnrollmentEvent =
  /** The setup form was submitted with what we filled. */
  | { type: 'submitted'; at: number }
  /** ThingPark showed it has the device (see ConfirmEvidence). */
  | { type: 'confirmed'; by: ConfirmEvidence; at: number }
  /** Keycloak showed the setup page again, with its error, after our submit: it has nothing. */
  | { type: 'refused'; at: number }
  /** The user pressed Keycloak's Cancel: the form went without the code, nothing registered. */
  | { type: 'cancelled'; at: number }
  /**
   * Never submitted, and then its tab closed without leaving the page, or the page showed a new
   * secret in its place: that secret never reached ThingPark.
   */
  | { type: 'abandoned'; at: number };

/**
 * The account after `event`: the same object when nothing changes, a changed copy, or null when
 * the event proves ThingPark does not have it. Accounts that are not unconfirmed enrollments
 * (added by hand, imported, already confirmed) never change and are never removed here.
 */
export function applyEnrollmentEvent(account: StoredAccount, event: EnrollmentEvent): StoredAccount | null {
  const e = account.enrollment;
  if (!e || e.confirmed) return account;
  switch (event.type) {
    case 'submitted':
      return e.submittedAt === null ? { ...account, enrollment: { ...e, submittedAt: event.at } } : account;
    case 'confirmed':
      return { ...account, enrollment: { ...e, confirmed: { at: event.at, by: event.by } } };
    case 'refused':
      // The error page is Keycloak's answer to a submit only if there was one.
      return e.submittedAt !== null ? null : account;
    case 'cancelled':
      return null;
    case 'abandoned':
      return e.submittedAt === null ? null : account;
  }
}

/** `applyEnrollmentEvent` on the vault's account `accountId`; the same object when nothing changes. */
export function applyToVault(data: VaultData, accountId: string, event: EnrollmentEvent): VaultData {
  const i = data.accounts.findIndex((a) => a.id === accountId);
  if (i < 0) return data;
  const before = data.accounts[i]!;
  const after = applyEnrollmentEvent(before, event);
  if (after === before) return data;
  const accounts = after ? data.accounts.map((a, j) => (j === i ? after : a)) : data.accounts.filter((_, j) => j !== i);
  return { ...data, accounts };
}

/** Events kept while the vault was locked, applied in the order they happened. */
export interface SettleEntry {
  accountId: string;
  event: EnrollmentEvent;
}

export function applySettled(data: VaultData, entries: readonly SettleEntry[]): VaultData {
  return entries.reduce((d, { accountId, event }) => applyToVault(d, accountId, event), data);
}

/** A settle journal as stored (storage.session): only well-formed entries, in order. */
export function parseSettled(raw: unknown): SettleEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter((x): x is SettleEntry => {
    const e = (x as SettleEntry | null)?.event;
    return typeof (x as SettleEntry | null)?.accountId === 'string' && typeof e?.type === 'string' && typeof e.at === 'number';
  });
}
