/**
 * The background's vault: the only place that decrypts. Browser APIs come in as small ports so
 * that the state machine (create, unlock, lock, auto-lock, worker restart, browser restart) is
 * unit-tested in plain Node with in-memory stores.
 */
import {
  changePassphrase,
  checkPassphrase,
  createVault,
  exportKey,
  importKey,
  openVault,
  parseEnvelope,
  sealVault,
  unlockVault,
  type VaultKey,
} from './vault';
import { EMPTY_VAULT, parseVaultData, type VaultData } from './accounts';
import { DEFAULT_SETTINGS, mergeSettings, type Settings } from './settings';
import {
  allowedFor,
  type AppError,
  type Caller,
  type Message,
  type MessageType,
  type Protocol,
  type Reply,
  type VaultStatus,
} from './protocol';
import { err, ok, type Result } from './result';

/** A key-value storage area (`storage.local` or `storage.session`). */
export interface StorageArea {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface AlarmPort {
  schedule(name: string, delayMinutes: number): Promise<void>;
  clear(name: string): Promise<void>;
}

export interface VaultServiceDeps {
  local: StorageArea;
  session: StorageArea;
  alarms: AlarmPort;
  bootId: string;
  /** Only tests lower this; production always uses the vault's default (600,000). */
  kdf?: { iterations: number; allowWeakKdfForTests: true };
}

export const KEYS = { vault: 'vault', settings: 'settings', sessionKey: 'vaultKey' } as const;
export const AUTO_LOCK_ALARM = 'auto-lock';

interface Unlocked {
  key: VaultKey;
  data: VaultData;
}

export function createVaultService(deps: VaultServiceDeps) {
  const { local, session, alarms } = deps;
  let unlocked: Unlocked | null = null;
  // Every state change runs in this queue: two tabs or a popup and a content script must never
  // interleave a read-modify-write of the vault.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  async function readSettings(): Promise<Settings> {
    return mergeSettings(DEFAULT_SETTINGS, await local.get(KEYS.settings));
  }

  /**
   * After an MV3 worker restart memory is empty but `storage.session` still holds the key:
   * reopen the vault from it so the user is not locked out. A key that no longer opens the
   * stored vault is dropped (the vault stays untouched).
   */
  async function restore(): Promise<void> {
    if (unlocked) return;
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
    unlocked = { key: key.value, data: data.value };
  }

  async function status(): Promise<VaultStatus> {
    await restore();
    const settings = await readSettings();
    const base = { bootId: deps.bootId, settings };
    if (unlocked) return { ...base, state: 'unlocked', accounts: unlocked.data.accounts.length };
    const stored = await local.get(KEYS.vault);
    if (stored == null) return { ...base, state: 'none', accounts: null };
    const env = parseEnvelope(stored);
    if (!env.ok) return { ...base, state: 'damaged', accounts: null, damage: env.error.code };
    return { ...base, state: 'locked', accounts: null };
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
    unlocked = null;
    await session.remove(KEYS.sessionKey);
    await alarms.clear(AUTO_LOCK_ALARM);
  }

  type Handlers = {
    [K in MessageType]: (m: Message<K>) => Promise<Result<Protocol[K]['res'], AppError>>;
  };

  const handlers: Handlers = {
    'vault.status': async () => ok(await status()),

    'vault.create': async ({ passphrase, confirm }) => {
      // Never overwrite: a damaged vault is still the user's data.
      if ((await local.get(KEYS.vault)) != null) return err({ code: 'vault-exists' });
      const strong = checkPassphrase(passphrase);
      if (!strong.ok) return err(strong.error);
      if (passphrase !== confirm) return err({ code: 'passphrase-mismatch' });
      const created = await createVault<VaultData>(passphrase, EMPTY_VAULT, deps.kdf);
      if (!created.ok) return err(created.error);
      await local.set(KEYS.vault, created.value.envelope);
      unlocked = { key: created.value.key, data: structuredClone(EMPTY_VAULT) };
      await rememberKey(created.value.key);
      return ok(await status());
    },

    'vault.unlock': async ({ passphrase }) => {
      const stored = await local.get(KEYS.vault);
      if (stored == null) return err({ code: 'no-vault' });
      const opened = await unlockVault<unknown>(stored, passphrase);
      if (!opened.ok) return err(opened.error);
      const data = parseVaultData(opened.value.data);
      if (!data.ok) return err({ code: 'corrupt', detail: data.error });
      unlocked = { key: opened.value.key, data: data.value };
      await rememberKey(opened.value.key);
      return ok(await status());
    },

    'vault.lock': async () => {
      await lock();
      return ok(await status());
    },

    'vault.changePassphrase': async ({ oldPassphrase, newPassphrase, confirm }) => {
      const stored = await local.get(KEYS.vault);
      if (stored == null) return err({ code: 'no-vault' });
      const strong = checkPassphrase(newPassphrase);
      if (!strong.ok) return err(strong.error);
      if (newPassphrase !== confirm) return err({ code: 'passphrase-mismatch' });
      const changed = await changePassphrase<unknown>(stored, oldPassphrase, newPassphrase, deps.kdf);
      if (!changed.ok) return err(changed.error);
      const data = parseVaultData(changed.value.data);
      if (!data.ok) return err({ code: 'corrupt', detail: data.error });
      // storage.set replaces the key atomically: until it resolves the old blob is what is stored.
      await local.set(KEYS.vault, changed.value.envelope);
      unlocked = { key: changed.value.key, data: data.value };
      await rememberKey(changed.value.key);
      return ok(await status());
    },

    'settings.update': async ({ settings }) => {
      const current = await readSettings();
      const next = mergeSettings(current, settings);
      for (const [field, value] of Object.entries(settings)) {
        const kept = next[field as keyof Settings];
        const wanted = typeof value === 'string' ? value.trim() : value;
        if (!(field in current) || kept !== wanted) {
          return err({ code: 'bad-request', detail: `invalid setting: ${field}` });
        }
      }
      await local.set(KEYS.settings, next);
      if (unlocked && next.autoLockMinutes !== current.autoLockMinutes) await scheduleAutoLock();
      return ok(await status());
    },
  };

  /** Persists the decrypted data after a change (fresh IV on every write). */
  async function save(next: VaultData): Promise<void> {
    if (!unlocked) throw new Error('vault is locked');
    const envelope = await sealVault(unlocked.key, next);
    await local.set(KEYS.vault, envelope);
    unlocked = { ...unlocked, data: next };
  }

  return {
    /** Answers one request; every failure, including unexpected ones, comes back as a value. */
    handle<K extends MessageType>(message: Message<K>, caller: Caller): Promise<Reply<K>> {
      if (!allowedFor(caller, message.type)) {
        return Promise.resolve(err({ code: 'forbidden' }) as Reply<K>);
      }
      return serial(async () => {
        try {
          const handler = handlers[message.type] as (m: Message<K>) => Promise<Reply<K>>;
          const reply = await handler(message);
          // Use of the vault from the extension's own pages counts as activity for auto-lock.
          if (caller.kind === 'extension-page' && unlocked && message.type !== 'vault.lock') {
            await scheduleAutoLock();
          }
          return reply;
        } catch (e) {
          // Messages of storage or crypto failures never carry secrets; keep only the name.
          return err({ code: 'internal', detail: (e as Error)?.name ?? 'Error' }) as Reply<K>;
        }
      });
    },
    onAlarm(name: string): Promise<void> {
      return name === AUTO_LOCK_ALARM ? serial(lock) : Promise.resolve();
    },
    /** A browser start: whatever a previous run left unlocked is locked now. */
    onBrowserStartup(): Promise<void> {
      return serial(lock);
    },
    /** For later features (enrollment, fill): read-modify-write under the queue. */
    update(change: (data: VaultData) => VaultData): Promise<Result<VaultData, AppError>> {
      return serial(async () => {
        await restore();
        if (!unlocked) return err({ code: 'locked' } as AppError);
        const next = change(structuredClone(unlocked.data));
        await save(next);
        return ok(next);
      });
    },
  };
}

export type VaultService = ReturnType<typeof createVaultService>;
