/**
 * A setup page's enrollment: its fill, written ahead to the vault (unconfirmed) and to the tab's
 * state before the page is answered, and its submit (or Keycloak's Cancel). What ThingPark
 * answered is settled later, by the next page (settle.ts).
 */
import { sealVault } from '../../vault/envelope';
import { isUnconfirmed, type StoredAccount } from '../../vault/accounts';
import { addAccount, planEnrollment } from '../../keycloak/enroll-plan';
import { secondsLeft } from '../../otp/otp';
import { sameAuthenticator } from '../../import/additions';
import { err, ok } from '../../util/result';
import type { Caches } from '../caches';
import type { ServiceContext } from '../context';
import type { Session } from '../session';
import { platformOf, type Settling } from '../settle';
import type { TabEnrollment, TabStore } from '../tab-state';
import { fromPage, type HandlerGroup } from './handler';

export function enrollmentHandlers(ctx: ServiceContext, session: Session, tabs: TabStore, caches: Caches, settling: Settling): HandlerGroup<'page.enroll' | 'page.submitted'> {
  const { deps, now, newId } = ctx;
  const { restore, openCopy } = session;
  const { tabState, setTabState } = tabs;
  const { serverOffset, readSettings, defaultName } = caches;
  const { settleEnrollment, settleTab } = settling;

  return {
    'page.enroll': fromPage(async ({ evidence, clockOffsetMs, sentAt }, caller) => {
      await restore();
      // This setup page settles the tab's last submitted enrollment as its `page.seen` does, so
      // that the page need not wait for that report's answer (one round trip less); whichever
      // of the two arrives first does it, the other finds nothing left to settle.
      const { origin, realm } = platformOf(caller.url);
      if (!realm) return err({ code: 'not-keycloak' });
      const keycloakSaid = evidence.keycloakError?.code || evidence.keycloakError?.label || null;
      await settleTab(caller, 'setup', keycloakSaid, sentAt ?? null);
      // Only now: the settling above is done locked too (its events wait for the next unlock).
      if (!ctx.unlocked) return err({ code: 'locked' });
      // Read before the tab's state, which must not change between its read and its write below.
      const qrText = evidence.qrImage ? await deps.readQr(evidence.qrImage) : null;
      const state = await tabState(caller.tabId);
      const settings = await readSettings();
      // What this page filled before and was not submitted (a refill at a new step, a clock
      // correction, a reload or "Unable to scan?" showing a new secret): this fill takes its
      // place, and the plan does not count its device name as taken.
      const mine = state.enrollment?.submittedAt === null && state.enrollment.origin === origin ? state.enrollment : null;
      const prior = mine ? (ctx.unlocked.data.accounts.find((a) => a.id === mine.accountId && isUnconfirmed(a)) ?? null) : null;
      const base = prior ? { ...ctx.unlocked.data, accounts: ctx.unlocked.data.accounts.filter((a) => a !== prior) } : ctx.unlocked.data;
      // Keycloak checks the setup code with its own clock: follow it once this page has measured
      // it. Until then our clock, not an offset remembered for the platform: the setup page is
      // filled once and then submitted, often at once (Submit automatically waits for the
      // measurement), and a remembered offset that no longer holds would give a code Keycloak
      // refuses where ours, nearly always right, is accepted. The measurement is remembered for
      // the platform's login pages, which correct themselves before their code is used up.
      const offset = clockOffsetMs != null ? serverOffset(origin, clockOffsetMs) : 0;
      const plan = planEnrollment({
        evidence: {
          qrText,
          qrUnreadable: evidence.qrImage != null && qrText == null,
          hiddenSecret: evidence.hiddenSecret,
          manual: evidence.manual,
          fallbackAccountName: state.username,
          fallbackIssuer: realm,
        },
        origin,
        realm,
        baseDeviceName: settings.deviceName || (await defaultName()),
        refusedNames: state.refusedNames,
        data: base,
        nowMs: now(),
        serverOffsetMs: offset,
        id: newId(),
      });
      if (!plan.ok) return err(plan.error);
      let account = plan.value.account;
      // A refill sent before this tab's submit (or before the tab left the page: a submit we did
      // not see) and delivered after it: the form has gone, nothing to store.
      const e0 = state.enrollment;
      const stale = sentAt != null && e0 != null && ((e0.submittedAt !== null && sentAt < e0.submittedAt) || (e0.leftAt !== null && sentAt < e0.leftAt));
      if (!stale) {
        // Write-ahead: the account is in the vault from the moment its code is filled, marked
        // unconfirmed (lib/keycloak/enrollment-state.ts says why). The page is answered at once; the
        // vault write runs meanwhile, and the submit waits for it (page.submitted).
        // A refill of the same page keeps the entry (its id, fill time, and the label the user
        // may have given it meanwhile).
        const refill = prior && sameEnrollment(prior, account) ? prior : null;
        const filledAt = refill?.enrollment?.filledAt ?? now();
        const kept = refill ? { id: refill.id, addedAt: refill.addedAt, label: refill.label ?? null } : {};
        account = { ...account, ...kept, enrollment: { filledAt, submittedAt: null, confirmed: null } };
        const changed = !refill || refill.lastUsedStep !== account.lastUsedStep || refill.counter !== account.counter;
        const { issuer, accountName, deviceName } = account;
        const entry: TabEnrollment = {
          accountId: account.id,
          origin,
          issuer,
          accountName,
          deviceName,
          filledAt,
          submittedAt: null,
          leftAt: null,
          copy: changed ? await sealVault(ctx.unlocked.key, account) : (e0?.copy ?? null),
        };
        // Durable, before the page is answered: with its sealed copy, the enrollment survives a
        // background that stops before the vault write below has landed (restore() writes it).
        await setTabState(caller.tabId, { ...state, enrollment: entry }, { durable: true });
        if (changed) ctx.saveSoon(addAccount(base, account)).catch(() => undefined);
      }
      const { issuer, accountName, deviceName } = account;
      const pageShowsError = !!keycloakSaid;
      return ok({
        code: plan.value.code,
        deviceName,
        issuer,
        accountName,
        autoSubmit: settings.autoSubmit && !pageShowsError,
        clockOffsetMs: offset,
        refreshInMs: account.kind === 'totp' ? secondsLeft(account, now() + offset) * 1000 : null,
      });
    }),

    'page.submitted': fromPage(async ({ cancel }, caller) => {
      await restore();
      const state = await tabState(caller.tabId);
      const e = state.enrollment;
      // Only the platform that filled it speaks for it (the tab may have gone elsewhere since).
      if (!e || e.origin !== platformOf(caller.url).origin) return ok({ pending: false });
      if (cancel) {
        // Keycloak's Cancel: the form goes without a code, ThingPark registers nothing.
        await settleEnrollment(e.accountId, { type: 'cancelled', at: now() }, 'now');
        await setTabState(caller.tabId, { ...state, enrollment: null }, { durable: true });
        return ok({ pending: false });
      }
      if (e.submittedAt !== null) return ok({ pending: true });
      const at = now();
      // Durable, first: after a restart the next page must still be read as Keycloak's answer.
      // Removed by the user and submitted all the same: ThingPark gets this secret, so it is
      // written back from its copy (at the next unlock, when locked).
      await setTabState(caller.tabId, { ...state, enrollment: { ...e, submittedAt: at, removed: false } }, { durable: true });
      if (e.removed && e.copy && ctx.unlocked && !ctx.unlocked.data.accounts.some((a) => a.id === e.accountId)) {
        const account = await openCopy(e.copy, ctx.unlocked.key);
        if (account) await ctx.save(addAccount(ctx.unlocked.data, account));
      }
      // Awaited: the submit is held until the account is on disk (the write-ahead and this one
      // go in order). Locked since the fill: remembered for the next unlock; the vault has it.
      await settleEnrollment(e.accountId, { type: 'submitted', at }, 'now');
      if (e.copy && ctx.onDisk(e.accountId)) {
        // On disk: its sealed copy is no longer needed (lost, it only stays longer).
        const current = await tabState(caller.tabId);
        if (current.enrollment) await setTabState(caller.tabId, { ...current, enrollment: { ...current.enrollment, copy: null } }, { durable: false });
      }
      return ok({ pending: true });
    }),
  };
}

/** The same enrollment filled again (a new code for the same secret, device name and settings). */
function sameEnrollment(a: StoredAccount, b: StoredAccount): boolean {
  return (
    sameAuthenticator(a, b) &&
    a.deviceName === b.deviceName &&
    a.kind === b.kind &&
    a.algorithm === b.algorithm &&
    a.digits === b.digits &&
    a.period === b.period
  );
}
