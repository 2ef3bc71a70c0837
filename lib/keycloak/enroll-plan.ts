/**
 * Planning an enrollment: from the evidence on Keycloak's setup page to the account we would
 * store and the code and device name we fill. Pure; the background keeps the plan pending until
 * Keycloak accepts it (a secret the server never accepted is never kept).
 */
import type { StoredAccount, VaultData } from '../vault/accounts';
import { crossCheck, type EnrollError, type EnrollmentEvidence } from './setup-check';
import { codeAt, codeForStep, stepAt } from '../otp/otp';
import { err, ok, type Result } from '../util/result';

export const DEVICE_NAME_PREFIX = 'ThingPark Autofill';

const OS_NAMES: Record<string, string> = {
  linux: 'Linux',
  win: 'Windows',
  mac: 'macOS',
  cros: 'ChromeOS',
  android: 'Android',
  openbsd: 'OpenBSD',
  fuchsia: 'Fuchsia',
};

/** "ThingPark Autofill · Firefox on Linux": readable in Keycloak's device list and chooser. */
export function defaultDeviceName(browserName: string, os: string): string {
  return `${DEVICE_NAME_PREFIX} · ${browserName} on ${OS_NAMES[os] ?? os}`;
}

/** `base`, or the first of "base (2)", "base (3)", … that is not taken (case-insensitive). */
export function chooseDeviceName(base: string, taken: readonly string[]): string {
  const used = new Set(taken.map((n) => n.trim().toLowerCase()));
  if (!used.has(base.toLowerCase())) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base} (${i})`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}

export interface EnrollInput {
  evidence: EnrollmentEvidence;
  origin: string;
  realm: string | null;
  /** The device name to start from (the user's setting or the generated default). */
  baseDeviceName: string;
  /** Names Keycloak refused in this tab ("Device already exists with the same name"). */
  refusedNames: readonly string[];
  data: VaultData;
  nowMs: number;
  /**
   * The platform's clock minus ours (ms), when it differs by more than the Date header's noise:
   * Keycloak checks the setup code against its own clock. 0 or absent: ours.
   */
  serverOffsetMs?: number;
  id: string;
}

export interface EnrollPlan {
  /** The account as it will be stored once Keycloak accepts the code. */
  account: StoredAccount;
  code: string;
}

export function planEnrollment(input: EnrollInput): Result<EnrollPlan, EnrollError> {
  const checked = crossCheck(input.evidence);
  if (!checked.ok) return checked;
  const otp = checked.value;
  // Keycloak moves an HOTP counter past the setup code, so the stored counter is one more: at
  // 2^53-1 that is no longer an exact number, and the vault, which re-validates every account
  // when it opens, would refuse to open at all. A page offering such a counter is not Keycloak.
  if (otp.kind === 'hotp' && !Number.isSafeInteger(otp.counter + 1)) {
    return err({ code: 'bad-counter', detail: 'the HOTP counter is too large to move on' });
  }
  // Names this user already has for this account on this platform (enrolled by us before).
  const taken = input.data.accounts
    .filter((a) => a.origin === input.origin && a.realm === input.realm && a.accountName === otp.accountName)
    .map((a) => a.deviceName)
    .concat(input.refusedNames);
  const deviceName = chooseDeviceName(input.baseDeviceName, taken);
  const isHotp = otp.kind === 'hotp';
  const serverNow = input.nowMs + (input.serverOffsetMs ?? 0);
  const step = isHotp ? otp.counter : stepAt(otp, serverNow);
  const code = isHotp ? codeForStep(otp, otp.counter) : codeAt(otp, serverNow);
  const account: StoredAccount = {
    ...otp,
    // Keycloak moves an HOTP credential's counter past the code that set it up.
    counter: isHotp ? otp.counter + 1 : otp.counter,
    id: input.id,
    origin: input.origin,
    realm: input.realm,
    deviceName,
    addedAt: input.nowMs,
    // The setup code counts as used: Keycloak refuses it again for 3 periods.
    lastUsedStep: step,
  };
  return ok({ account, code });
}

/** Adds an accepted account to the vault content (a copy), replacing one with the same id. */
export function addAccount(data: VaultData, account: StoredAccount): VaultData {
  return { ...data, accounts: [...data.accounts.filter((a) => a.id !== account.id), account] };
}
