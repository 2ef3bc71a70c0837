/** The shape of the service's message handlers, and the one check that page handlers need. */
import type { Caller } from '../../protocol/access';
import type { AppError } from '../../protocol/errors';
import type { Message, MessageType, Protocol } from '../../protocol/messages';
import { err, type Result } from '../../util/result';

export type Handler<K extends MessageType> = (m: Message<K>, caller: Caller) => Promise<Result<Protocol[K]['res'], AppError>>;

/** One handler for every message of the protocol: service.ts checks its table against this. */
export type Handlers = { [K in MessageType]: Handler<K> };

/** The handlers of the messages `K` (one group: vault, accounts, page…). */
export type HandlerGroup<K extends MessageType> = Pick<Handlers, K>;

export type PageCaller = Extract<Caller, { kind: 'content-script' }>;

/**
 * A handler of a page message, which speaks for the tab and page that sent it. `handle` lets only
 * content scripts send page messages (allowedFor, lib/protocol/access.ts); this check says so to
 * the types, and refuses should a handler ever be reached another way.
 */
export function fromPage<K extends MessageType>(
  handler: (m: Message<K>, caller: PageCaller) => Promise<Result<Protocol[K]['res'], AppError>>,
): Handler<K> {
  return (m, caller) => (caller.kind === 'content-script' ? handler(m, caller) : Promise.resolve(err({ code: 'forbidden' })));
}
