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
  type VaultEnvelopeV1,
  type VaultKey,
} from '../vault/envelope';
import { platformFirst } from '../platforms/on-platform';
import { EMPTY_VAULT, inListOrder, isUnconfirmed, parseVaultData, type StoredAccount, type VaultData } from '../vault/accounts';
import { applySettled, applyToVault, parseSettled, type EnrollmentEvent } from '../keycloak/enrollment-state';
import { same, sameLabel } from '../keycloak/names';
import { addAccount, planEnrollment } from '../keycloak/enroll-plan';
import { realmFromUrl } from '../keycloak/page-detection';
import { secondsLeft } from '../otp/otp';
import { codeNow, displayCode, markUsed, pickAccount } from '../keycloak/login';
import { effectiveOffset } from '../otp/clock';
import { normalizeOrigin, planAdditions, sameAuthenticator } from '../import/additions';
import { MAX_BACKUP_BYTES, openBackup, plainExport, planImport, sealBackup } from '../vault/backup';
import { findSameHost, isBuiltIn, matchPatternFor, parsePlatformUrl, parseStoredPlatforms, scriptIdFor, type StoredPlatform } from '../platforms/self-hosted';
import { accountToUri } from '../otp/otp';
import { DEFAULT_SETTINGS, mergeSettings, type Settings } from '../settings/settings';
import { effectiveSettings, forbiddenChanges, NO_POLICY, parsePolicy, type Policy } from '../settings/policy';
import { allowedFor, type Caller } from '../protocol/access';
import { RESET_CONFIRM, type AccountCode, type AccountSummary, type Message, type MessageType, type PlatformSummary, type Protocol, type Reply, type VaultStatus } from '../protocol/messages';
import type { AppError } from '../protocol/errors';
import type { PageKind } from '../protocol/page';
import type { VaultErrorCode } from '../vault/envelope';
import { err, ok, type Result } from '../util/result';

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
  /** The generated device name for this browser ("ThingPark Autofill · Firefox on Linux"). */
  defaultDeviceName: () => Promise<string>;
  /** Injects the generic filler into a tab's top frame (false when the browser refuses). */
  fillTab: (tabId: number, accountId: string | null) => Promise<boolean>;
  /** Injects the setup page's script into one frame's content-script world. */
  loadQrReader: (tabId: number, frameId: number) => Promise<void>;
  /**
   * Reads a setup page's QR image (`PageEvidence.qrImage`): its text, or null when it cannot be
   * read. The background's is entrypoints/background/setup-qr.ts.
   */
  readQr: (image: string) => Promise<string | null>;
  /** What the administrator set in managed storage (`storage.managed`); absent: no policy. */
  managed?: () => Promise<unknown>;
  /** Host permissions and registered content scripts for self-hosted platforms. */
  platforms: PlatformPort;
  /** Called after the vault was unlocked (pages waiting to fill are told). */
  onUnlocked?: () => void;
  /** Called when an open vault was locked (by the user, auto-lock or a browser start): open pages update. */
  onLocked?: () => void;
  now?: () => number;
  newId?: () => string;
}

/** The browser's side of a self-hosted platform: its host permission and our content script there. */
export interface PlatformPort {
  /** Does the browser currently grant this match pattern? */
  permitted(pattern: string): Promise<boolean>;
  /** Gives the host permission back (no-op if not held). */
  release(pattern: string): Promise<void>;
  /** Registers our content script for the pattern, persisted across browser restarts. */
  register(id: string, pattern: string): Promise<void>;
  unregister(id: string): Promise<void>;
  /** Ids of the content scripts registered at run time. */
  registered(): Promise<string[]>;
}

/**
 * The enrollment a tab's setup page filled, followed until ThingPark's answer settles it. The
 * account itself is in the vault from the fill on (unconfirmed, lib/keycloak/enrollment-state.ts); this
 * ties it to the tab, with a sealed copy (ciphertext only) until the vault is known to hold it.
 */
interface TabEnrollment {
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
type Copies = Record<string, VaultEnvelopeV1>;

/** What the background remembers about a tab between its page loads (memory and storage.session). */
interface TabState {
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

export const KEYS = {
  vault: 'vault',
  settings: 'settings',
  sessionKey: 'vaultKey',
  tabs: 'tabs',
  platforms: 'platforms',
  /** Enrollment events that happened while the vault was locked (lib/keycloak/enrollment-state.ts). */
  settle: 'settle',
  /** Sealed copies of enrolled accounts until the vault on disk holds them (`Copies`). */
  copies: 'copies',
} as const;
export const AUTO_LOCK_ALARM = 'auto-lock';

interface Unlocked {
  key: VaultKey;
  data: VaultData;
}

export function createVaultService(deps: VaultServiceDeps) {
  const { local, session, alarms } = deps;
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  let unlocked: Unlocked | null = null;
  /**
   * The stored vault (as JSON) that the right passphrase could not open: its key check matched
   * but the data did not decrypt or validate. Only an unlock attempt can prove that (without the
   * key a damaged ciphertext looks like any locked vault), so it is remembered here, in memory,
   * for as long as exactly that blob is stored; after a restart the next attempt proves it again.
   */
  let provenUnreadable: string | null = null;
  /** The tab state (see readTabs); null until read from storage.session after a start. */
  let tabs: Record<string, TabState> | null = null;
  let tabWrites: Promise<unknown> = Promise.resolve();
  /** The vault's storage writes, in the order they were asked for (see writeVault). */
  let vaultWrites: Promise<unknown> = Promise.resolve();
  /** Memory holds a change that is not yet known to be on disk (see saveSoon). */
  let dirty = false;
  const clockOffsets = new Map<string, number>();
  /**
   * The platform's clock minus ours, to compute its codes with: measured by its pages (the
   * `Date` header) and remembered here per origin (memory only), so that the next page gets the
   * right code at once. 0 while unknown or within the header's noise.
   */
  function serverOffset(origin: string, measured: number | null): number {
    if (measured != null) clockOffsets.set(origin, measured);
    return effectiveOffset(measured ?? clockOffsets.get(origin) ?? null);
  }
  // Every state change runs in this queue: two tabs or a popup and a content script must never
  // interleave a read-modify-write of the vault.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  // Settings and the policy are read on every page message (fill, enroll): they are kept in
  // memory and dropped when they change (storage.onChanged, see onStorageChanged, and our own
  // settings.update write), so the common case answers without a storage round trip.
  const userSettingsCache = memo(async () => mergeSettings(DEFAULT_SETTINGS, await local.get(KEYS.settings)));
  const policyCache = memo(async (): Promise<{ policy: Policy; problems: string[] }> => {
    if (!deps.managed) return { policy: NO_POLICY, problems: [] };
    try {
      return parsePolicy(await deps.managed());
    } catch {
      return { policy: NO_POLICY, problems: [] };
    }
  });
  // The browser and platform do not change while the background runs.
  const generatedNameCache = memo(() => deps.defaultDeviceName());

  /** The user's own settings, as stored. */
  function readUserSettings(): Promise<Settings> {
    return userSettingsCache.get();
  }

  /** The administrator's policy; unreadable managed storage (Firefox without one) is no policy. */
  function readPolicy(): Promise<{ policy: Policy; problems: string[] }> {
    return policyCache.get();
  }

  /** The settings in force: the user's, within the policy. */
  async function readSettings(): Promise<Settings> {
    return effectiveSettings(await readUserSettings(), (await readPolicy()).policy);
  }

  /** The device name used when the user set none: the administrator's, else the generated one. */
  async function defaultName(): Promise<string> {
    return (await readPolicy()).policy.deviceName ?? (await generatedNameCache.get());
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
    await afterOpen();
  }

  /**
   * Once the vault is open (unlock, or a restart that reopened it): write what a stopped
   * background or a failed write may have left unwritten (an enrolled account's sealed copy, in
   * its tab's record or in `Copies`), then apply what happened to enrollments while it was
   * locked, in order (a copy of an account Keycloak refused meanwhile is added, then removed).
   */
  async function afterOpen(): Promise<void> {
    if (!unlocked) return;
    // Memory is what is stored: nothing of it waits to be written.
    dirty = false;
    let next = unlocked.data;
    const copies = await readCopies();
    const sealed: [string, VaultEnvelopeV1][] = Object.entries(copies);
    for (const state of Object.values(await readTabs())) {
      const e = state.enrollment;
      if (e?.copy && !e.removed) sealed.push([e.accountId, e.copy]);
    }
    for (const [id, copy] of sealed) {
      if (next.accounts.some((a) => a.id === id)) continue;
      const account = await openCopy(copy, unlocked.key);
      if (account) next = addAccount(next, account);
    }
    const settled = parseSettled(await session.get(KEYS.settle));
    next = applySettled(next, settled);
    if (next !== unlocked.data) {
      try {
        await save(next);
      } catch {
        // The vault is open all the same, with what the copies and the journal hold; they stay
        // until a later open finds the vault holding it (the lock writes it: `dirty`).
        unlocked = { ...unlocked, data: next };
        dirty = true;
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

  /** Whether the vault on disk holds this account (memory has it and nothing waits to be written). */
  function onDisk(accountId: string): boolean {
    return !!unlocked && !dirty && unlocked.data.accounts.some((a) => a.id === accountId);
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
    const wanted = () => !unlocked || unlocked.data.accounts.some((a) => a.id === e.accountId);
    if (wanted() && !onDisk(e.accountId)) await flush().catch(() => undefined);
    if (!wanted() || onDisk(e.accountId)) return;
    const copies = { ...(await readCopies()), [e.accountId]: e.copy };
    await writeTabs(() => session.set(KEYS.copies, copies));
  }

  async function status(): Promise<VaultStatus> {
    await restore();
    const settings = await readSettings();
    const { policy, problems } = await readPolicy();
    const base = { bootId: deps.bootId, settings, defaultDeviceName: await defaultName(), policy, policyProblems: problems };
    if (unlocked) return { ...base, state: 'unlocked', accounts: unlocked.data.accounts.length };
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
    return provenUnreadable !== null && provenUnreadable === JSON.stringify(stored) ? 'corrupt' : null;
  }

  /** An unlock that got past the key check failed on the data: the stored blob is unreadable. */
  function noteUnreadable(stored: unknown, code: string): void {
    if (code === 'corrupt') provenUnreadable = JSON.stringify(stored);
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
    const wasOpen = unlocked !== null || (await session.get(KEYS.sessionKey)) != null;
    // A setup page's account written ahead must be on disk before the key goes: wait for the
    // writes on their way, and write again what one of them failed to store.
    await flush().catch(() => undefined);
    unlocked = null;
    // The tabs' enrollments stay followed (ids, names and sealed copies, no plaintext): ThingPark's
    // answer after the lock still confirms or removes the account at the next unlock, and a copy
    // the vault may not hold yet (a write failed) is written then.
    await session.remove(KEYS.sessionKey);
    await alarms.clear(AUTO_LOCK_ALARM);
    if (wasOpen) deps.onLocked?.();
  }

  // Tab state: memory is the source of truth while the background runs (read from
  // storage.session once, at the first use after a start), written through to storage.session so
  // that a worker restart between a form submit and the next page does not lose a pending
  // enrollment; it is cleared on lock. The record is replaced, never mutated, so a write can
  // hold on to the version it stores. Only code inside the serial queue changes it.
  async function readTabs(): Promise<Record<string, TabState>> {
    if (tabs === null) {
      const stored = await session.get(KEYS.tabs);
      const read: Record<string, TabState> = {};
      if (typeof stored === 'object' && stored !== null) {
        for (const [id, t] of Object.entries(stored as Record<string, Partial<TabState>>)) {
          read[id] = { ...EMPTY_TAB, ...t, enrollment: t.enrollment ?? null, refusedNames: t.refusedNames ?? [] };
        }
      }
      tabs ??= read;
    }
    return tabs;
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
      tabs = next;
    } else {
      tabs = next;
      // A failure is not retried by itself: the next write stores the whole record again.
      writeTabs(() => session.set(KEYS.tabs, next)).catch(() => undefined);
    }
  }
  /** Storage writes of the tab state, one after the other in the order they were asked for. */
  function writeTabs(write: () => Promise<void>): Promise<void> {
    const run = tabWrites.then(write);
    tabWrites = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes `data` sealed under `key` (a fresh IV every time) once every write asked for before it
   * has landed: a later write never lands first, whether or not its caller waits for it.
   */
  function writeVault(key: VaultKey, data: VaultData): Promise<void> {
    const run = vaultWrites.then(async () => local.set(KEYS.vault, await sealVault(key, data)));
    vaultWrites = run.catch(() => undefined);
    return run;
  }

  /**
   * Persists the decrypted data after a change. Memory changes once it is written (a failed
   * write leaves it as it was and fails the request). Inside the queue only.
   */
  async function save(next: VaultData): Promise<void> {
    if (!unlocked) throw new Error('vault is locked');
    await writeVault(unlocked.key, next);
    if (unlocked) unlocked = { ...unlocked, data: next };
    dirty = false;
  }

  /**
   * Changes memory now and writes in the background, for a change the page must not wait for
   * (the setup page's write-ahead, a confirmation). A write that fails leaves memory ahead of
   * the disk (`dirty`): the next `save`, submit or lock writes it again. Inside the queue only.
   */
  function saveSoon(next: VaultData): Promise<void> {
    if (!unlocked) return Promise.reject(new Error('vault is locked'));
    unlocked = { ...unlocked, data: next };
    dirty = true;
    const written = writeVault(unlocked.key, next);
    written.then(
      () => {
        if (unlocked?.data === next) dirty = false;
      },
      () => undefined,
    );
    return written;
  }

  /**
   * An enrollment event: applied to the vault now (`now`: awaited; `soon`: written in the
   * background), or, while the vault is locked, kept in storage.session for the next unlock.
   * Returns whether the vault was open.
   */
  async function settleEnrollment(accountId: string, event: EnrollmentEvent, write: 'now' | 'soon'): Promise<boolean> {
    if (unlocked) {
      const next = applyToVault(unlocked.data, accountId, event);
      if (next !== unlocked.data) await (write === 'now' ? save(next) : saveSoon(next).catch(() => undefined));
      return true;
    }
    const journal = parseSettled(await session.get(KEYS.settle));
    await session.set(KEYS.settle, [...journal, { accountId, event }]);
    return false;
  }

  /** The vault passphrase, checked against the stored vault (a full key derivation, on purpose). */
  async function confirmPassphrase(passphrase: string): Promise<AppError | null> {
    const opened = await unlockVault<unknown>(await local.get(KEYS.vault), passphrase);
    return opened.ok ? null : { code: opened.error.code, detail: opened.error.detail };
  }

  /** The platforms the user added (stored). */
  async function readPlatforms(): Promise<StoredPlatform[]> {
    return parseStoredPlatforms(await local.get(KEYS.platforms));
  }

  /** The user's platforms and the administrator's (which the user cannot remove). */
  async function allPlatforms(): Promise<(StoredPlatform & { managed: boolean })[]> {
    const mine = (await readPlatforms()).map((p) => ({ ...p, managed: false }));
    const { policy } = await readPolicy();
    const preset = policy.platforms
      .filter((origin) => !isBuiltIn(origin))
      .map((origin) => ({ origin, addedAt: 0, managed: true }));
    const out: (StoredPlatform & { managed: boolean })[] = [];
    for (const p of [...preset, ...mine]) if (!findSameHost(out, p.origin)) out.push(p);
    return out;
  }

  async function platformList(): Promise<PlatformSummary[]> {
    const platforms = await allPlatforms();
    return Promise.all(
      platforms.map(async (p) => ({
        origin: p.origin,
        addedAt: p.addedAt,
        managed: p.managed,
        accounts: unlocked ? unlocked.data.accounts.filter((a) => a.origin === p.origin).length : null,
        permitted: await deps.platforms.permitted(matchPatternFor(p.origin)),
      })),
    );
  }

  /**
   * Makes the registered content scripts match the stored platforms whose permission the browser
   * still grants (after a restart, an update, or the user revoking a site in the browser).
   */
  async function syncPlatforms(): Promise<void> {
    const platforms = await allPlatforms();
    const wanted = new Map<string, string>();
    for (const p of platforms) {
      const pattern = matchPatternFor(p.origin);
      if (await deps.platforms.permitted(pattern)) wanted.set(scriptIdFor(p.origin), pattern);
    }
    const registered = new Set(await deps.platforms.registered());
    for (const id of registered) if (!wanted.has(id)) await deps.platforms.unregister(id);
    for (const [id, pattern] of wanted) if (!registered.has(id)) await deps.platforms.register(id, pattern);
  }

  /** The administrator's policy changed: platforms follow it, and a shorter auto-lock applies now. */
  function onPolicyChanged(): Promise<void> {
    policyCache.invalidate();
    return serial(async () => {
      await syncPlatforms();
      await restore();
      if (unlocked) await scheduleAutoLock();
    }).catch(() => undefined);
  }

  type Handlers = {
    [K in MessageType]: (m: Message<K>, caller: Caller) => Promise<Result<Protocol[K]['res'], AppError>>;
  };
  type PageSeenValue = Protocol['page.seen']['res'];

  /**
   * What a page of this tab tells of the tab's last enrollment and last login (`kind`: the page
   * now shown; `setupError`: Keycloak's error on a setup page; `sentAt`: when the page spoke,
   * null when unknown). A page that spoke before the submit says nothing of Keycloak's answer
   * to it (a report delivered late, after a restart). Returns what the page tells the user.
   */
  async function settleTab(caller: { tabId: number; url: string }, kind: PageKind, setupError: string | null, sentAt: number | null): Promise<PageSeenValue> {
    const state = await tabState(caller.tabId);
    const origin = platformOf(caller.url).origin;
    const after = (t: number) => sentAt === null || sentAt >= t;
    let next = state;
    let reply: PageSeenValue = { saved: null, refused: false };

    // Keycloak's own pages without a form (an expired page, its error page) say nothing of either.
    if (kind === 'none' && isKeycloakFlowPage(caller.url)) return reply;

    // A login with an unconfirmed account's code: the first page after that submit settles it.
    // Any page but Keycloak's OTP or password page is ThingPark letting the user in with it; the
    // OTP page again is Keycloak refusing the code (and a code typed after that is not ours).
    const login = state.loginSubmitted;
    if (login && after(login.at)) {
      next = { ...next, loginSubmitted: null };
      if (kind !== 'login' && kind !== 'otp') await settleEnrollment(login.accountId, { type: 'confirmed', by: 'login-accepted', at: now() }, 'soon');
    }

    const e = state.enrollment;
    if (e && e.origin === origin && e.submittedAt !== null && after(e.submittedAt)) {
      next = { ...next, enrollment: null };
      const names = { issuer: e.issuer, accountName: e.accountName };
      if (kind === 'setup' && setupError) {
        // Keycloak refused the code or the device name: it registered nothing. The account goes;
        // a refused device name is not offered again in this tab.
        await settleEnrollment(e.accountId, { type: 'refused', at: now() }, 'now');
        next.refusedNames = [...state.refusedNames, e.deviceName];
        reply = { saved: null, refused: true };
      } else if (kind !== 'setup' && kind !== 'login') {
        const open = await settleEnrollment(e.accountId, { type: 'confirmed', by: 'next-page', at: now() }, 'now');
        next.refusedNames = [];
        reply = open ? { saved: { ...names, deviceName: e.deviceName }, refused: false } : { saved: null, refused: false, kept: names };
      }
      // The setup page again without an error, or the password page (the login restarted):
      // neither says whether ThingPark has the device. It stays, unconfirmed; a later login
      // confirms it.
    } else if (e && e.submittedAt === null && e.leftAt !== null && sentAt !== null && sentAt > e.leftAt && kind !== 'setup') {
      // The tab left the filled page without a submit we know of (a page's own script can
      // submit a form without the event we hold): ThingPark may have it. Kept, unconfirmed,
      // and no longer this tab's. A setup page next replaces it (page.enroll).
      next = { ...next, enrollment: null };
    }
    if (next !== state) {
      if (!next.enrollment) await keepCopyOf(state.enrollment);
      await setTabState(caller.tabId, next, { durable: true });
    }
    return reply;
  }

  /**
   * A later OTP page lists devices: each unconfirmed account of this user whose device name it
   * lists is one ThingPark has. Written in the background: the page must not wait for it.
   */
  function confirmListed(origin: string, realm: string | null, user: string | null, devices: readonly { label: string }[]): void {
    if (!unlocked || !user || devices.length === 0) return;
    let next = unlocked.data;
    for (const a of next.accounts) {
      if (!isUnconfirmed(a) || a.origin !== origin || (realm !== null && a.realm !== null && a.realm !== realm)) continue;
      if (same(a.accountName, user) && devices.some((d) => sameLabel(d.label, a.deviceName))) {
        next = applyToVault(next, a.id, { type: 'confirmed', by: 'device-listed', at: now() });
      }
    }
    if (next !== unlocked.data) saveSoon(next).catch(() => undefined);
  }

  /** Waits for the vault writes on their way, and writes again what one of them failed to store. */
  async function flush(): Promise<void> {
    await vaultWrites;
    if (unlocked && dirty) await save(unlocked.data);
  }

  const handlers: Handlers = {
    'vault.status': async () => ok(await status()),

    'vault.create': async ({ passphrase, confirm }) => {
      // Never overwrite: a damaged vault is still the user's data.
      const existing = await local.get(KEYS.vault);
      if (existing != null) {
        // The same request twice (a double click, or a message the browser delivered again
        // while starting the background): the vault it asked for is there and open.
        if (unlocked && passphrase === confirm && (await unlockVault(existing, passphrase)).ok) return ok(await status());
        return err({ code: 'vault-exists' });
      }
      const strong = checkPassphrase(passphrase);
      if (!strong.ok) return err(strong.error);
      if (passphrase !== confirm) return err({ code: 'passphrase-mismatch' });
      const created = await createVault<VaultData>(passphrase, EMPTY_VAULT, deps.kdf);
      if (!created.ok) return err(created.error);
      await local.set(KEYS.vault, created.value.envelope);
      unlocked = { key: created.value.key, data: structuredClone(EMPTY_VAULT) };
      await rememberKey(created.value.key);
      deps.onUnlocked?.();
      return ok(await status());
    },

    'vault.unlock': async ({ passphrase }) => {
      const stored = await local.get(KEYS.vault);
      if (stored == null) return err({ code: 'no-vault' });
      const opened = await unlockVault<unknown>(stored, passphrase);
      if (!opened.ok) {
        noteUnreadable(stored, opened.error.code);
        return err(opened.error);
      }
      const data = parseVaultData(opened.value.data);
      if (!data.ok) {
        noteUnreadable(stored, 'corrupt');
        return err({ code: 'corrupt', detail: data.error });
      }
      unlocked = { key: opened.value.key, data: data.value };
      await rememberKey(opened.value.key);
      await afterOpen();
      deps.onUnlocked?.();
      return ok(await status());
    },

    'vault.lock': async () => {
      await lock();
      return ok(await status());
    },

    'vault.exportRaw': async () => {
      await restore();
      const stored = await local.get(KEYS.vault);
      if (stored == null) return err({ code: 'no-vault' });
      const damage = unlocked ? null : damageOf(stored);
      if (!damage) return err({ code: 'not-damaged' });
      // What storage.local.get returns for the vault's key, as JSON: the stored value itself,
      // not a re-encoding of what we understood of it.
      return ok({ text: JSON.stringify({ [KEYS.vault]: stored }, rawReplacer), damage });
    },

    'vault.reset': async ({ confirm }) => {
      // Checked here too, not only by the message validator: nothing deletes the vault by accident.
      if (confirm !== RESET_CONFIRM) return err({ code: 'bad-request' });
      await restore();
      const stored = await local.get(KEYS.vault);
      if (stored == null) return err({ code: 'no-vault' });
      // Only what cannot be read is ever deleted: a vault that opens, or that a passphrase might
      // still open (locked, shape intact, never proven unreadable), is refused.
      if (unlocked || !damageOf(stored)) return err({ code: 'not-damaged' });
      await local.remove(KEYS.vault);
      provenUnreadable = null;
      await lock();
      return ok(await status());
    },

    'vault.changePassphrase': async ({ oldPassphrase, newPassphrase, confirm }) => {
      // The vault is re-encrypted from what is stored: a setup page's account written ahead must be there.
      await restore();
      await flush();
      const stored = await local.get(KEYS.vault);
      if (stored == null) return err({ code: 'no-vault' });
      const strong = checkPassphrase(newPassphrase);
      if (!strong.ok) return err(strong.error);
      if (newPassphrase !== confirm) return err({ code: 'passphrase-mismatch' });
      const changed = await changePassphrase<unknown>(stored, oldPassphrase, newPassphrase, deps.kdf);
      if (!changed.ok) {
        noteUnreadable(stored, changed.error.code);
        return err(changed.error);
      }
      const data = parseVaultData(changed.value.data);
      if (!data.ok) {
        noteUnreadable(stored, 'corrupt');
        return err({ code: 'corrupt', detail: data.error });
      }
      // storage.set replaces the key atomically: until it resolves the old blob is what is stored.
      await local.set(KEYS.vault, changed.value.envelope);
      unlocked = { key: changed.value.key, data: data.value };
      await rememberKey(changed.value.key);
      return ok(await status());
    },

    'settings.update': async ({ settings }) => {
      const before = await readSettings();
      const current = await readUserSettings();
      const next = mergeSettings(current, settings);
      for (const [field, value] of Object.entries(settings)) {
        const kept = next[field as keyof Settings];
        const wanted = typeof value === 'string' ? value.trim() : value;
        if (!(field in current) || kept !== wanted) {
          return err({ code: 'bad-request', detail: `invalid setting: ${field}` });
        }
      }
      const forbidden = forbiddenChanges(next, (await readPolicy()).policy).filter((f) => f in settings);
      if (forbidden.length > 0) return err({ code: 'policy-enforced', detail: forbidden.join(', ') });
      await local.set(KEYS.settings, next);
      // storage.onChanged will say so too, later: the next read must already see the new value.
      userSettingsCache.invalidate();
      if (unlocked && (await readSettings()).autoLockMinutes !== before.autoLockMinutes) await scheduleAutoLock();
      return ok(await status());
    },

    'accounts.list': async () => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      return ok(listOf(unlocked.data.accounts));
    },

    'accounts.head': async ({ platform, limit }) => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      const list = listOf(unlocked.data.accounts);
      return ok({ accounts: platformFirst(list, platform).slice(0, limit), total: list.length });
    },

    'accounts.update': async ({ id, changes }) => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      const current = unlocked.data.accounts.find((a) => a.id === id);
      if (!current) return err({ code: 'not-found' });
      const next: StoredAccount = { ...current };
      // 64 code points, not UTF-16 units: a cut through an emoji would leave half of it.
      const clip = (text: string) => [...text.trim()].slice(0, 64).join('');
      if (changes.label !== undefined) next.label = clip(changes.label) || null;
      if (changes.deviceName !== undefined) next.deviceName = clip(changes.deviceName);
      if (changes.origin !== undefined) {
        const origin = normalizeOrigin(changes.origin);
        if (!origin) return err({ code: 'bad-origin' });
        next.origin = origin;
      }
      if (changes.realm !== undefined) next.realm = changes.realm?.trim() || null;
      // A move onto a platform that already has this very authenticator would make two of it.
      const twin = unlocked.data.accounts.find((a) => a.id !== id && sameAuthenticator(a, next));
      if (twin) return err({ code: 'account-exists' });
      await save({ ...unlocked.data, accounts: unlocked.data.accounts.map((a) => (a.id === id ? next : a)) });
      return ok(toSummary(next));
    },

    'accounts.delete': async ({ id }) => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      const current = unlocked.data.accounts.find((a) => a.id === id);
      if (!current) return err({ code: 'not-found' });
      const key = unlocked.key;
      await save({ ...unlocked.data, accounts: unlocked.data.accounts.filter((a) => a.id !== id) });
      // A setup page that filled it and has not been submitted keeps a sealed copy, marked
      // removed: should its form go all the same, ThingPark has the secret and the submit writes
      // it back. One already submitted is no longer followed: the user chose, warned.
      for (const [tabId, state] of Object.entries(await readTabs())) {
        const e = state.enrollment;
        if (e?.accountId !== id) continue;
        const enrollment = e.submittedAt === null ? { ...e, removed: true, copy: e.copy ?? (await sealVault(key, current)) } : null;
        await setTabState(Number(tabId), { ...state, enrollment }, { durable: true });
      }
      await dropCopy(id);
      return ok({ deleted: true });
    },

    'accounts.reveal': async ({ id, passphrase }) => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      const account = unlocked.data.accounts.find((a) => a.id === id);
      if (!account) return err({ code: 'not-found' });
      const wrong = await confirmPassphrase(passphrase);
      if (wrong) return err(wrong);
      return ok({ uri: accountToUri(account) });
    },

    'platforms.list': async () => {
      await restore();
      return ok(await platformList());
    },

    'platforms.add': async ({ url }) => {
      await restore();
      const parsed = parsePlatformUrl(url);
      if (!parsed.ok) return err(parsed.error);
      const origin = parsed.value;
      if (isBuiltIn(origin)) return err({ code: 'built-in-platform', detail: origin });
      const platforms = await readPlatforms();
      const same = findSameHost(await allPlatforms(), origin);
      if (same) return err({ code: 'platform-exists', detail: same.origin });
      const pattern = matchPatternFor(origin);
      if (!(await deps.platforms.permitted(pattern))) return err({ code: 'permission-refused', detail: pattern });
      // Stored first: should registering fail, syncPlatforms() retries at the next start.
      await local.set(KEYS.platforms, [...platforms, { origin, addedAt: now() }]);
      await syncPlatforms();
      return ok(await platformList());
    },

    'platforms.remove': async ({ origin }) => {
      await restore();
      const platforms = await readPlatforms();
      const target = platforms.find((p) => p.origin === origin);
      if (!target) {
        const preset = (await allPlatforms()).some((p) => p.managed && p.origin === origin);
        return err({ code: preset ? 'policy-enforced' : 'not-found' });
      }
      await local.set(KEYS.platforms, platforms.filter((p) => p !== target));
      await syncPlatforms();
      await deps.platforms.release(matchPatternFor(origin));
      return ok(await platformList());
    },

    'backup.export': async ({ vaultPassphrase, passphrase, confirm }) => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      const strong = checkPassphrase(passphrase);
      if (!strong.ok) return err(strong.error);
      if (passphrase !== confirm) return err({ code: 'passphrase-mismatch' });
      const wrong = await confirmPassphrase(vaultPassphrase);
      if (wrong) return err(wrong);
      const file = await sealBackup(unlocked.data, passphrase, deps.kdf);
      if (!file.ok) return err(file.error);
      return ok({ file: file.value, accounts: unlocked.data.accounts.length });
    },

    'backup.import': async ({ file, passphrase }) => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      if (file.length > MAX_BACKUP_BYTES) return err({ code: 'backup-too-large' });
      const opened = await openBackup(file, passphrase);
      if (!opened.ok) return err(opened.error);
      const { report, added } = planImport(unlocked.data.accounts, opened.value.accounts, newId);
      // One write: the backup's new accounts are all saved, or none.
      if (added.length > 0) await save({ ...unlocked.data, accounts: [...unlocked.data.accounts, ...added] });
      return ok(report);
    },

    'backup.exportPlain': async ({ vaultPassphrase }) => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      if ((await readPolicy()).policy.disablePlainExport) return err({ code: 'policy-enforced', detail: 'disablePlainExport' });
      const wrong = await confirmPassphrase(vaultPassphrase);
      if (wrong) return err(wrong);
      return ok({ text: plainExport(unlocked.data.accounts), accounts: unlocked.data.accounts.length });
    },

    'accounts.codes': async ({ ids }) => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      const wanted = new Set(ids);
      const at = now();
      const codes: AccountCode[] = [];
      for (const a of unlocked.data.accounts) {
        if (!wanted.has(a.id)) continue;
        const { code, validForMs } = displayCode(a, at);
        codes.push({ id: a.id, code, validForMs, period: a.period });
      }
      return ok(codes);
    },

    'accounts.add': async ({ accounts, dryRun }) => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      const { outcomes, added } = planAdditions(unlocked.data.accounts, accounts, { nowMs: now(), newId });
      if (dryRun || added.length === 0) return ok(outcomes);
      // One write for the whole batch: an import is saved completely or not at all.
      await save({ ...unlocked.data, accounts: [...unlocked.data.accounts, ...added] });
      return ok(outcomes.map((o) => (o.status === 'new' ? { ...o, status: 'added' as const } : o)));
    },

    'tab.fillOtp': async ({ tabId, accountId }) => {
      await restore();
      if (!unlocked) return err({ code: 'locked' });
      if (!(await deps.fillTab(tabId, accountId))) return err({ code: 'forbidden', detail: 'cannot access this tab' });
      return ok({ injected: true });
    },

    'page.enroll': async ({ evidence, clockOffsetMs, sentAt }, caller) => {
      if (caller.kind !== 'content-script') return err({ code: 'forbidden' });
      await restore();
      // This setup page settles the tab's last submitted enrollment as its `page.seen` does, so
      // that the page need not wait for that report's answer (one round trip less); whichever
      // of the two arrives first does it, the other finds nothing left to settle.
      const { origin, realm } = platformOf(caller.url);
      if (!realm) return err({ code: 'not-keycloak' });
      const keycloakSaid = evidence.keycloakError?.code || evidence.keycloakError?.label || null;
      await settleTab(caller, 'setup', keycloakSaid, sentAt ?? null);
      if (!unlocked) return err({ code: 'locked' });
      // Read before the tab's state, which must not change between its read and its write below.
      const qrText = evidence.qrImage ? await deps.readQr(evidence.qrImage) : null;
      const state = await tabState(caller.tabId);
      const settings = await readSettings();
      // What this page filled before and was not submitted (a refill at a new step, a clock
      // correction, a reload or "Unable to scan?" showing a new secret): this fill takes its
      // place, and the plan does not count its device name as taken.
      const mine = state.enrollment?.submittedAt === null && state.enrollment.origin === origin ? state.enrollment : null;
      const prior = mine ? (unlocked.data.accounts.find((a) => a.id === mine.accountId && isUnconfirmed(a)) ?? null) : null;
      const base = prior ? { ...unlocked.data, accounts: unlocked.data.accounts.filter((a) => a !== prior) } : unlocked.data;
      // Keycloak checks the setup code with its own clock: follow it once this page has measured
      // it. Until then our clock, not an offset remembered for the platform: the setup page is
      // filled once and then submitted, often at once (Submit automatically waits for the
      // measurement), and a remembered offset that no longer holds would give a code Keycloak
      // refuses where ours, nearly always right, is accepted. The measurement is remembered for
      // the platform's login pages, which correct themselves before their code is used up.
      const offset = clockOffsetMs != null ? serverOffset(origin, clockOffsetMs) : 0;
      const plan = planEnrollment({
        evidence: {
          qrText,
          qrUnreadable: evidence.qrImage != null && qrText == null,
          hiddenSecret: evidence.hiddenSecret,
          manual: evidence.manual,
          fallbackAccountName: state.username,
          fallbackIssuer: realm,
        },
        origin,
        realm,
        baseDeviceName: settings.deviceName || (await defaultName()),
        refusedNames: state.refusedNames,
        data: base,
        nowMs: now(),
        serverOffsetMs: offset,
        id: newId(),
      });
      if (!plan.ok) return err(plan.error);
      let account = plan.value.account;
      // A refill sent before this tab's submit (or before the tab left the page: a submit we did
      // not see) and delivered after it: the form has gone, nothing to store.
      const e0 = state.enrollment;
      const stale = sentAt != null && e0 != null && ((e0.submittedAt !== null && sentAt < e0.submittedAt) || (e0.leftAt !== null && sentAt < e0.leftAt));
      if (!stale) {
        // Write-ahead: the account is in the vault from the moment its code is filled, marked
        // unconfirmed (lib/keycloak/enrollment-state.ts says why). The page is answered at once; the
        // vault write runs meanwhile, and the submit waits for it (page.submitted).
        // A refill of the same page keeps the entry (its id, fill time, and the label the user
        // may have given it meanwhile).
        const refill = prior && sameEnrollment(prior, account) ? prior : null;
        const filledAt = refill?.enrollment?.filledAt ?? now();
        const kept = refill ? { id: refill.id, addedAt: refill.addedAt, label: refill.label ?? null } : {};
        account = { ...account, ...kept, enrollment: { filledAt, submittedAt: null, confirmed: null } };
        const changed = !refill || refill.lastUsedStep !== account.lastUsedStep || refill.counter !== account.counter;
        const { issuer, accountName, deviceName } = account;
        const entry: TabEnrollment = {
          accountId: account.id,
          origin,
          issuer,
          accountName,
          deviceName,
          filledAt,
          submittedAt: null,
          leftAt: null,
          copy: changed ? await sealVault(unlocked.key, account) : (e0?.copy ?? null),
        };
        // Durable, before the page is answered: with its sealed copy, the enrollment survives a
        // background that stops before the vault write below has landed (restore() writes it).
        await setTabState(caller.tabId, { ...state, enrollment: entry }, { durable: true });
        if (changed) saveSoon(addAccount(base, account)).catch(() => undefined);
      }
      const { issuer, accountName, deviceName } = account;
      const pageShowsError = !!keycloakSaid;
      return ok({
        code: plan.value.code,
        deviceName,
        issuer,
        accountName,
        autoSubmit: settings.autoSubmit && !pageShowsError,
        clockOffsetMs: offset,
        refreshInMs: account.kind === 'totp' ? secondsLeft(account, now() + offset) * 1000 : null,
      });
    },

    'page.loadQrReader': async (_m, caller) => {
      if (caller.kind !== 'content-script') return err({ code: 'forbidden' });
      // Only where there is something to enroll: a setup page of a Keycloak realm.
      if (!realmFromUrl(caller.url)) return err({ code: 'not-keycloak' });
      await deps.loadQrReader(caller.tabId, caller.frameId);
      return ok({ loaded: true });
    },

    'page.fill': async (m, caller) => {
      if (caller.kind !== 'content-script') return err({ code: 'forbidden' });
      await restore();
      if (!unlocked) {
        // One round trip for the page: say why there is no code, not just that there is none.
        const { state } = await status();
        return err({ code: state === 'none' ? 'no-vault' : state === 'damaged' ? 'corrupt' : 'locked' });
      }
      const { origin, realm } = platformOf(caller.url);
      const offset = serverOffset(origin, m.clockOffsetMs);
      const state = await tabState(caller.tabId);
      const pick = pickAccount(unlocked.data.accounts, {
        origin,
        realm,
        attemptedUsername: m.attemptedUsername,
        rememberedUsername: state.username,
        devices: m.devices,
        chosenAccountId: m.chosenAccountId,
      });
      confirmListed(origin, realm, m.attemptedUsername || state.username, m.devices);
      if (pick.kind === 'none') return ok({ kind: 'none', reason: pick.reason });
      if (pick.kind === 'choose') {
        return ok({
          kind: 'choose',
          candidates: pick.candidates.map(({ id, accountName, issuer, deviceName }) => ({ id, accountName, issuer, deviceName })),
        });
      }
      const { account, deviceId } = pick;
      const next = codeNow(account, now() + offset);
      if (next.kind === 'wait') return ok({ kind: 'wait', retryInMs: next.waitMs, accountName: account.accountName, clockOffsetMs: offset });
      // Not durable: the page submits within seconds and the background, woken by this very
      // exchange, is still running then and answers from memory. The write only matters after a
      // worker restart between the fill and the submit, and it is on its way before this reply
      // leaves. Should it still be lost, the submitted code is not marked used: a second login
      // within the same step could be offered that code again (Keycloak refuses it as reused)
      // instead of being told to wait for the next one. Nothing is lost from the vault.
      await setTabState(caller.tabId, { ...state, lastFill: { accountId: account.id, step: next.step } }, { durable: false });
      const settings = await readSettings();
      return ok({
        kind: 'fill',
        code: next.code,
        accountId: account.id,
        accountName: account.accountName,
        deviceName: account.deviceName,
        deviceId,
        autoSubmit: settings.autoSubmit && !m.pageError,
        validForMs: next.validForMs,
        skewWarningMs: account.kind === 'totp' && Math.abs(offset) > account.period * 1000 ? offset : null,
        clockOffsetMs: offset,
      });
    },

    'page.otpSubmitted': async (_m, caller) => {
      if (caller.kind !== 'content-script') return err({ code: 'forbidden' });
      await restore();
      const state = await tabState(caller.tabId);
      const fill = state.lastFill;
      if (!fill || !unlocked) return ok({ marked: false });
      const data = unlocked.data;
      await save({ ...data, accounts: data.accounts.map((a) => (a.id === fill.accountId ? markUsed(a, fill.step) : a)) });
      const account = data.accounts.find((a) => a.id === fill.accountId);
      if (account && isUnconfirmed(account)) {
        // The next page says whether ThingPark took this code (settleTab). Durable: a restart
        // in between must not lose it; lost, the account only stays unconfirmed.
        await setTabState(caller.tabId, { ...state, lastFill: null, loginSubmitted: { accountId: account.id, at: now() } }, { durable: true });
      } else {
        // Not durable: a lastFill left in storage after a restart marks the same step used again (no change).
        await setTabState(caller.tabId, { ...state, lastFill: null }, { durable: false });
      }
      return ok({ marked: true });
    },

    'page.submitted': async ({ cancel }, caller) => {
      if (caller.kind !== 'content-script') return err({ code: 'forbidden' });
      await restore();
      const state = await tabState(caller.tabId);
      const e = state.enrollment;
      // Only the platform that filled it speaks for it (the tab may have gone elsewhere since).
      if (!e || e.origin !== platformOf(caller.url).origin) return ok({ pending: false });
      if (cancel) {
        // Keycloak's Cancel: the form goes without a code, ThingPark registers nothing.
        await settleEnrollment(e.accountId, { type: 'cancelled', at: now() }, 'now');
        await setTabState(caller.tabId, { ...state, enrollment: null }, { durable: true });
        return ok({ pending: false });
      }
      if (e.submittedAt !== null) return ok({ pending: true });
      const at = now();
      // Durable, first: after a restart the next page must still be read as Keycloak's answer.
      // Removed by the user and submitted all the same: ThingPark gets this secret, so it is
      // written back from its copy (at the next unlock, when locked).
      await setTabState(caller.tabId, { ...state, enrollment: { ...e, submittedAt: at, removed: false } }, { durable: true });
      if (e.removed && e.copy && unlocked && !unlocked.data.accounts.some((a) => a.id === e.accountId)) {
        const account = await openCopy(e.copy, unlocked.key);
        if (account) await save(addAccount(unlocked.data, account));
      }
      // Awaited: the submit is held until the account is on disk (the write-ahead and this one
      // go in order). Locked since the fill: remembered for the next unlock; the vault has it.
      await settleEnrollment(e.accountId, { type: 'submitted', at }, 'now');
      if (e.copy && onDisk(e.accountId)) {
        // On disk: its sealed copy is no longer needed (lost, it only stays longer).
        const current = await tabState(caller.tabId);
        if (current.enrollment) await setTabState(caller.tabId, { ...current, enrollment: { ...current.enrollment, copy: null } }, { durable: false });
      }
      return ok({ pending: true });
    },

    'page.seen': async ({ kind, setupError, sentAt }, caller) => {
      if (caller.kind !== 'content-script') return err({ code: 'forbidden' });
      await restore();
      return ok(await settleTab(caller, kind, setupError, sentAt ?? null));
    },

    'page.username': async ({ username }, caller) => {
      if (caller.kind !== 'content-script') return err({ code: 'forbidden' });
      const state = await tabState(caller.tabId);
      // Not durable: the OTP or setup page comes right after the password page and the background
      // answers it from memory; lost after a restart, the name is only a hint (the page's own
      // attempted user name and the accounts' names still pick the account).
      await setTabState(caller.tabId, { ...state, username: username.trim() || null }, { durable: false });
      return ok({ remembered: true });
    },
  };

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
    /**
     * Resolves once every vault write asked for so far has landed (or failed): the ones the pages
     * do not wait for (see saveSoon). For tests that compare what is stored.
     */
    async settled(): Promise<void> {
      await serial(async () => undefined);
      await vaultWrites;
    },
    onAlarm(name: string): Promise<void> {
      return name === AUTO_LOCK_ALARM ? serial(lock) : Promise.resolve();
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
        await restore();
        if (!unlocked) return err({ code: 'locked' } as AppError);
        const next = change(structuredClone(unlocked.data));
        try {
          await save(next);
        } catch (e) {
          return err({ code: 'storage-failed', detail: (e as Error)?.name ?? 'Error' } as AppError);
        }
        return ok(next);
      });
    },
    /**
     * A tab started loading another page (`at`, ms): a filled setup form that was never
     * submitted, then closed, was not sent; one that left its page may have been.
     */
    onTabNavigating(tabId: number, at: number): Promise<void> {
      return serial(async () => {
        const state = (await readTabs())[tabId];
        const e = state?.enrollment;
        if (!state || !e || at <= (e.submittedAt ?? e.filledAt)) return;
        // Durable: the tab may close right after, with the background restarted in between.
        await setTabState(tabId, { ...state, enrollment: { ...e, leftAt: at } }, { durable: true });
      });
    },
    /**
     * A tab finished loading a page (`url` when the browser lets us see it) and no content script
     * of ours spoke for it first (e.g. Keycloak redirected to an application on another host):
     * after a submit, that page is ThingPark's answer, and not the setup page again.
     */
    onTabLoaded(tabId: number, loadedAt: number, url?: string): Promise<void> {
      return serial(async () => {
        const state = (await readTabs())[tabId];
        if (!state) return;
        if (url && isKeycloakFlowPage(url)) {
          // Keycloak's page after a login's submit (its OTP page again: the code refused): that
          // login confirms nothing. Its setup pages are reported by the page script itself.
          const login = state.loginSubmitted;
          if (login && loadedAt > login.at) await setTabState(tabId, { ...state, loginSubmitted: null }, { durable: true });
          return;
        }
        await restore();
        let next = state;
        const e = state.enrollment;
        // Only a page whose loading began after the submit answers it.
        if (e && e.submittedAt !== null && e.leftAt !== null && e.leftAt >= e.submittedAt && loadedAt > e.leftAt) {
          await settleEnrollment(e.accountId, { type: 'confirmed', by: 'tab-loaded', at: now() }, 'now');
          next = { ...next, enrollment: null, refusedNames: [] };
        }
        const login = state.loginSubmitted;
        if (login && loadedAt > login.at) {
          await settleEnrollment(login.accountId, { type: 'confirmed', by: 'login-accepted', at: now() }, 'soon');
          next = { ...next, loginSubmitted: null };
        }
        if (next !== state) {
          if (!next.enrollment) await keepCopyOf(state.enrollment);
          await setTabState(tabId, next, { durable: true });
        }
      });
    },
    /**
     * A tab closed. Its filled setup form, if never submitted and never left, never reached
     * ThingPark: that account goes. Anything else stays (unconfirmed): closing a tab after
     * Submit says nothing of what ThingPark did with it.
     */
    onTabRemoved(tabId: number): Promise<void> {
      return serial(async () => {
        const state = (await readTabs())[tabId];
        if (!state) return;
        const e = state.enrollment;
        await restore();
        if (e && e.submittedAt === null && e.leftAt === null) await settleEnrollment(e.accountId, { type: 'abandoned', at: now() }, 'now');
        // Its sealed copy stays (in `Copies`) only while the vault on disk may lack the account.
        else await keepCopyOf(e);
        await setTabState(tabId, null, { durable: true });
      });
    },
  };
}

export type VaultService = ReturnType<typeof createVaultService>;

/**
 * JSON for a raw export. Firefox's storage.local keeps structured clones, which may hold a BigInt
 * that JSON cannot spell: written as its decimal text rather than failing the whole export.
 */
function rawReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * The accounts as lists show them (lib/vault/accounts.ts, inListOrder), kept per accounts array: every
 * change to the vault makes a new array, so a kept list is never stale, and opening the popup
 * again costs no sorting.
 */
const listed = new WeakMap<readonly StoredAccount[], readonly AccountSummary[]>();
function listOf(accounts: readonly StoredAccount[]): AccountSummary[] {
  let list = listed.get(accounts);
  if (!list) {
    list = inListOrder(accounts.map(toSummary));
    listed.set(accounts, list);
  }
  return list.slice();
}

function toSummary(a: StoredAccount): AccountSummary {
  const { id, label, issuer, accountName, origin, realm, deviceName, kind, algorithm, digits, period, addedAt, enrollment } = a;
  const unconfirmed = enrollment && !enrollment.confirmed ? { filledAt: enrollment.filledAt, submittedAt: enrollment.submittedAt } : null;
  return { id, label: label ?? null, issuer, accountName, origin, realm, deviceName, kind, algorithm, digits, period, addedAt, unconfirmed };
}

/**
 * A value loaded once and kept until `invalidate()`. A load that was under way when the value
 * was invalidated is returned to its caller but not kept (it may hold what was there before).
 * A load that fails is not kept either.
 */
function memo<T>(load: () => Promise<T>): { get(): Promise<T>; invalidate(): void } {
  let kept: { value: T } | null = null;
  let generation = 0;
  return {
    async get() {
      if (kept) return kept.value;
      const at = generation;
      const value = await load();
      if (at === generation) kept = { value };
      return value;
    },
    invalidate() {
      generation++;
      kept = null;
    },
  };
}

/** Keycloak's own login flow (password, OTP and setup pages), whose pages our content script reports itself. */
function isKeycloakFlowPage(url: string): boolean {
  try {
    const path = new URL(url).pathname;
    return /\/realms\/[^/]+\/(login-actions|protocol\/openid-connect)\//.test(path);
  } catch {
    return false;
  }
}

/** The same enrollment filled again (a new code for the same secret, device name and settings). */
function sameEnrollment(a: StoredAccount, b: StoredAccount): boolean {
  return (
    sameAuthenticator(a, b) &&
    a.deviceName === b.deviceName &&
    a.kind === b.kind &&
    a.algorithm === b.algorithm &&
    a.digits === b.digits &&
    a.period === b.period
  );
}

/** The platform a page belongs to: its exact origin and its Keycloak realm (from the sender's URL). */
function platformOf(url: string): { origin: string; realm: string | null } {
  try {
    return { origin: new URL(url).origin, realm: realmFromUrl(url) };
  } catch {
    return { origin: 'null', realm: null };
  }
}
