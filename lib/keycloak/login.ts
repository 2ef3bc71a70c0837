/**
 * Login: which stored account and which Keycloak OTP device a login page is for, and which code
 * Keycloak will accept now. Pure; the background applies it to the page's sender origin.
 */
import { isUnconfirmed, type StoredAccount } from '../vault/accounts';
import { codeForStep, stepAt } from '../otp/otp';
import { same, sameLabel } from './names';

export interface PageDevice {
  id: string;
  label: string;
}

export interface LoginContext {
  origin: string;
  realm: string | null;
  /** The user name Keycloak shows on the OTP page (classic label, v2 read-only input). */
  attemptedUsername: string | null;
  /** The user name typed on this tab's password page. */
  rememberedUsername: string | null;
  /** The OTP devices the page lists ([] when it shows no chooser). */
  devices: readonly PageDevice[];
  /** An account the user picked in the chooser. */
  chosenAccountId: string | null;
}

export type Pick =
  | { kind: 'account'; account: StoredAccount; deviceId: string | null }
  | { kind: 'choose'; candidates: StoredAccount[] }
  | { kind: 'none'; reason: 'no-account' | 'device-not-listed' };

/**
 * Whether an account belongs to a page: the exact origin, and the same realm when both the page
 * and the account name one (an account added without a realm serves every realm of its origin).
 */
export const boundTo = (a: { origin: string; realm: string | null }, origin: string, realm: string | null): boolean =>
  a.origin === origin && (realm === null || a.realm === null || a.realm === realm);

/**
 * What the toolbar button says about a page: `none` (no account of ours belongs to it), `bound`,
 * or `unconfirmed` (every account that belongs to it still waits for ThingPark's confirmation).
 */
export type PageMark = 'none' | 'bound' | 'unconfirmed';

export function pageMark(accounts: readonly StoredAccount[], origin: string, realm: string | null): PageMark {
  const mine = accounts.filter((a) => boundTo(a, origin, realm));
  if (mine.length === 0) return 'none';
  return mine.every(isUnconfirmed) ? 'unconfirmed' : 'bound';
}

/**
 * Only accounts bound to this exact origin (and realm, when the page has one) are candidates.
 * Among them the attempted user name decides, then the remembered one; with nothing to tell
 * several apart the user chooses: guessing would burn one of Keycloak's few allowed failures.
 */
export function pickAccount(accounts: readonly StoredAccount[], ctx: LoginContext): Pick {
  const candidates = accounts.filter((a) => boundTo(a, ctx.origin, ctx.realm));
  if (candidates.length === 0) return { kind: 'none', reason: 'no-account' };

  let matches: StoredAccount[] = candidates;
  if (ctx.chosenAccountId) {
    matches = candidates.filter((a) => a.id === ctx.chosenAccountId);
  } else {
    const name = ctx.attemptedUsername || ctx.rememberedUsername;
    if (name) {
      const named = candidates.filter((a) => same(a.accountName, name));
      // A name that matches nobody: let the user pick rather than fill another user's code.
      if (named.length === 0) return { kind: 'choose', candidates };
      matches = named;
    }
  }
  if (matches.length === 0) return { kind: 'none', reason: 'no-account' };

  // Several of this user's accounts (re-enrolled devices): the page's device list decides.
  if (ctx.devices.length > 0) {
    const listed = matches.filter((a) => ctx.devices.some((d) => sameLabel(d.label, a.deviceName)));
    if (listed.length === 0) return { kind: 'none', reason: 'device-not-listed' };
    // Device names tell one user's devices apart, not users (every user's first device gets the
    // same default name): with several users' accounts listed, the user chooses.
    if (!listed.every((a) => same(a.accountName, listed[0]!.accountName))) return { kind: 'choose', candidates: listed };
    // The most recently enrolled of ours that Keycloak still lists.
    const account = listed.reduce((a, b) => (b.addedAt > a.addedAt ? b : a));
    const device = ctx.devices.find((d) => sameLabel(d.label, account.deviceName));
    return { kind: 'account', account, deviceId: device?.id ?? null };
  }
  if (matches.length === 1) return { kind: 'account', account: matches[0]!, deviceId: null };
  // Same user, several of our devices, and a page with a single device (no chooser): the newest.
  const sameUser = matches.every((a) => same(a.accountName, matches[0]!.accountName));
  if (sameUser) return { kind: 'account', account: matches.reduce((a, b) => (b.addedAt > a.addedAt ? b : a)), deviceId: null };
  return { kind: 'choose', candidates: matches };
}

export type CodeNow =
  | { kind: 'code'; code: string; step: number; /** ms until this code's step ends (TOTP) */ validForMs: number | null }
  | { kind: 'wait'; /** ms until the next step starts */ waitMs: number; step: number };

/**
 * The code to fill at `nowMs` (server time). Keycloak 20+ refuses a code already accepted for
 * the device (for 3 periods), with the same message as a wrong one: when this step's code was
 * used, wait for the next step rather than fill a code that will be refused.
 */
export function codeNow(account: StoredAccount, nowMs: number): CodeNow {
  if (account.kind === 'hotp') {
    return { kind: 'code', code: codeForStep(account, account.counter), step: account.counter, validForMs: null };
  }
  const step = stepAt(account, nowMs);
  const periodMs = account.period * 1000;
  if (account.lastUsedStep != null && account.lastUsedStep >= step) {
    const next = account.lastUsedStep + 1;
    return { kind: 'wait', waitMs: Math.max(0, next * periodMs - nowMs), step: next };
  }
  return { kind: 'code', code: codeForStep(account, step), step, validForMs: (step + 1) * periodMs - nowMs };
}

/**
 * The account after its code for `step` was submitted (HOTP: the counter moves on). The counter
 * stops at 2^53-1, the largest exact one: beyond it the account would no longer validate, and the
 * vault, which checks every account when it opens, would not open at all.
 */
export function markUsed(account: StoredAccount, step: number): StoredAccount {
  if (account.kind === 'hotp') {
    return { ...account, counter: Math.min(Number.MAX_SAFE_INTEGER, Math.max(account.counter, step + 1)), lastUsedStep: step };
  }
  return { ...account, lastUsedStep: Math.max(account.lastUsedStep ?? -1, step) };
}


/** The code to show in the popup right now (no reuse rule: showing is not using). */
export function displayCode(account: StoredAccount, nowMs: number): { code: string; validForMs: number | null } {
  if (account.kind === 'hotp') return { code: codeForStep(account, account.counter), validForMs: null };
  const step = stepAt(account, nowMs);
  return { code: codeForStep(account, step), validForMs: (step + 1) * account.period * 1000 - nowMs };
}
