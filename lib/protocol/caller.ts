/**
 * Who is asking the background: decided from what the browser says about the sender
 * (`runtime.MessageSender`), never from the message. Pure, so that every case is unit-tested
 * without a browser; `entrypoints/background/index.ts` passes the browser's sender and our own id.
 */
import type { Caller } from './access';

/** The fields of the browser's `runtime.MessageSender` that decide who is asking. */
export interface SenderInfo {
  /** The sending extension's id: the browser sets it, a page cannot. */
  id?: string;
  /** The sending document's URL (the frame's own, for a content script). */
  url?: string;
  /** 0 for a tab's top frame; set by the browser whenever `tab` is. */
  frameId?: number;
  /** The tab of a content script, or of an extension page opened in a tab. */
  tab?: { id?: number; url?: string };
}

/** This extension, as the background knows it. */
export interface Self {
  /** `runtime.id`. */
  id: string;
  /** `runtime.getURL('/')`: `chrome-extension://<id>/` or `moz-extension://<uuid>/`. */
  baseUrl: string;
}

/**
 * Only this extension's own pages and content scripts are answered; anything else (another
 * extension, a context without a tab or URL) is null, and the background stays silent.
 * An extension page opened in a tab (the settings page) is still an extension page; a document
 * with our URL inside a web page's tab is not (it is treated as a content script there).
 */
export function callerOf(sender: SenderInfo, self: Self): Caller | null {
  if (!self.id || sender.id !== self.id) return null;
  if (sender.url?.startsWith(self.baseUrl) && !sender.tab?.url?.startsWith('http')) {
    return { kind: 'extension-page' };
  }
  if (sender.tab?.id != null && sender.url) {
    return { kind: 'content-script', tabId: sender.tab.id, frameId: sender.frameId ?? 0, url: sender.url };
  }
  return null;
}
