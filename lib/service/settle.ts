/**
 * How a tab's enrollment and login are settled: what the tab's next page (its own report, or the
 * browser's tab events when no content script of ours speaks for it) says of ThingPark's answer.
 */
import { applyToVault, parseSettled, type EnrollmentEvent } from '../keycloak/enrollment-state';
import { realmFromUrl } from '../keycloak/page-detection';
import type { Protocol } from '../protocol/messages';
import type { PageKind } from '../protocol/page';
import type { ServiceContext } from './context';
import { KEYS } from './ports';
import type { Session } from './session';
import type { TabStore } from './tab-state';

type PageSeenValue = Protocol['page.seen']['res'];

export type Settling = ReturnType<typeof createSettling>;

export function createSettling(ctx: ServiceContext, tabs: TabStore, { restore }: Session) {
  const { session, now } = ctx;
  const { readTabs, tabState, setTabState, keepCopyOf } = tabs;

  /**
   * An enrollment event: applied to the vault now (`now`: awaited; `soon`: written in the
   * background), or, while the vault is locked, kept in storage.session for the next unlock.
   * Returns whether the vault was open.
   */
  async function settleEnrollment(accountId: string, event: EnrollmentEvent, write: 'now' | 'soon'): Promise<boolean> {
    if (ctx.unlocked) {
      const next = applyToVault(ctx.unlocked.data, accountId, event);
      if (next !== ctx.unlocked.data) await (write === 'now' ? ctx.save(next) : ctx.saveSoon(next).catch(() => undefined));
      return true;
    }
    const journal = parseSettled(await session.get(KEYS.settle));
    await session.set(KEYS.settle, [...journal, { accountId, event }]);
    return false;
  }

  /**
   * What a page of this tab tells of the tab's last enrollment and last login (`kind`: the page
   * now shown; `setupError`: Keycloak's error on a setup page; `sentAt`: when the page spoke,
   * null when unknown). A page that spoke before the submit says nothing of Keycloak's answer
   * to it (a report delivered late, after a restart). Returns what the page tells the user.
   */
  async function settleTab(caller: { tabId: number; url: string }, kind: PageKind, setupError: string | null, sentAt: number | null): Promise<PageSeenValue> {
    const state = await tabState(caller.tabId);
    const origin = platformOf(caller.url).origin;
    const after = (t: number) => sentAt === null || sentAt >= t;
    let next = state;
    let reply: PageSeenValue = { saved: null, refused: false };

    // Keycloak's own pages without a form (an expired page, its error page) say nothing of either.
    if (kind === 'none' && isKeycloakFlowPage(caller.url)) return reply;

    // A login with an unconfirmed account's code: the first page after that submit settles it.
    // Any page but Keycloak's OTP or password page is ThingPark letting the user in with it; the
    // OTP page again is Keycloak refusing the code (and a code typed after that is not ours).
    const login = state.loginSubmitted;
    if (login && after(login.at)) {
      next = { ...next, loginSubmitted: null };
      if (kind !== 'login' && kind !== 'otp') await settleEnrollment(login.accountId, { type: 'confirmed', by: 'login-accepted', at: now() }, 'soon');
    }

    const e = state.enrollment;
    if (e && e.origin === origin && e.submittedAt !== null && after(e.submittedAt)) {
      next = { ...next, enrollment: null };
      const names = { issuer: e.issuer, accountName: e.accountName };
      if (kind === 'setup' && setupError) {
        // Keycloak refused the code or the device name: it registered nothing. The account goes;
        // a refused device name is not offered again in this tab.
        await settleEnrollment(e.accountId, { type: 'refused', at: now() }, 'now');
        next.refusedNames = [...state.refusedNames, e.deviceName];
        reply = { saved: null, refused: true };
      } else if (kind !== 'setup' && kind !== 'login') {
        const open = await settleEnrollment(e.accountId, { type: 'confirmed', by: 'next-page', at: now() }, 'now');
        next.refusedNames = [];
        reply = open ? { saved: { ...names, deviceName: e.deviceName }, refused: false } : { saved: null, refused: false, kept: names };
      }
      // The setup page again without an error, or the password page (the login restarted):
      // neither says whether ThingPark has the device. It stays, unconfirmed; a later login
      // confirms it.
    } else if (e && e.submittedAt === null && e.leftAt !== null && sentAt !== null && sentAt > e.leftAt && kind !== 'setup') {
      // The tab left the filled page without a submit we know of (a page's own script can
      // submit a form without the event we hold): ThingPark may have it. Kept, unconfirmed,
      // and no longer this tab's. A setup page next replaces it (page.enroll).
      next = { ...next, enrollment: null };
    }
    if (next !== state) {
      if (!next.enrollment) await keepCopyOf(state.enrollment);
      await setTabState(caller.tabId, next, { durable: true });
    }
    return reply;
  }

  // The browser's tab events (service.ts runs each in the serial queue).

  /**
   * A tab started loading another page (`at`, ms): a filled setup form that was never
   * submitted, then closed, was not sent; one that left its page may have been.
   */
  async function tabNavigating(tabId: number, at: number): Promise<void> {
    const state = (await readTabs())[tabId];
    const e = state?.enrollment;
    if (!state || !e || at <= (e.submittedAt ?? e.filledAt)) return;
    // Durable: the tab may close right after, with the background restarted in between.
    await setTabState(tabId, { ...state, enrollment: { ...e, leftAt: at } }, { durable: true });
  }

  /**
   * A tab finished loading a page (`url` when the browser lets us see it) and no content script
   * of ours spoke for it first (e.g. Keycloak redirected to an application on another host):
   * after a submit, that page is ThingPark's answer, and not the setup page again.
   */
  async function tabLoaded(tabId: number, loadedAt: number, url?: string): Promise<void> {
    const state = (await readTabs())[tabId];
    if (!state) return;
    if (url && isKeycloakFlowPage(url)) {
      // Keycloak's page after a login's submit (its OTP page again: the code refused): that
      // login confirms nothing. Its setup pages are reported by the page script itself.
      const login = state.loginSubmitted;
      if (login && loadedAt > login.at) await setTabState(tabId, { ...state, loginSubmitted: null }, { durable: true });
      return;
    }
    await restore();
    let next = state;
    const e = state.enrollment;
    // Only a page whose loading began after the submit answers it.
    if (e && e.submittedAt !== null && e.leftAt !== null && e.leftAt >= e.submittedAt && loadedAt > e.leftAt) {
      await settleEnrollment(e.accountId, { type: 'confirmed', by: 'tab-loaded', at: now() }, 'now');
      next = { ...next, enrollment: null, refusedNames: [] };
    }
    const login = state.loginSubmitted;
    if (login && loadedAt > login.at) {
      await settleEnrollment(login.accountId, { type: 'confirmed', by: 'login-accepted', at: now() }, 'soon');
      next = { ...next, loginSubmitted: null };
    }
    if (next !== state) {
      if (!next.enrollment) await keepCopyOf(state.enrollment);
      await setTabState(tabId, next, { durable: true });
    }
  }

  /**
   * A tab closed. Its filled setup form, if never submitted and never left, never reached
   * ThingPark: that account goes. Anything else stays (unconfirmed): closing a tab after
   * Submit says nothing of what ThingPark did with it.
   */
  async function tabRemoved(tabId: number): Promise<void> {
    const state = (await readTabs())[tabId];
    if (!state) return;
    const e = state.enrollment;
    await restore();
    if (e && e.submittedAt === null && e.leftAt === null) await settleEnrollment(e.accountId, { type: 'abandoned', at: now() }, 'now');
    // Its sealed copy stays (in `Copies`) only while the vault on disk may lack the account.
    else await keepCopyOf(e);
    await setTabState(tabId, null, { durable: true });
  }

  return { settleEnrollment, settleTab, tabNavigating, tabLoaded, tabRemoved };
}

/** Keycloak's own login flow (password, OTP and setup pages), whose pages our content script reports itself. */
function isKeycloakFlowPage(url: string): boolean {
  try {
    const path = new URL(url).pathname;
    return /\/realms\/[^/]+\/(login-actions|protocol\/openid-connect)\//.test(path);
  } catch {
    return false;
  }
}

/** The platform a page belongs to: its exact origin and its Keycloak realm (from the sender's URL). */
export function platformOf(url: string): { origin: string; realm: string | null } {
  try {
    return { origin: new URL(url).origin, realm: realmFromUrl(url) };
  } catch {
    return { origin: 'null', realm: null };
  }
}
