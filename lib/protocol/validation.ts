/** Shape checks of every incoming message: anything that reaches the background is untrusted input. */
import { isRecord } from '../util/result';
import { RESET_CONFIRM, type Message, type MessageType } from './messages';
import { MAX_QR_IMAGE_CHARS, type PageEvidence, type PageKind } from './page';

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
