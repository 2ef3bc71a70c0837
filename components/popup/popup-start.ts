import type { CurrentTabState, PopupStart } from '@/lib/protocol/hand-off';
import type { request as Request } from '../../utils/client';
import { findCurrentTab } from './current-tab';
import { FIRST_SCREEN_ROWS } from './list-size';

/**
 * Asks for the state and the tab at once; once the tab is known, for the first screen's
 * accounts (its platform's first), and once those are in, for the whole list when there is
 * more. The first render needs only the head: it does not wait for a thousand accounts to cross
 * (about 250 kB, 10 ms and more in Chromium). Never rejects: a failed tab lookup is "no
 * current tab"; a refused head (locked) leaves the list to ask for itself after the unlock.
 */
export function startPopup(request: typeof Request): Promise<PopupStart> {
  const status = request('vault.status', {});
  const current = findCurrentTab().catch((): CurrentTabState => ({ tab: null, inTab: false }));
  const lists = current.then(async (c) => {
    const platform = c.tab?.origin ? { origin: c.tab.origin, realm: c.tab.realm } : null;
    const head = await request('accounts.head', { platform, limit: FIRST_SCREEN_ROWS });
    // The rest crosses while the first screen renders; a small vault's head is all of it.
    const whole = !head.ok || head.value.accounts.length >= head.value.total;
    return { head, rest: whole ? null : request('accounts.list', {}) };
  });
  return Promise.all([status, lists, current]).then(([s, l, c]) => ({ status: s, head: l.head, rest: l.rest, current: c }));
}
