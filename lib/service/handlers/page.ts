/**
 * What the content scripts on ThingPark's pages ask: a login's code (and marking it used once
 * submitted), what a page says of the tab's last enrollment and login, the user name typed, the
 * setup page's QR reader. Enrolling (the setup page's fill and submit) is in enrollment.ts.
 */
import { isUnconfirmed } from '../../vault/accounts';
import { applyToVault } from '../../keycloak/enrollment-state';
import { same, sameLabel } from '../../keycloak/names';
import { realmFromUrl } from '../../keycloak/page-detection';
import { boundTo, codeNow, markUsed, pageMark, pickAccount } from '../../keycloak/login';
import { err, ok } from '../../util/result';
import type { Caches } from '../caches';
import type { ServiceContext } from '../context';
import type { Session } from '../session';
import { platformOf, type Settling } from '../settle';
import type { TabStore } from '../tab-state';
import { enrollmentHandlers } from './enrollment';
import { fromPage, type HandlerGroup, type PageCaller } from './handler';

type PageMessage = 'page.enroll' | 'page.submitted' | 'page.fill' | 'page.otpSubmitted' | 'page.seen' | 'page.username' | 'page.loadQrReader';

export function pageHandlers(ctx: ServiceContext, session: Session, tabs: TabStore, caches: Caches, settling: Settling): HandlerGroup<PageMessage> {
  const { deps, now } = ctx;
  const { restore, status } = session;
  const { tabState, setTabState } = tabs;
  const { serverOffset, readSettings } = caches;
  const { settleTab } = settling;

  /**
   * A later OTP page lists devices: each unconfirmed account of this user whose device name it
   * lists is one ThingPark has. Written in the background: the page must not wait for it.
   */
  function confirmListed(origin: string, realm: string | null, user: string | null, devices: readonly { label: string }[]): void {
    if (!ctx.unlocked || !user || devices.length === 0) return;
    let next = ctx.unlocked.data;
    for (const a of next.accounts) {
      if (!isUnconfirmed(a) || !boundTo(a, origin, realm)) continue;
      if (same(a.accountName, user) && devices.some((d) => sameLabel(d.label, a.deviceName))) {
        next = applyToVault(next, a.id, { type: 'confirmed', by: 'device-listed', at: now() });
      }
    }
    if (next !== ctx.unlocked.data) ctx.saveSoon(next).catch(() => undefined);
  }

  /**
   * The toolbar button's mark for the tab: only a top frame speaks for its tab. A button that
   * cannot be drawn never fails the page's request (the account may just have been saved).
   */
  function showMark(caller: PageCaller): void {
    if (!ctx.unlocked || caller.frameId !== 0 || !deps.showPage) return;
    const { origin, realm } = platformOf(caller.url);
    try {
      deps.showPage(caller.tabId, pageMark(ctx.unlocked.data.accounts, origin, realm));
    } catch {
      // Nothing to tell the page: the mark is only a hint on the button.
    }
  }

  const enrollment = enrollmentHandlers(ctx, session, tabs, caches, settling);

  return {
    // The setup page's fill saves an account (unconfirmed), its Cancel removes one: the mark follows.
    'page.enroll': fromPage(async (m, caller) => {
      const reply = await enrollment['page.enroll'](m, caller);
      showMark(caller);
      return reply;
    }),
    'page.submitted': fromPage(async (m, caller) => {
      const reply = await enrollment['page.submitted'](m, caller);
      showMark(caller);
      return reply;
    }),

    'page.loadQrReader': fromPage(async (_m, caller) => {
      // Only where there is something to enroll: a setup page of a Keycloak realm.
      if (!realmFromUrl(caller.url)) return err({ code: 'not-keycloak' });
      await deps.loadQrReader(caller.tabId, caller.frameId);
      return ok({ loaded: true });
    }),

    'page.fill': fromPage(async (m, caller) => {
      await restore();
      if (!ctx.unlocked) {
        // One round trip for the page: say why there is no code, not just that there is none.
        const { state } = await status();
        return err({ code: state === 'none' ? 'no-vault' : state === 'damaged' ? 'corrupt' : 'locked' });
      }
      showMark(caller);
      const { origin, realm } = platformOf(caller.url);
      const offset = serverOffset(origin, m.clockOffsetMs);
      const state = await tabState(caller.tabId);
      const pick = pickAccount(ctx.unlocked.data.accounts, {
        origin,
        realm,
        attemptedUsername: m.attemptedUsername,
        rememberedUsername: state.username,
        devices: m.devices,
        chosenAccountId: m.chosenAccountId,
      });
      confirmListed(origin, realm, m.attemptedUsername || state.username, m.devices);
      if (pick.kind === 'none') return ok({ kind: 'none', reason: pick.reason });
      if (pick.kind === 'choose') {
        return ok({
          kind: 'choose',
          candidates: pick.candidates.map(({ id, accountName, issuer, deviceName }) => ({ id, accountName, issuer, deviceName })),
        });
      }
      const { account, deviceId } = pick;
      const next = codeNow(account, now() + offset);
      if (next.kind === 'wait') return ok({ kind: 'wait', retryInMs: next.waitMs, accountName: account.accountName, clockOffsetMs: offset });
      // Not durable: the page submits within seconds and the background, woken by this very
      // exchange, is still running then and answers from memory. The write only matters after a
      // worker restart between the fill and the submit, and it is on its way before this reply
      // leaves. Should it still be lost, the submitted code is not marked used: a second login
      // within the same step could be offered that code again (Keycloak refuses it as reused)
      // instead of being told to wait for the next one. Nothing is lost from the vault.
      await setTabState(caller.tabId, { ...state, lastFill: { accountId: account.id, step: next.step } }, { durable: false });
      const settings = await readSettings();
      return ok({
        kind: 'fill',
        code: next.code,
        accountId: account.id,
        accountName: account.accountName,
        deviceName: account.deviceName,
        deviceId,
        autoSubmit: settings.autoSubmit && !m.pageError,
        validForMs: next.validForMs,
        skewWarningMs: account.kind === 'totp' && Math.abs(offset) > account.period * 1000 ? offset : null,
        clockOffsetMs: offset,
      });
    }),

    'page.otpSubmitted': fromPage(async (_m, caller) => {
      await restore();
      const state = await tabState(caller.tabId);
      const fill = state.lastFill;
      if (!fill || !ctx.unlocked) return ok({ marked: false });
      const data = ctx.unlocked.data;
      await ctx.save({ ...data, accounts: data.accounts.map((a) => (a.id === fill.accountId ? markUsed(a, fill.step) : a)) });
      const account = data.accounts.find((a) => a.id === fill.accountId);
      if (account && isUnconfirmed(account)) {
        // The next page says whether ThingPark took this code (settleTab). Durable: a restart
        // in between must not lose it; lost, the account only stays unconfirmed.
        await setTabState(caller.tabId, { ...state, lastFill: null, loginSubmitted: { accountId: account.id, at: now() } }, { durable: true });
      } else {
        // Not durable: a lastFill left in storage after a restart marks the same step used again (no change).
        await setTabState(caller.tabId, { ...state, lastFill: null }, { durable: false });
      }
      return ok({ marked: true });
    }),

    'page.seen': fromPage(async ({ kind, setupError, sentAt }, caller) => {
      await restore();
      const settled = await settleTab(caller, kind, setupError, sentAt ?? null);
      // After the settlement: the page may just have confirmed (or disproved) an account.
      showMark(caller);
      return ok(settled);
    }),

    'page.username': fromPage(async ({ username }, caller) => {
      const state = await tabState(caller.tabId);
      // Not durable: the OTP or setup page comes right after the password page and the background
      // answers it from memory; lost after a restart, the name is only a hint (the page's own
      // attempted user name and the accounts' names still pick the account).
      await setTabState(caller.tabId, { ...state, username: username.trim() || null }, { durable: false });
      return ok({ remembered: true });
    }),
  };
}
