/**
 * The one message protocol between the extension's contexts (popup, options, content scripts)
 * and the background, which alone owns the vault. Every request has one response type and
 * every failure comes back as a value (`{ ok: false, error }`), so no caller waits on silence.
 */
import type { Result } from './result';
import type { VaultErrorCode } from './vault';
import type { Settings } from './settings';

export type VaultState = 'none' | 'locked' | 'unlocked' | 'damaged';

export interface VaultStatus {
  state: VaultState;
  /** Number of stored accounts; only known while unlocked. */
  accounts: number | null;
  /** Why a stored vault cannot be read (state 'damaged'). */
  damage?: VaultErrorCode;
  /** Changes every time the background starts: lets tests prove a worker restart happened. */
  bootId: string;
  settings: Settings;
}

export type AppErrorCode =
  | VaultErrorCode
  | 'locked'
  | 'no-vault'
  | 'vault-exists'
  | 'passphrase-mismatch'
  | 'bad-request'
  | 'forbidden'
  | 'storage-failed'
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
  'vault.changePassphrase': {
    req: { oldPassphrase: string; newPassphrase: string; confirm: string };
    res: VaultStatus;
  };
  'settings.update': { req: { settings: Partial<Settings> }; res: VaultStatus };
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
const CONTENT_SCRIPT_TYPES: ReadonlySet<MessageType> = new Set<MessageType>(['vault.status']);

export function allowedFor(caller: Caller, type: MessageType): boolean {
  return caller.kind === 'extension-page' || CONTENT_SCRIPT_TYPES.has(type);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field checks per message type: anything that reaches the background is untrusted input. */
const SHAPES: { [K in MessageType]: (m: Record<string, unknown>) => boolean } = {
  'vault.status': () => true,
  'vault.create': (m) => isString(m.passphrase) && isString(m.confirm),
  'vault.unlock': (m) => isString(m.passphrase),
  'vault.lock': () => true,
  'vault.changePassphrase': (m) =>
    isString(m.oldPassphrase) && isString(m.newPassphrase) && isString(m.confirm),
  'settings.update': (m) => isRecord(m.settings),
};

/** Validates an incoming message; returns null for anything that is not a well-formed request. */
export function parseMessage(raw: unknown): Message | null {
  if (!isRecord(raw) || !isString(raw.type) || !Object.hasOwn(SHAPES, raw.type)) return null;
  const type = raw.type as MessageType;
  return SHAPES[type](raw) ? (raw as unknown as Message) : null;
}

/** A typed client over any transport (`browser.runtime.sendMessage` in the extension). */
export function createClient(send: (message: Message) => Promise<unknown>) {
  return async function request<K extends MessageType>(
    type: K,
    payload: Protocol[K]['req'],
  ): Promise<Reply<K>> {
    try {
      const reply = (await send({ type, ...payload } as unknown as Message)) as Reply<K> | undefined;
      if (reply && typeof reply === 'object' && 'ok' in reply) return reply;
      return { ok: false, error: { code: 'internal', detail: 'no reply from the background' } };
    } catch (e) {
      return { ok: false, error: { code: 'internal', detail: String((e as Error)?.message ?? e) } };
    }
  };
}
export type Client = ReturnType<typeof createClient>;
