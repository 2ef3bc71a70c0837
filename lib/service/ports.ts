/**
 * What the background's vault service gets from the browser: small ports, so that the state
 * machine (create, unlock, lock, auto-lock, worker restart, browser restart) is unit-tested in
 * plain Node with in-memory stores. And the names it stores and schedules under.
 */
import type { PageMark } from '../keycloak/login';

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
  /**
   * A ThingPark page (a tab's top frame) was seen or filled while unlocked: whether one of our
   * accounts belongs to it, for the toolbar button. The browser's is entrypoints/background/toolbar.ts.
   */
  showPage?: (tabId: number, mark: PageMark) => void;
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

export const KEYS = {
  vault: 'vault',
  settings: 'settings',
  sessionKey: 'vaultKey',
  tabs: 'tabs',
  platforms: 'platforms',
  /** Enrollment events that happened while the vault was locked (lib/keycloak/enrollment-state.ts). */
  settle: 'settle',
  /** Sealed copies of enrolled accounts until the vault on disk holds them (`Copies`, tab-state.ts). */
  copies: 'copies',
} as const;
export const AUTO_LOCK_ALARM = 'auto-lock';
