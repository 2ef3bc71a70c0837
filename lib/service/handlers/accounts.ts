/** The accounts as the popup and the options page see and change them, and filling a tab with one. */
import { sealVault } from '../../vault/envelope';
import { inListOrder, type StoredAccount } from '../../vault/accounts';
import { platformFirst } from '../../platforms/on-platform';
import { displayCode } from '../../keycloak/login';
import { normalizeOrigin, planAdditions, sameAuthenticator } from '../../import/additions';
import { accountToUri } from '../../otp/otp';
import type { AccountCode, AccountSummary } from '../../protocol/messages';
import { err, ok } from '../../util/result';
import type { ServiceContext } from '../context';
import type { Session } from '../session';
import type { TabStore } from '../tab-state';
import type { HandlerGroup } from './handler';

type AccountMessage = 'accounts.list' | 'accounts.head' | 'accounts.update' | 'accounts.delete' | 'accounts.reveal' | 'accounts.codes' | 'accounts.add' | 'tab.fillOtp';

export function accountHandlers(ctx: ServiceContext, session: Session, tabs: TabStore): HandlerGroup<AccountMessage> {
  const { deps, now, newId } = ctx;
  const { requireUnlocked, confirmPassphrase } = session;
  const { readTabs, setTabState, dropCopy } = tabs;

  return {
    'accounts.list': async () => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      return ok(listOf(vault.value.data.accounts));
    },

    'accounts.head': async ({ platform, limit }) => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      const list = listOf(vault.value.data.accounts);
      return ok({ accounts: platformFirst(list, platform).slice(0, limit), total: list.length });
    },

    'accounts.update': async ({ id, changes }) => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      const { data } = vault.value;
      const current = data.accounts.find((a) => a.id === id);
      if (!current) return err({ code: 'not-found' });
      const next: StoredAccount = { ...current };
      // 64 code points, not UTF-16 units: a cut through an emoji would leave half of it.
      const clip = (text: string) => [...text.trim()].slice(0, 64).join('');
      if (changes.label !== undefined) next.label = clip(changes.label) || null;
      if (changes.deviceName !== undefined) next.deviceName = clip(changes.deviceName);
      if (changes.origin !== undefined) {
        const origin = normalizeOrigin(changes.origin);
        if (!origin) return err({ code: 'bad-origin' });
        next.origin = origin;
      }
      if (changes.realm !== undefined) next.realm = changes.realm?.trim() || null;
      // A move onto a platform that already has this very authenticator would make two of it.
      const twin = data.accounts.find((a) => a.id !== id && sameAuthenticator(a, next));
      if (twin) return err({ code: 'account-exists' });
      await ctx.save({ ...data, accounts: data.accounts.map((a) => (a.id === id ? next : a)) });
      return ok(toSummary(next));
    },

    'accounts.delete': async ({ id }) => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      const { key, data } = vault.value;
      const current = data.accounts.find((a) => a.id === id);
      if (!current) return err({ code: 'not-found' });
      await ctx.save({ ...data, accounts: data.accounts.filter((a) => a.id !== id) });
      // A setup page that filled it and has not been submitted keeps a sealed copy, marked
      // removed: should its form go all the same, ThingPark has the secret and the submit writes
      // it back. One already submitted is no longer followed: the user chose, warned.
      for (const [tabId, state] of Object.entries(await readTabs())) {
        const e = state.enrollment;
        if (e?.accountId !== id) continue;
        const enrollment = e.submittedAt === null ? { ...e, removed: true, copy: e.copy ?? (await sealVault(key, current)) } : null;
        await setTabState(Number(tabId), { ...state, enrollment }, { durable: true });
      }
      await dropCopy(id);
      return ok({ deleted: true });
    },

    'accounts.reveal': async ({ id, passphrase }) => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      const account = vault.value.data.accounts.find((a) => a.id === id);
      if (!account) return err({ code: 'not-found' });
      const wrong = await confirmPassphrase(passphrase);
      if (wrong) return err(wrong);
      return ok({ uri: accountToUri(account) });
    },

    'accounts.codes': async ({ ids }) => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      const wanted = new Set(ids);
      const at = now();
      const codes: AccountCode[] = [];
      for (const a of vault.value.data.accounts) {
        if (!wanted.has(a.id)) continue;
        const { code, validForMs } = displayCode(a, at);
        codes.push({ id: a.id, code, validForMs, period: a.period });
      }
      return ok(codes);
    },

    'accounts.add': async ({ accounts, dryRun }) => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      const { data } = vault.value;
      const { outcomes, added } = planAdditions(data.accounts, accounts, { nowMs: now(), newId });
      if (dryRun || added.length === 0) return ok(outcomes);
      // One write for the whole batch: an import is saved completely or not at all.
      await ctx.save({ ...data, accounts: [...data.accounts, ...added] });
      return ok(outcomes.map((o) => (o.status === 'new' ? { ...o, status: 'added' as const } : o)));
    },

    'tab.fillOtp': async ({ tabId, accountId }) => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      if (!(await deps.fillTab(tabId, accountId))) return err({ code: 'forbidden', detail: 'cannot access this tab' });
      return ok({ injected: true });
    },
  };
}

/**
 * The accounts as lists show them (lib/vault/accounts.ts, inListOrder), kept per accounts array: every
 * change to the vault makes a new array, so a kept list is never stale, and opening the popup
 * again costs no sorting.
 */
const listed = new WeakMap<readonly StoredAccount[], readonly AccountSummary[]>();
function listOf(accounts: readonly StoredAccount[]): AccountSummary[] {
  let list = listed.get(accounts);
  if (!list) {
    list = inListOrder(accounts.map(toSummary));
    listed.set(accounts, list);
  }
  return list.slice();
}

function toSummary(a: StoredAccount): AccountSummary {
  const { id, label, issuer, accountName, origin, realm, deviceName, kind, algorithm, digits, period, addedAt, enrollment } = a;
  const unconfirmed = enrollment && !enrollment.confirmed ? { filledAt: enrollment.filledAt, submittedAt: enrollment.submittedAt } : null;
  return { id, label: label ?? null, issuer, accountName, origin, realm, deviceName, kind, algorithm, digits, period, addedAt, unconfirmed };
}
