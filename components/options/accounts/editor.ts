import { useLayoutEffect, useRef } from 'preact/hooks';
import type { AccountSummary } from '@/lib/protocol/messages';
import type { ManagedAccount } from './grouping';

/** What a row can open, one at a time, under its buttons. */
export type Action = 'rename' | 'device' | 'move' | 'delete' | 'reveal';

/** A sentence for the section's live region: done (status) or refused (alert). */
export interface Note {
  tone: 'ok' | 'error';
  text: string;
}

/** What an open editor may do; the section owns the list, the focus and the announcements. */
export interface EditorProps {
  account: ManagedAccount;
  /** Closes the editor and puts the focus back on the row's button that opened it. */
  onClose: (note?: Note) => void;
  /** The background saved this account (rename, device, move). */
  onSaved: (account: AccountSummary) => void;
  /** The background deleted this account. */
  onDeleted: (id: string) => void;
  /** Announces without closing (e.g. "Link copied"). */
  say: (note: Note) => void;
}

/**
 * Focuses the element as it enters the page: the editor that just opened takes the focus. A layout
 * effect, not an effect: an effect waits for the next frame (up to 100 ms when frames are
 * throttled), and a key pressed meanwhile (Escape at once) would go to the button behind.
 */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useLayoutEffect(() => ref.current?.focus(), []);
  return ref;
}

/** Escape anywhere in an editor cancels it (a native <select> that is open keeps its own Escape). */
export function onEscape(cancel: () => void) {
  return (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    e.preventDefault();
    e.stopPropagation();
    cancel();
  };
}
