/**
 * The open vault's life: reopened after a worker restart from the key in storage.session, made
 * whole once open (`afterOpen`), locked (by the user, auto-lock or a browser start), and what
 * the vault's state is for the pages that ask.
 */
import { exportKey, importKey, openVault, parseEnvelope, unlockVault, type VaultEnvelopeV1, type VaultErrorCode, type VaultKey } from '../vault/envelope';
import { parseVaultData, type StoredAccount } from '../vault/accounts';
import { applySettled, parseSettled } from '../keycloak/enrollment-state';
import { addAccount } from '../keycloak/enroll-plan';
import type { AppError } from '../protocol/errors';
import type { VaultStatus } from '../protocol/messages';
import { err, ok, type Result } from '../util/result';
import type { Caches } from './caches';
import type { ServiceContext, Unlocked } from './context';
import { AUTO_LOCK_ALARM, KEYS } from './ports';
import type { TabStore } from './tab-state';

export type Session = ReturnType<typeof createSession>;

export function createSession(ctx: ServiceContext, tabs: TabStore, caches: Caches) {
  const { deps, local, session, alarms } = ctx;
  const { readTabs, readCopies, writeTabs } = tabs;
  const { readSettings, readPolicy, defaultName } = caches;

  /**
   * After an MV3 worker restart memory is empty but `storage.session` still holds the key:
   * reopen the vault from it so the user is not locked out. A key that no longer opens the
   * stored vault is dropped (the vault stays untouched).
   */
  async function restore(): Promise<void> {
    if (ctx.unlocked) return;
    const exported = await session.get(KEYS.sessionKey);
    if (exported == null) return;
    const key = await importKey(exported);
    if (!key.ok) {
      await session.remove(KEYS.sessionKey);
      return;
    }
    const opened = await openVault<unknown>(await local.get(KEYS.vault), key.value);
    const data = opened.ok ? parseVaultData(opened.value) : null;
    if (!data?.ok) {
      await session.remove(KEYS.sessionKey);
      return;
    }
    ctx.unlocked = { key: key.value, data: data.value };
    await afterOpen();
  }

  /**
   * The open vault, reopened first if a restarted worker can (`restore`); `locked` when it is
   * not open. What it returns is what memory holds at that moment: read it before the handler
   * changes the vault itself.
   */
  async function requireUnlocked(): Promise<Result<Unlocked, AppError>> {
    await restore();
    return ctx.unlocked ? ok(ctx.unlocked) : err({ code: 'locked' });
  }

  /**
   * Once the vault is open (unlock, or a restart that reopened it): write what a stopped
   * background or a failed write may have left unwritten (an enrolled account's sealed copy, in
   * its tab's record or in `Copies`), then apply what happened to enrollments while it was
   * locked, in order (a copy of an account Keycloak refused meanwhile is added, then removed).
   */
  async function afterOpen(): Promise<void> {
    if (!ctx.unlocked) return;
    // Memory is what is stored: nothing of it waits to be written.
    ctx.dirty = false;
    let next = ctx.unlocked.data;
    const copies = await readCopies();
    const sealed: [string, VaultEnvelopeV1][] = Object.entries(copies);
    for (const state of Object.values(await readTabs())) {
      const e = state.enrollment;
      if (e?.copy && !e.removed) sealed.push([e.accountId, e.copy]);
    }
    for (const [id, copy] of sealed) {
      if (next.accounts.some((a) => a.id === id)) continue;
      const account = await openCopy(copy, ctx.unlocked.key);
      if (account) next = addAccount(next, account);
    }
    const settled = parseSettled(await session.get(KEYS.settle));
    next = applySettled(next, settled);
    if (next !== ctx.unlocked.data) {
      try {
        await ctx.save(next);
      } catch {
        // The vault is open all the same, with what the copies and the journal hold; they stay
        // until a later open finds the vault holding it (the lock writes it: `dirty`).
        ctx.unlocked = { ...ctx.unlocked, data: next };
        ctx.dirty = true;
        return;
      }
    }
    // The vault on disk holds all of it now: every loose copy is written or was removed on
    // proof (kept, one would bring back at the next open an account the journal removed).
    if (settled.length) await session.remove(KEYS.settle);
    if (Object.keys(copies).length) await writeTabs(() => session.remove(KEYS.copies));
  }

  /** A sealed copy's account, or null when this key cannot open it (another passphrase since). */
  async function openCopy(sealed: VaultEnvelopeV1, key: VaultKey): Promise<StoredAccount | null> {
    const opened = await openVault<unknown>(sealed, key);
    const data = opened.ok ? parseVaultData({ version: 2, accounts: [opened.value] }) : null;
    return data?.ok ? (data.value.accounts[0] ?? null) : null;
  }

  async function status(): Promise<VaultStatus> {
    await restore();
    const settings = await readSettings();
    const { policy, problems } = await readPolicy();
    const base = { bootId: deps.bootId, settings, defaultDeviceName: await defaultName(), policy, policyProblems: problems };
    if (ctx.unlocked) return { ...base, state: 'unlocked', accounts: ctx.unlocked.data.accounts.length };
    const stored = await local.get(KEYS.vault);
    if (stored == null) return { ...base, state: 'none', accounts: null };
    const damage = damageOf(stored);
    if (damage) return { ...base, state: 'damaged', accounts: null, damage };
    return { ...base, state: 'locked', accounts: null };
  }

  /**
   * Why a stored vault cannot be read, or null when nothing says it cannot: its shape (not a
   * vault, damaged fields, a newer version), or an earlier attempt with the right passphrase.
   */
  function damageOf(stored: unknown): VaultErrorCode | null {
    const env = parseEnvelope(stored);
    if (!env.ok) return env.error.code;
    return ctx.provenUnreadable !== null && ctx.provenUnreadable === JSON.stringify(stored) ? 'corrupt' : null;
  }

  /** An unlock that got past the key check failed on the data: the stored blob is unreadable. */
  function noteUnreadable(stored: unknown, code: string): void {
    if (code === 'corrupt') ctx.provenUnreadable = JSON.stringify(stored);
  }

  async function rememberKey(key: VaultKey): Promise<void> {
    await session.set(KEYS.sessionKey, exportKey(key));
    await scheduleAutoLock();
  }

  async function scheduleAutoLock(): Promise<void> {
    const { autoLockMinutes } = await readSettings();
    await alarms.schedule(AUTO_LOCK_ALARM, autoLockMinutes);
  }

  async function lock(): Promise<void> {
    // A background that restarted and is locking first (the auto-lock alarm woke it) reopens
    // the vault from storage.session, so that what a stopped one left unwritten is written.
    await restore();
    const wasOpen = ctx.unlocked !== null || (await session.get(KEYS.sessionKey)) != null;
    // A setup page's account written ahead must be on disk before the key goes: wait for the
    // writes on their way, and write again what one of them failed to store.
    await ctx.flush().catch(() => undefined);
    ctx.unlocked = null;
    // The tabs' enrollments stay followed (ids, names and sealed copies, no plaintext): ThingPark's
    // answer after the lock still confirms or removes the account at the next unlock, and a copy
    // the vault may not hold yet (a write failed) is written then.
    await session.remove(KEYS.sessionKey);
    await alarms.clear(AUTO_LOCK_ALARM);
    if (wasOpen) deps.onLocked?.();
  }

  /** The vault passphrase, checked against the stored vault (a full key derivation, on purpose). */
  async function confirmPassphrase(passphrase: string): Promise<AppError | null> {
    const opened = await unlockVault<unknown>(await local.get(KEYS.vault), passphrase);
    return opened.ok ? null : { code: opened.error.code, detail: opened.error.detail };
  }

  return { restore, requireUnlocked, afterOpen, openCopy, status, damageOf, noteUnreadable, rememberKey, scheduleAutoLock, lock, confirmPassphrase };
}
