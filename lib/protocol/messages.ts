/**
 * The message map between the extension's contexts (popup, options, content scripts) and the
 * background, which alone owns the vault: every request type with its one response type. Every
 * failure comes back as a value (`{ ok: false, error }`, errors.ts), so no caller waits on
 * silence. Who may send what: access.ts; the shape checks: validation.ts; the client: transport.ts.
 */
import type { Result } from '../util/result';
import type { VaultErrorCode } from '../vault/envelope';
import type { Settings } from '../settings/settings';
import type { Policy } from '../settings/policy';
import type { PlatformRef } from '../platforms/on-platform';
import type { AppError } from './errors';
import type { EnrollOffer, FillReply, FillRequest, PageEvidence, PageKind, PageSeen } from './page';

export type VaultState = 'none' | 'locked' | 'unlocked' | 'damaged';

/** What `vault.reset` must carry: deleting the stored vault is never the answer to a bare request. */
export const RESET_CONFIRM = 'delete-damaged-vault';

export interface VaultStatus {
  state: VaultState;
  /** Number of stored accounts; only known while unlocked. */
  accounts: number | null;
  /** Why a stored vault cannot be read (state 'damaged'). */
  damage?: VaultErrorCode;
  /** Changes every time the background starts: lets tests prove a worker restart happened. */
  bootId: string;
  settings: Settings;
  /** The device name used when the setting is empty ("ThingPark Autofill · Firefox on Linux"). */
  defaultDeviceName: string;
  /** What the administrator enforces (managed storage); `settings` already respects it. */
  policy: Policy;
  /** Managed-storage fields that were ignored because they are malformed. */
  policyProblems: string[];
}

/** Request payloads and response values, by message type. */
export interface Protocol {
  'vault.status': { req: Record<string, never>; res: VaultStatus };
  'vault.create': { req: { passphrase: string; confirm: string }; res: VaultStatus };
  'vault.unlock': { req: { passphrase: string }; res: VaultStatus };
  'vault.lock': { req: Record<string, never>; res: VaultStatus };
  /**
   * A stored vault that cannot be read (state 'damaged'), exactly as `storage.local` holds it, for
   * the user to keep or send to support: `text` is the JSON of the vault's storage entries
   * (`{"vault": <stored value>}`), what `storage.local.get` returns for them. Refused
   * ('not-damaged') while the vault can be read: then the way out is an encrypted backup, which
   * costs the passphrase (someone at the browser must not carry the envelope off to guess at).
   */
  'vault.exportRaw': { req: Record<string, never>; res: { text: string; damage: VaultErrorCode } };
  /**
   * Deletes a stored vault that cannot be read, so that a new one can be created: the user's
   * deliberate choice, never automatic. The literal `confirm` keeps a stray or malformed request
   * from doing it; the background refuses ('not-damaged') unless the stored vault is unreadable.
   */
  'vault.reset': { req: { confirm: typeof RESET_CONFIRM }; res: VaultStatus };
  'vault.changePassphrase': {
    req: { oldPassphrase: string; newPassphrase: string; confirm: string };
    res: VaultStatus;
  };
  'settings.update': { req: { settings: Partial<Settings> }; res: VaultStatus };
  /** Fill the one-time code into a tab (shortcut, context menu, popup): its origin decides the account. */
  'tab.fillOtp': { req: { tabId: number; accountId: string | null }; res: { injected: true } };
  /** The stored accounts without their secrets, for the popup and options lists. */
  'accounts.list': { req: Record<string, never>; res: AccountSummary[] };
  /**
   * The popup's first screen: the first `limit` accounts in the popup's order (`platform`'s
   * first, then the rest, each in list order: lib/platforms/on-platform.ts) and how many there
   * are in all. Asked for before the whole list, which takes a while to cross with a thousand
   * accounts (the popup's first render waits only for this).
   */
  'accounts.head': { req: { platform: PlatformRef | null; limit: number }; res: { accounts: AccountSummary[]; total: number } };
  /** Current codes of some accounts (the rows on screen), for the popup. */
  'accounts.codes': { req: { ids: string[] }; res: AccountCode[] };
  /**
   * Adds accounts typed, pasted, scanned or imported by the user. The background parses every
   * URI again. With `dryRun` nothing is saved: the reply says what would happen to each.
   * Otherwise all new ones are saved in one write, or none.
   */
  'accounts.add': { req: { accounts: NewAccount[]; dryRun: boolean }; res: AddOutcome[] };

  /** Changes an account's label, recorded device name or platform (move); the secret never changes. */
  'accounts.update': { req: { id: string; changes: AccountChanges }; res: AccountSummary };
  'accounts.delete': { req: { id: string }; res: { deleted: true } };
  /**
   * One account's `otpauth://` URI, to show as a QR code for a phone. Costs the vault passphrase
   * (a full key derivation) even while unlocked: someone at an unlocked browser must not copy secrets.
   */
  'accounts.reveal': { req: { id: string; passphrase: string }; res: { uri: string } };

  /** Self-hosted platforms the user added (the public ThingPark hosts are built in). */
  'platforms.list': { req: Record<string, never>; res: PlatformSummary[] };
  /**
   * Registers our content script on a platform whose host permission the options page just
   * obtained (`permissions.request` needs the user's click, so the page asks, the background checks).
   */
  'platforms.add': { req: { url: string }; res: PlatformSummary[] };
  /** Unregisters the content script and releases the host permission; bound accounts are kept. */
  'platforms.remove': { req: { origin: string }; res: PlatformSummary[] };

  /**
   * An encrypted backup: the vault's envelope format under a passphrase the user chooses. Needs
   * the vault passphrase too (see accounts.reveal).
   */
  'backup.export': {
    req: { vaultPassphrase: string; passphrase: string; confirm: string };
    res: { file: string; accounts: number };
  };
  /** Merges a backup file into the vault: nothing stored is ever overwritten. */
  'backup.import': { req: { file: string; passphrase: string }; res: ImportReport };
  /** Every account as an `otpauth://` line, unencrypted; the UI shows it only behind a warning. */
  'backup.exportPlain': { req: { vaultPassphrase: string }; res: { text: string; accounts: number } };

  // From content scripts on ThingPark pages. The page's origin and realm come from the sender.
  /**
   * The setup page's evidence; answers with what to fill. The account is written to the vault
   * as it is answered, unconfirmed (lib/keycloak/enrollment-state.ts); a refill of the same page replaces
   * it. `clockOffsetMs`: server clock minus local clock, from the page origin's `Date` header,
   * once the page has measured it (absent or null before: the code is by local time). `sentAt`:
   * when the page sent it (ms): a refill sent before the tab's submit stores nothing.
   */
  'page.enroll': { req: { evidence: PageEvidence; clockOffsetMs?: number | null; sentAt?: number }; res: EnrollOffer };
  /**
   * The setup form was submitted with what we filled (answered once the account is on disk), or,
   * with `cancel`, through Keycloak's Cancel (the account goes: ThingPark registers nothing).
   */
  'page.submitted': { req: { cancel?: boolean }; res: { pending: boolean } };
  /**
   * A page finished loading in this tab: settles a submitted enrollment.
   * `sentAt`: when the page sent it (ms, this computer's clock). A report that reaches the
   * background late (sent again after the background restarted) and was sent before this tab's
   * submit speaks of the page before the submit: it settles nothing.
   */
  'page.seen': { req: { kind: PageKind; setupError: string | null; sentAt?: number }; res: PageSeen };
  /** The OTP login page asks for its code: the background picks account and device. */
  'page.fill': { req: FillRequest; res: FillReply };
  /** The OTP form was submitted with the code we filled: Keycloak will not take it again. */
  'page.otpSubmitted': { req: Record<string, never>; res: { marked: boolean } };
  /** Loads the setup page's script (qr-reader.js) into this page's content-script world, and only there. */
  'page.loadQrReader': { req: Record<string, never>; res: { loaded: true } };
  /** The user name typed on the password page (kept for the tab in memory only). */
  'page.username': { req: { username: string }; res: { remembered: boolean } };
}

/** An account as the UI may see it: everything but the secret. */
export interface AccountSummary {
  id: string;
  /** The user's own name for the account, or null (then the account name is shown). */
  label: string | null;
  issuer: string;
  accountName: string;
  origin: string;
  realm: string | null;
  deviceName: string;
  kind: 'totp' | 'hotp';
  algorithm: string;
  digits: number;
  period: number;
  addedAt: number;
  /**
   * Set while ThingPark has not yet shown that it registered this authenticator: the extension
   * saved it the moment it filled the setup form (when, and when the form was submitted, or null
   * if no submit was recorded). null once confirmed, and for accounts added by hand or imported.
   * Removing such an account may lock the user out: ThingPark most likely has the device.
   */
  unconfirmed: { filledAt: number; submittedAt: number | null } | null;
}

export interface AccountChanges {
  /** The name shown in lists; empty clears it (the account name is shown). */
  label?: string;
  deviceName?: string;
  /** Move to another platform (exact origin); realm kept unless given. */
  origin?: string;
  realm?: string | null;
}

export interface PlatformSummary {
  /** Exact origin as added, e.g. `https://iot.example.net`. */
  origin: string;
  /** Accounts bound to this origin; null while the vault is locked. */
  accounts: number | null;
  /** Set by the administrator (managed storage): the user cannot remove it. */
  managed: boolean;
  /** The browser still grants us this host (the user can revoke it in the browser's settings). */
  permitted: boolean;
  addedAt: number;
}

export interface ImportedAccount {
  issuer: string;
  accountName: string;
  origin: string;
  realm: string | null;
}
export interface ImportReport {
  added: ImportedAccount[];
  /** Already in the vault (same key, platform and user): nothing to do. */
  skipped: ImportedAccount[];
  /** Clash with a stored account (same key elsewhere, or same user and device with another key): kept as stored. */
  conflicts: (ImportedAccount & { reason: 'same-key-elsewhere' | 'different-key' })[];
}

export interface AccountCode {
  id: string;
  code: string;
  /** ms until this code's step ends (TOTP), null for HOTP. */
  validForMs: number | null;
  period: number;
}

export interface NewAccount {
  /** An `otpauth://` URI (the UI builds one from a typed key too). */
  uri: string;
  /** The platform's exact origin, e.g. `https://community.thingpark.io`. */
  origin: string;
  realm: string | null;
  /** The name of this authenticator in Keycloak, if the user knows it. */
  deviceName: string;
}

export type AddOutcome =
  | { status: 'added' | 'new'; id: string | null; issuer: string; accountName: string }
  | { status: 'duplicate'; id: string; issuer: string; accountName: string }
  | { status: 'invalid'; error: AppError };

export type MessageType = keyof Protocol;
export type Message<K extends MessageType = MessageType> = K extends MessageType
  ? { type: K } & Protocol[K]['req']
  : never;
export type Reply<K extends MessageType> = Result<Protocol[K]['res'], AppError>;
