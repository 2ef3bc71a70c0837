/**
 * The background's vault: the only place that decrypts. Browser APIs come in as small ports
 * (ports.ts) so that the state machine (create, unlock, lock, auto-lock, worker restart, browser
 * restart) is unit-tested in plain Node with in-memory stores.
 *
 * This file is the front: it builds the one shared state (context.ts) and the parts that work on
 * it, merges the handler groups (handlers/) into one table, answers requests one at a time and
 * takes the browser's events.
 */
import type { VaultData } from '../vault/accounts';
import type { Caller } from '../protocol/access';
import { allowedFor } from '../protocol/access';
import type { Message, MessageType, Reply } from '../protocol/messages';
import type { AppError } from '../protocol/errors';
import { err, ok, type Result } from '../util/result';
import { createCaches } from './caches';
import { createContext } from './context';
import { AUTO_LOCK_ALARM, KEYS, type VaultServiceDeps } from './ports';
import { createSession } from './session';
import { createSettling, platformOf } from './settle';
import { pageMark, type PageMark } from '../keycloak/login';
import { createTabStore } from './tab-state';
import { accountHandlers } from './handlers/accounts';
import { backupHandlers } from './handlers/backup';
import type { Handlers } from './handlers/handler';
import { pageHandlers } from './handlers/page';
import { createPlatforms, platformHandlers } from './handlers/platforms';
import { settingsHandlers } from './handlers/settings';
import { vaultHandlers } from './handlers/vault';

export function createVaultService(deps: VaultServiceDeps) {
  const ctx = createContext(deps);
  const { serial } = ctx;
  const caches = createCaches(deps);
  const tabs = createTabStore(ctx);
  const session = createSession(ctx, tabs, caches);
  const settling = createSettling(ctx, tabs, session);
  const platforms = createPlatforms(ctx, caches);
  const { restore, requireUnlocked, scheduleAutoLock, lock } = session;
  const { syncPlatforms } = platforms;
  const { userSettingsCache, policyCache } = caches;

  const handlers = {
    ...vaultHandlers(ctx, session),
    ...settingsHandlers(ctx, session, caches),
    ...accountHandlers(ctx, session, tabs),
    ...platformHandlers(ctx, session, platforms),
    ...backupHandlers(ctx, session, caches),
    ...pageHandlers(ctx, session, tabs, caches, settling),
  } satisfies Handlers;

  /** The administrator's policy changed: platforms follow it, and a shorter auto-lock applies now. */
  function onPolicyChanged(): Promise<void> {
    policyCache.invalidate();
    return serial(async () => {
      await syncPlatforms();
      await restore();
      if (ctx.unlocked) await scheduleAutoLock();
    }).catch(() => undefined);
  }

  return {
    /** Answers one request; every failure, including unexpected ones, comes back as a value. */
    handle<K extends MessageType>(message: Message<K>, caller: Caller): Promise<Reply<K>> {
      if (!allowedFor(caller, message.type)) {
        return Promise.resolve(err({ code: 'forbidden' }) as Reply<K>);
      }
      return serial(async () => {
        try {
          const handler = handlers[message.type] as (m: Message<K>, c: Caller) => Promise<Reply<K>>;
          const reply = await handler(message, caller);
          // Use of the vault from the extension's own pages counts as activity for auto-lock.
          if (caller.kind === 'extension-page' && ctx.unlocked && message.type !== 'vault.lock') {
            await scheduleAutoLock();
          }
          return reply;
        } catch (e) {
          // Messages of storage or crypto failures never carry secrets; keep only the name.
          return err({ code: 'internal', detail: (e as Error)?.name ?? 'Error' }) as Reply<K>;
        }
      });
    },
    /**
     * Resolves once every vault write asked for so far has landed (or failed): the ones the pages
     * do not wait for (see saveSoon). For tests that compare what is stored.
     */
    async settled(): Promise<void> {
      await serial(async () => undefined);
      await ctx.vaultWrites;
    },
    onAlarm(name: string): Promise<void> {
      return name === AUTO_LOCK_ALARM ? serial(lock) : Promise.resolve();
    },
    /**
     * The toolbar's look when the background starts: unlocked, locked, or no vault yet. Lighter
     * than vault.status (no settings, policy or device name), which matters because every wake
     * of the background asks, ahead of the page request that woke it; and not the user's activity.
     */
    vaultLook(): Promise<'none' | 'locked' | 'unlocked'> {
      return serial(async () => {
        await restore();
        if (ctx.unlocked) return 'unlocked';
        return (await ctx.local.get(KEYS.vault)) == null ? 'none' : 'locked';
      });
    },
    /**
     * After an unlock: the toolbar marks of the tabs already open on a page one of our accounts
     * belongs to (their pages reported while locked, when the accounts were unknown).
     */
    pageMarks(tabs: readonly { tabId: number; url: string }[]): Promise<{ tabId: number; mark: PageMark }[]> {
      return serial(async () => {
        const accounts = ctx.unlocked?.data.accounts;
        if (!accounts) return [];
        return tabs.flatMap(({ tabId, url }) => {
          if (!/^https?:/.test(url)) return [];
          const { origin, realm } = platformOf(url);
          const mark = pageMark(accounts, origin, realm);
          return mark === 'none' ? [] : [{ tabId, mark }];
        });
      });
    },
    /** Background start, and a host permission the user revoked or granted in the browser. */
    syncPlatforms(): Promise<void> {
      // Called from browser events with nobody to tell: a failure is retried at the next event
      // or start (platforms.add reports its own failures to the page).
      return serial(syncPlatforms).catch(() => undefined);
    },
    onPolicyChanged,
    /**
     * `storage.onChanged`: what is kept in memory follows what another context (or the
     * administrator) wrote. Our own writes come back here too; dropping the cache then is harmless.
     */
    onStorageChanged(area: string, keys: string[]): Promise<void> {
      if (area === 'local' && keys.includes(KEYS.settings)) userSettingsCache.invalidate();
      if (area === 'managed') return onPolicyChanged();
      return Promise.resolve();
    },
    /** A browser start: whatever a previous run left unlocked is locked now. */
    onBrowserStartup(): Promise<void> {
      return serial(lock);
    },
    /** Read-modify-write of the accounts under the queue; a failed write comes back as a value. */
    update(change: (data: VaultData) => VaultData): Promise<Result<VaultData, AppError>> {
      return serial(async () => {
        const vault = await requireUnlocked();
        if (!vault.ok) return vault;
        const next = change(structuredClone(vault.value.data));
        try {
          await ctx.save(next);
        } catch (e) {
          return err({ code: 'storage-failed', detail: (e as Error)?.name ?? 'Error' } as AppError);
        }
        return ok(next);
      });
    },
    // The browser's tab events (settle.ts says what each one settles), in the queue like requests.
    onTabNavigating(tabId: number, at: number): Promise<void> {
      return serial(() => settling.tabNavigating(tabId, at));
    },
    onTabLoaded(tabId: number, loadedAt: number, url?: string): Promise<void> {
      return serial(() => settling.tabLoaded(tabId, loadedAt, url));
    },
    onTabRemoved(tabId: number): Promise<void> {
      return serial(() => settling.tabRemoved(tabId));
    },
  };
}

export type VaultService = ReturnType<typeof createVaultService>;
