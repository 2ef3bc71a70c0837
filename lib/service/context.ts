/**
 * The vault service's mutable state, in one object that every part of the service receives (so
 * there is exactly one copy of it: never spread or destructure its fields), with what every part
 * needs to change it: the serial queue and the vault's writes.
 */
import { sealVault, type VaultKey } from '../vault/envelope';
import type { VaultData } from '../vault/accounts';
import type { AlarmPort, StorageArea, VaultServiceDeps } from './ports';
import { KEYS } from './ports';
import type { TabState } from './tab-state';

export interface Unlocked {
  key: VaultKey;
  data: VaultData;
}

export interface ServiceContext {
  readonly deps: VaultServiceDeps;
  readonly local: StorageArea;
  readonly session: StorageArea;
  readonly alarms: AlarmPort;
  readonly now: () => number;
  readonly newId: () => string;
  unlocked: Unlocked | null;
  /**
   * The stored vault (as JSON) that the right passphrase could not open: its key check matched
   * but the data did not decrypt or validate. Only an unlock attempt can prove that (without the
   * key a damaged ciphertext looks like any locked vault), so it is remembered here, in memory,
   * for as long as exactly that blob is stored; after a restart the next attempt proves it again.
   */
  provenUnreadable: string | null;
  /** The tab state (see readTabs, tab-state.ts); null until read from storage.session after a start. */
  tabs: Record<string, TabState> | null;
  tabWrites: Promise<unknown>;
  /** The vault's storage writes, in the order they were asked for (see writeVault). */
  vaultWrites: Promise<unknown>;
  /** Memory holds a change that is not yet known to be on disk (see saveSoon). */
  dirty: boolean;
  queue: Promise<unknown>;
  serial<T>(task: () => Promise<T>): Promise<T>;
  writeVault(key: VaultKey, data: VaultData): Promise<void>;
  save(next: VaultData): Promise<void>;
  saveSoon(next: VaultData): Promise<void>;
  flush(): Promise<void>;
  onDisk(accountId: string): boolean;
}

export function createContext(deps: VaultServiceDeps): ServiceContext {
  const ctx: ServiceContext = {
    deps,
    local: deps.local,
    session: deps.session,
    alarms: deps.alarms,
    now: deps.now ?? Date.now,
    newId: deps.newId ?? (() => crypto.randomUUID()),
    unlocked: null,
    provenUnreadable: null,
    tabs: null,
    tabWrites: Promise.resolve(),
    vaultWrites: Promise.resolve(),
    dirty: false,
    queue: Promise.resolve(),
    serial,
    writeVault,
    save,
    saveSoon,
    flush,
    onDisk,
  };

  // Every state change runs in this queue: two tabs or a popup and a content script must never
  // interleave a read-modify-write of the vault.
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = ctx.queue.then(task, task);
    ctx.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes `data` sealed under `key` (a fresh IV every time) once every write asked for before it
   * has landed: a later write never lands first, whether or not its caller waits for it.
   */
  function writeVault(key: VaultKey, data: VaultData): Promise<void> {
    const run = ctx.vaultWrites.then(async () => ctx.local.set(KEYS.vault, await sealVault(key, data)));
    ctx.vaultWrites = run.catch(() => undefined);
    return run;
  }

  /**
   * Persists the decrypted data after a change. Memory changes once it is written (a failed
   * write leaves it as it was and fails the request). Inside the queue only.
   */
  async function save(next: VaultData): Promise<void> {
    if (!ctx.unlocked) throw new Error('vault is locked');
    await writeVault(ctx.unlocked.key, next);
    if (ctx.unlocked) ctx.unlocked = { ...ctx.unlocked, data: next };
    ctx.dirty = false;
  }

  /**
   * Changes memory now and writes in the background, for a change the page must not wait for
   * (the setup page's write-ahead, a confirmation). A write that fails leaves memory ahead of
   * the disk (`dirty`): the next `save`, submit or lock writes it again. Inside the queue only.
   */
  function saveSoon(next: VaultData): Promise<void> {
    if (!ctx.unlocked) return Promise.reject(new Error('vault is locked'));
    ctx.unlocked = { ...ctx.unlocked, data: next };
    ctx.dirty = true;
    const written = writeVault(ctx.unlocked.key, next);
    written.then(
      () => {
        if (ctx.unlocked?.data === next) ctx.dirty = false;
      },
      () => undefined,
    );
    return written;
  }

  /** Waits for the vault writes on their way, and writes again what one of them failed to store. */
  async function flush(): Promise<void> {
    await ctx.vaultWrites;
    if (ctx.unlocked && ctx.dirty) await save(ctx.unlocked.data);
  }

  /** Whether the vault on disk holds this account (memory has it and nothing waits to be written). */
  function onDisk(accountId: string): boolean {
    return !!ctx.unlocked && !ctx.dirty && ctx.unlocked.data.accounts.some((a) => a.id === accountId);
  }

  return ctx;
}
