/**
 * The one message protocol between the extension's contexts (popup, options, content scripts)
 * and the background, which alone owns the vault. Every request has one response type and
 * every failure comes back as a value (`{ ok: false, error }`), so no caller waits on silence.
 */
import { isRecord, type Result } from '../util/result';
import type { VaultErrorCode } from '../vault/envelope';
import type { Settings } from '../settings/settings';
import type { Policy } from '../settings/policy';
import type { EnrollErrorCode, ManualInfo } from '../keycloak/setup-check';
import type { PlatformRef } from '../platforms/on-platform';

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

export type AppErrorCode =
  | VaultErrorCode
  | EnrollErrorCode
  | 'not-keycloak'
  | 'bad-origin'
  | 'locked'
  | 'no-vault'
  | 'vault-exists'
  | 'passphrase-mismatch'
  | 'bad-request'
  | 'forbidden'
  | 'storage-failed'
  | 'not-found'
  | 'account-exists'
  | 'policy-enforced'
  | 'invalid-url'
  | 'not-https'
  | 'platform-exists'
  | 'built-in-platform'
  | 'permission-refused'
  | 'backup-too-large'
  | 'not-damaged'
  | 'internal';

export interface AppError {
  code: AppErrorCode;
  /** Short English detail for logs and tests; never contains a secret or passphrase. */
  detail?: string;
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
   * accounts (issue 7: the popup's first render).
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

export interface FillRequest {
  attemptedUsername: string | null;
  devices: { id: string; label: string }[];
  /** The account the user picked in the in-page chooser. */
  chosenAccountId: string | null;
  /** Server clock minus local clock, from the page origin's `Date` header; null if unknown. */
  clockOffsetMs: number | null;
  /** Keycloak's error on this page (a refused code): never auto-submit then. */
  pageError: string | null;
}

/** What to do on an OTP page. Only ever a code, never a secret. */
export type FillReply =
  | {
      kind: 'fill';
      code: string;
      accountId: string;
      accountName: string;
      /** The account's device name in Keycloak (what the page's device list shows). */
      deviceName: string;
      /** The Keycloak credential to select, when the page lists several devices. */
      deviceId: string | null;
      autoSubmit: boolean;
      /** ms until the code's step ends (TOTP), to refresh it; null for HOTP. */
      validForMs: number | null;
      /** The server clock's offset when it is off by more than one step (ms), else null. */
      skewWarningMs: number | null;
      /** The server clock's offset the code was computed with (ms; 0: this computer's clock). */
      clockOffsetMs: number;
    }
  | { kind: 'wait'; retryInMs: number; accountName: string; clockOffsetMs: number }
  | { kind: 'choose'; candidates: { id: string; accountName: string; issuer: string; deviceName: string }[] }
  | { kind: 'none'; reason: 'no-account' | 'device-not-listed' };

export type PageKind = 'setup' | 'otp' | 'login' | 'none';

/**
 * Longest QR image `src` a setup page may send: Keycloak's 246x246 PNG is about 2,000 characters;
 * this leaves room for a theme's larger image and bounds the message.
 */
export const MAX_QR_IMAGE_CHARS = 1_000_000;

/** What the content script read on Keycloak's setup page. */
export interface PageEvidence {
  /**
   * The QR image's `src` as the page has it (Keycloak: a PNG `data:` URL), read by the background
   * (entrypoints/background/setup-qr.ts); '' for an image whose `src` is too long to send; null
   * when the page shows no QR code (Keycloak's "Unable to scan?" mode).
   */
  qrImage: string | null;
  hiddenSecret: string | null;
  manual: ManualInfo | null;
  /** Keycloak's error shown on this page (code or device name field), if any. */
  keycloakError: { code: string | null; label: string | null } | null;
}

export interface EnrollOffer {
  code: string;
  deviceName: string;
  /** Submit after filling: the user's setting, and never on a page that shows an error. */
  autoSubmit: boolean;
  issuer: string;
  accountName: string;
  /** The server clock's offset the code was computed with (ms; 0: this computer's clock). */
  clockOffsetMs: number;
  /** When the filled TOTP code goes stale (ms), so the page can refresh it; null for HOTP. */
  refreshInMs: number | null;
}

export interface PageSeen {
  /** ThingPark accepted the enrollment this tab submitted: its account is confirmed. */
  saved: { issuer: string; accountName: string; deviceName: string } | null;
  /** A submitted enrollment that Keycloak refused: its account was removed. */
  refused: boolean;
  /**
   * ThingPark accepted the enrollment while the vault was locked: the account is in the vault,
   * confirmed at the next unlock (or by the next login).
   */
  kept?: { issuer: string; accountName: string };
}

export type MessageType = keyof Protocol;
export type Message<K extends MessageType = MessageType> = K extends MessageType
  ? { type: K } & Protocol[K]['req']
  : never;
export type Reply<K extends MessageType> = Result<Protocol[K]['res'], AppError>;

/** Where a request came from, as the background established it from the sender (never from the message). */
export type Caller =
  | { kind: 'extension-page' }
  | { kind: 'content-script'; tabId: number; frameId: number; url: string };

/** Messages a content script may send; everything else is for extension pages only. */
const CONTENT_SCRIPT_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  'vault.status',
  'page.enroll',
  'page.fill',
  'page.otpSubmitted',
  'page.loadQrReader',
  'page.submitted',
  'page.seen',
  'page.username',
]);

export function allowedFor(caller: Caller, type: MessageType): boolean {
  if (caller.kind === 'extension-page') return !type.startsWith('page.');
  // Only the top frame of a page: a frame embedded by someone else is not the login page.
  return CONTENT_SCRIPT_TYPES.has(type) && caller.frameId === 0;
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** Field checks per message type: anything that reaches the background is untrusted input. */
const SHAPES: { [K in MessageType]: (m: Record<string, unknown>) => boolean } = {
  'vault.status': () => true,
  'vault.create': (m) => isString(m.passphrase) && isString(m.confirm),
  'vault.unlock': (m) => isString(m.passphrase),
  'vault.lock': () => true,
  'vault.exportRaw': () => true,
  'vault.reset': (m) => m.confirm === RESET_CONFIRM,
  'vault.changePassphrase': (m) =>
    isString(m.oldPassphrase) && isString(m.newPassphrase) && isString(m.confirm),
  'settings.update': (m) => isRecord(m.settings),
  'accounts.list': () => true,
  'accounts.head': (m) =>
    Number.isSafeInteger(m.limit) &&
    (m.limit as number) >= 1 &&
    (m.limit as number) <= 500 &&
    (m.platform === null || (isRecord(m.platform) && isShortOrNull(m.platform.origin) && isShortOrNull(m.platform.realm))),
  'accounts.codes': (m) => Array.isArray(m.ids) && m.ids.length <= 500 && m.ids.every((id) => isString(id) && id.length <= 256),
  'accounts.add': (m) =>
    typeof m.dryRun === 'boolean' &&
    Array.isArray(m.accounts) &&
    m.accounts.length <= 5000 &&
    m.accounts.every(
      (a) =>
        isRecord(a) &&
        isString(a.uri) &&
        a.uri.length <= 4096 &&
        isString(a.origin) &&
        a.origin.length <= 2048 &&
        isShortOrNull(a.realm) &&
        isString(a.deviceName) &&
        a.deviceName.length <= 256,
    ),
  'accounts.update': (m) => isId(m.id) && isChanges(m.changes),
  'accounts.delete': (m) => isId(m.id),
  'accounts.reveal': (m) => isId(m.id) && isPassphrase(m.passphrase),
  'platforms.list': () => true,
  'platforms.add': (m) => isString(m.url) && m.url.length <= 2048,
  'platforms.remove': (m) => isString(m.origin) && m.origin.length <= 2048,
  'backup.export': (m) => isPassphrase(m.vaultPassphrase) && isPassphrase(m.passphrase) && isPassphrase(m.confirm),
  'backup.import': (m) => isString(m.file) && isPassphrase(m.passphrase),
  'backup.exportPlain': (m) => isPassphrase(m.vaultPassphrase),
  'tab.fillOtp': (m) => Number.isSafeInteger(m.tabId) && (m.accountId === null || (isString(m.accountId) && m.accountId.length <= 256)),
  'page.enroll': (m) =>
    isEvidence(m.evidence) && (m.clockOffsetMs === undefined || isClockOffset(m.clockOffsetMs)) && (m.sentAt === undefined || isTime(m.sentAt)),
  'page.fill': (m) => isFillRequest(m),
  'page.otpSubmitted': () => true,
  'page.loadQrReader': () => true,
  'page.submitted': (m) => m.cancel === undefined || typeof m.cancel === 'boolean',
  'page.seen': (m) => PAGE_KINDS.has(m.kind as PageKind) && isStringOrNull(m.setupError) && (m.sentAt === undefined || isTime(m.sentAt)),
  'page.username': (m) => isString(m.username) && m.username.length <= 256,
};

const isId = (v: unknown) => isString(v) && v.length > 0 && v.length <= 256;
const isPassphrase = (v: unknown) => isString(v) && v.length <= 1024;

function isChanges(v: unknown): boolean {
  if (!isRecord(v)) return false;
  const known = new Set(['label', 'deviceName', 'origin', 'realm']);
  if (Object.keys(v).some((k) => !known.has(k))) return false;
  const optString = (x: unknown) => x === undefined || (isString(x) && x.length <= 2048);
  return optString(v.label) && optString(v.deviceName) && optString(v.origin) && (v.realm === undefined || isShortOrNull(v.realm));
}

const PAGE_KINDS = new Set<PageKind>(['setup', 'otp', 'login', 'none']);
const isStringOrNull = (v: unknown): v is string | null => v === null || isString(v);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
// Bounded so a hostile page cannot make the background parse megabytes.
const isShortOrNull = (v: unknown) => v === null || (isString(v) && v.length <= 4096);

/** A measured clock offset (ms), or null: within a year either way. */
const isClockOffset = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 366 * 86_400_000);

function isFillRequest(m: Record<string, unknown>): boolean {
  const devicesOk =
    Array.isArray(m.devices) &&
    m.devices.length <= 100 &&
    m.devices.every((d) => isRecord(d) && isString(d.id) && d.id.length <= 256 && isString(d.label) && d.label.length <= 256);
  return (
    devicesOk &&
    isClockOffset(m.clockOffsetMs) &&
    isShortOrNull(m.attemptedUsername) &&
    isShortOrNull(m.chosenAccountId) &&
    isShortOrNull(m.pageError)
  );
}

function isEvidence(v: unknown): v is PageEvidence {
  if (!isRecord(v)) return false;
  const { qrImage, hiddenSecret, manual, keycloakError } = v;
  const manualOk =
    manual === null ||
    (isRecord(manual) &&
      isString(manual.key) &&
      manual.key.length <= 4096 &&
      ['type', 'algorithm', 'digits', 'period', 'counter'].every((k) => isShortOrNull(manual[k])));
  const errorOk =
    keycloakError === null ||
    (isRecord(keycloakError) && isShortOrNull(keycloakError.code) && isShortOrNull(keycloakError.label));
  const imageOk = qrImage === null || (isString(qrImage) && qrImage.length <= MAX_QR_IMAGE_CHARS);
  return imageOk && isShortOrNull(hiddenSecret) && manualOk && errorOk;
}

/** Validates an incoming message; returns null for anything that is not a well-formed request. */
export function parseMessage(raw: unknown): Message | null {
  if (!isRecord(raw) || !isString(raw.type) || !Object.hasOwn(SHAPES, raw.type)) return null;
  const type = raw.type as MessageType;
  return SHAPES[type](raw) ? (raw as unknown as Message) : null;
}

/**
 * The browsers' words for a message that found no listener (Chrome and Firefox say the same):
 * it was not delivered, so sending it again cannot make anything happen twice.
 */
const NOT_DELIVERED = /Receiving end does not exist/i;
/**
 * Waits before sending an undelivered message again. Firefox answers so when a message arrives
 * while its event page is being suspended after the idle timeout: the next one wakes it.
 */
const RETRY_DELAYS_MS: readonly number[] = [50, 200, 800];

/**
 * Replies cross from the background as one JSON string. Firefox passes a string at the speed of a
 * copy, while it took 72–196 ms to pass the same reply as objects for a list of 1,000 accounts
 * (9–24 ms as a string; measured in the popup). Every reply is plain JSON data.
 */
export const encodeReply = (reply: Reply<MessageType>): string => JSON.stringify(reply);

/** A reply as the background sent it (a JSON string), or anything else as it is. */
export function decodeReply(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** A typed client over any transport (`browser.runtime.sendMessage` in the extension). */
export function createClient(send: (message: Message) => Promise<unknown>, retryDelaysMs: readonly number[] = RETRY_DELAYS_MS) {
  return async function request<K extends MessageType>(
    type: K,
    payload: Protocol[K]['req'],
  ): Promise<Reply<K>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = decodeReply(await send({ type, ...payload } as unknown as Message)) as Reply<K> | undefined;
        if (reply && typeof reply === 'object' && 'ok' in reply) return reply;
        return { ok: false, error: { code: 'internal', detail: 'no reply from the background' } };
      } catch (e) {
        const detail = String((e as Error)?.message ?? e);
        const delay = retryDelaysMs[attempt];
        if (delay === undefined || !NOT_DELIVERED.test(detail)) return { ok: false, error: { code: 'internal', detail } };
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
}
export type Client = ReturnType<typeof createClient>;
