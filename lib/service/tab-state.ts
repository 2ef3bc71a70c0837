/**
 * What the background remembers about each tab between its page loads (the enrollment its setup
 * page filled, refused device names, the login's user name), and the loose sealed copies of
 * enrolled accounts: in memory and in storage.session.
 */
import type { VaultEnvelopeV1 } from '../vault/envelope';
import type { ServiceContext } from './context';
import { KEYS } from './ports';

/**
 * The enrollment a tab's setup page filled, followed until ThingPark's answer settles it. The
 * account itself is in the vault from the fill on (unconfirmed, lib/keycloak/enrollment-state.ts); this
 * ties it to the tab, with a sealed copy (ciphertext only) until the vault is known to hold it.
 */
export interface TabEnrollment {
  accountId: string;
  origin: string;
  issuer: string;
  accountName: string;
  deviceName: string;
  filledAt: number;
  /** When the form was submitted (ms), or null while it is only filled. */
  submittedAt: number | null;
  /** When the tab started loading another page after the fill (tabs.onUpdated), or null. */
  leftAt: number | null;
  /**
   * The account sealed under the vault key (the vault's own envelope), written with this entry
   * before the page is answered, until the vault on disk holds the account: a background that
   * stops, or a vault write that fails, before then is made good at the next open (`afterOpen`).
   * Kept through a lock (it is ciphertext); moved to `Copies` when the entry goes before then.
   */
  copy: VaultEnvelopeV1 | null;
  /**
   * The user removed the account while its form was filled and not yet submitted: should the form
   * go all the same, ThingPark has the secret, so that submit writes it back from the copy.
   */
  removed?: boolean;
}

/**
 * Sealed copies (see TabEnrollment.copy) whose tab entry went before the vault on disk was known
 * to hold the account (a vault write had failed, or the vault was locked), by account id, in
 * storage.session: written to the vault at the next open, then dropped.
 */
export type Copies = Record<string, VaultEnvelopeV1>;

/** What the background remembers about a tab between its page loads (memory and storage.session). */
export interface TabState {
  enrollment: TabEnrollment | null;
  /** Device names Keycloak refused in this tab ("Device already exists with the same name"). */
  refusedNames: string[];
  /** The user name typed on the password page of this login. */
  username: string | null;
  /** The code last filled on an OTP page of this tab: marked used when the form is submitted. */
  lastFill?: { accountId: string; step: number } | null;
  /**
   * An OTP form submitted with the code of an unconfirmed account: the next page that is not
   * Keycloak's OTP or password page is the login accepted, which confirms the account.
   */
  loginSubmitted?: { accountId: string; at: number } | null;
}

const EMPTY_TAB: TabState = { enrollment: null, refusedNames: [], username: null };

export type TabStore = ReturnType<typeof createTabStore>;

export function createTabStore(ctx: ServiceContext) {
  const { session } = ctx;

  // Tab state: memory is the source of truth while the background runs (read from
  // storage.session once, at the first use after a start), written through to storage.session so
  // that a worker restart between a form submit and the next page does not lose a pending
  // enrollment; it is cleared on lock. The record is replaced, never mutated, so a write can
  // hold on to the version it stores. Only code inside the serial queue changes it.
  async function readTabs(): Promise<Record<string, TabState>> {
    if (ctx.tabs === null) {
      const stored = await session.get(KEYS.tabs);
      const read: Record<string, TabState> = {};
      if (typeof stored === 'object' && stored !== null) {
        for (const [id, t] of Object.entries(stored as Record<string, Partial<TabState>>)) {
          read[id] = { ...EMPTY_TAB, ...t, enrollment: t.enrollment ?? null, refusedNames: t.refusedNames ?? [] };
        }
      }
      ctx.tabs ??= read;
    }
    return ctx.tabs;
  }
  async function tabState(tabId: number): Promise<TabState> {
    return (await readTabs())[tabId] ?? EMPTY_TAB;
  }
  /**
   * Changes a tab's state. `durable`: the reply waits until storage.session holds it, and memory
   * changes only once it does (a failed write leaves both as they were and fails the request).
   * Otherwise memory changes now and the write follows in the background: for what a lost write
   * would cost little (see the callers).
   */
  async function setTabState(tabId: number, state: TabState | null, o: { durable: boolean }): Promise<void> {
    const current = await readTabs();
    const next = { ...current };
    if (state) next[tabId] = state;
    else delete next[tabId];
    if (o.durable) {
      await writeTabs(() => session.set(KEYS.tabs, next));
      ctx.tabs = next;
    } else {
      ctx.tabs = next;
      // A failure is not retried by itself: the next write stores the whole record again.
      writeTabs(() => session.set(KEYS.tabs, next)).catch(() => undefined);
    }
  }
  /** Storage writes of the tab state, one after the other in the order they were asked for. */
  function writeTabs(write: () => Promise<void>): Promise<void> {
    const run = ctx.tabWrites.then(write);
    ctx.tabWrites = run.catch(() => undefined);
    return run;
  }

  // The loose sealed copies (`Copies`): read from storage.session at each use (they exist only
  // after a failed write or a lock), written in order with the tab state.
  async function readCopies(): Promise<Copies> {
    const stored = await session.get(KEYS.copies);
    return typeof stored === 'object' && stored !== null ? (stored as Copies) : {};
  }
  /** Drops the loose copy of an account the user removed. */
  async function dropCopy(accountId: string): Promise<void> {
    const copies = await readCopies();
    if (!(accountId in copies)) return;
    const left = Object.fromEntries(Object.entries(copies).filter(([id]) => id !== accountId));
    await writeTabs(() => (Object.keys(left).length ? session.set(KEYS.copies, left) : session.remove(KEYS.copies)));
  }
  /**
   * A tab's enrollment is no longer followed: its sealed copy goes with it if the vault on disk
   * holds the account (a write is tried first) or no longer wants it (removed on proof, or by
   * the user); otherwise it is kept in `Copies` for the next open. Before the entry goes.
   */
  async function keepCopyOf(e: TabEnrollment | null): Promise<void> {
    if (!e?.copy || e.removed) return;
    const wanted = () => !ctx.unlocked || ctx.unlocked.data.accounts.some((a) => a.id === e.accountId);
    if (wanted() && !ctx.onDisk(e.accountId)) await ctx.flush().catch(() => undefined);
    if (!wanted() || ctx.onDisk(e.accountId)) return;
    const copies = { ...(await readCopies()), [e.accountId]: e.copy };
    await writeTabs(() => session.set(KEYS.copies, copies));
  }

  return { readTabs, tabState, setTabState, writeTabs, readCopies, dropCopy, keepCopyOf };
}
