import type { Reply } from '@/lib/protocol';
import type { request as Request } from './client';
import { findCurrentTab, type CurrentTabState } from './current-tab';

/** What the popup's first screen needs: the vault's state, its accounts, and the tab it acts on. */
export interface PopupStart {
  status: Reply<'vault.status'>;
  /** Asked for together with the state; refused ('locked') when the vault is locked. */
  accounts: Reply<'accounts.list'>;
  current: CurrentTabState;
}

/** The slot where `popup-start.js` leaves its answers for the popup's main script. */
export interface PopupStartSlot {
  __thingparkPopupStart?: Promise<PopupStart>;
}

/**
 * Asks for all of it at once. The background answers in order, so the state and the list come
 * back one after the other without waiting for each other's round trip, and the tab lookup runs
 * alongside. Never rejects: a failed tab lookup is "no current tab".
 */
export function startPopup(request: typeof Request): Promise<PopupStart> {
  const status = request('vault.status', {});
  const accounts = request('accounts.list', {});
  const current = findCurrentTab().catch((): CurrentTabState => ({ tab: null, inTab: false }));
  return Promise.all([status, accounts, current]).then(([s, a, c]) => ({ status: s, accounts: a, current: c }));
}
