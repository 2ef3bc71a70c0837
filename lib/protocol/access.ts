/** Who may send which message: decided from the caller the browser names (caller.ts), never from the message. */
import type { MessageType } from './messages';

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
