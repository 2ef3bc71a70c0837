/**
 * The decrypted vault's content: accounts bound to the platform (origin and Keycloak realm)
 * where they were enrolled. Only the background ever holds this in plaintext.
 */
import { parseOtpauthUri, accountToUri, type OtpAccount } from '../otp/otp';
import { ok, err, isRecord, type Result } from '../util/result';

export interface StoredAccount extends OtpAccount {
  /** Random id, stable across renames and moves. */
  id: string;
  /** Exact origin of the platform, e.g. `https://community.thingpark.io`. */
  origin: string;
  /** Keycloak realm, e.g. `tpw-users-actility-tpe-ope`, or null when unknown (added by hand). */
  realm: string | null;
  /** Device name given to Keycloak for this credential (selects the right OTP device at login). */
  deviceName: string;
  /** When the account was added (ms since epoch). */
  addedAt: number;
  /** Last TOTP step (or HOTP counter) whose code was used: Keycloak refuses a code twice. */
  lastUsedStep: number | null;
  /**
   * The user's own name for the account in lists, or null. Kept apart from `accountName`, which
   * is the Keycloak user name and picks the account at login.
   */
  label?: string | null;
  /**
   * How the extension enrolled this account on ThingPark's setup page; null for an account added
   * by hand or imported, and for one enrolled before vault version 2 (kept only once accepted).
   * The account is written to the vault the moment the setup form is filled, before Keycloak
   * answers: Keycloak registers the device while it handles the form's POST, so from then on this
   * secret may be the user's only way in (see lib/keycloak/enrollment-state.ts).
   */
  enrollment?: EnrollmentRecord | null;
}

/** What ThingPark showed that tells it registered the device. */
export type ConfirmEvidence =
  /** The tab's page after the submit was neither Keycloak's setup page nor its password page. */
  | 'next-page'
  /** A page in that tab finished loading after the submit (no script of ours reported it). */
  | 'tab-loaded'
  /** A later OTP page of that user listed this device name. */
  | 'device-listed'
  /** A later login with this account's code was accepted. */
  | 'login-accepted';

export const CONFIRM_EVIDENCE: readonly ConfirmEvidence[] = ['next-page', 'tab-loaded', 'device-listed', 'login-accepted'];

export interface EnrollmentRecord {
  /** When the setup form was filled (ms since epoch). */
  filledAt: number;
  /** When the form was submitted, or null while no submit was recorded. */
  submittedAt: number | null;
  /** null while ThingPark has not shown that it has the device ("unconfirmed"). */
  confirmed: { at: number; by: ConfirmEvidence } | null;
}

/** Enrolled by us and not yet shown accepted by ThingPark: kept, used at login, marked in lists. */
export function isUnconfirmed(a: { enrollment?: EnrollmentRecord | null }): boolean {
  return a.enrollment != null && a.enrollment.confirmed === null;
}

/**
 * The decrypted vault content. Version 2 added `enrollment` to accounts; version 1 content (every
 * account then was kept only once ThingPark had accepted it) is read as version 2 with no
 * enrollment record (lib/vault/accounts.ts, parseVaultData).
 */
export interface VaultData {
  version: 2;
  accounts: StoredAccount[];
}

/**
 * The order lists show accounts in: by issuer, then by the name shown (label, else account name),
 * as people read them (case and accents aside, numbers by value: "user2" before "user10").
 * Sorted in the background, once per vault change, so that the popup's first render does no
 * collation (it must render 1,000 accounts within its time budget: npm run bench).
 */
export function inListOrder<T extends { issuer: string; label?: string | null; accountName: string }>(accounts: readonly T[]): T[] {
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  const keyed = accounts.map((a) => ({ a, issuer: a.issuer, name: a.label ?? a.accountName }));
  keyed.sort((x, y) => collator.compare(x.issuer, y.issuer) || collator.compare(x.name, y.name));
  return keyed.map((k) => k.a);
}

export const EMPTY_VAULT: VaultData = { version: 2, accounts: [] };

/**
 * Validates decrypted vault content. The ciphertext is authenticated, so a failure here means a
 * bug or a future format, never an attack; still, refuse rather than half-load accounts.
 */
export function parseVaultData(raw: unknown): Result<VaultData, string> {
  if (!isRecord(raw) || (raw.version !== 1 && raw.version !== 2) || !Array.isArray(raw.accounts)) {
    return err('vault content has an unknown layout');
  }
  // Version 1 had no enrollment records: its accounts were all accepted by ThingPark (or added
  // by hand), so they migrate as accounts without one. A record in version 1 content is damage.
  const version = raw.version as 1 | 2;
  const accounts: StoredAccount[] = [];
  for (const [i, a] of raw.accounts.entries()) {
    const parsed = parseStoredAccount(a, version);
    if (!parsed.ok) return err(`account ${i + 1}: ${parsed.error}`);
    accounts.push(parsed.value);
  }
  return ok({ version: 2, accounts });
}

function parseStoredAccount(a: unknown, version: 1 | 2): Result<StoredAccount, string> {
  if (!isRecord(a)) return err('not an object');
  const { id, origin, realm, deviceName, addedAt, lastUsedStep, label } = a;
  const enrollment = version === 1 ? (a.enrollment === undefined ? null : undefined) : parseEnrollment(a.enrollment);
  if (enrollment === undefined) return err('bad enrollment record');
  if (typeof id !== 'string' || !id) return err('missing id');
  if (typeof origin !== 'string' || !/^https?:\/\/[^/]+$/.test(origin)) return err('bad origin');
  if (realm !== null && typeof realm !== 'string') return err('bad realm');
  if (typeof deviceName !== 'string') return err('bad device name');
  if (typeof addedAt !== 'number') return err('bad date');
  if (lastUsedStep !== null && !Number.isSafeInteger(lastUsedStep)) return err('bad last step');
  // Vaults written before labels existed have none.
  if (label != null && typeof label !== 'string') return err('bad label');
  // Re-validate the OTP part through the one parser we trust, by its URI form.
  const otp = parseOtpauthUri(accountToUri(a as unknown as OtpAccount));
  if (!otp.ok) return err(`bad OTP parameters (${otp.error.code})`);
  return ok({
    ...otp.value,
    id,
    origin,
    realm: realm as string | null,
    deviceName,
    addedAt,
    lastUsedStep: lastUsedStep as number | null,
    label: (label as string | undefined) || null,
    enrollment,
  });
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A stored enrollment record; undefined when it is damaged (absent or null: none). */
function parseEnrollment(e: unknown): EnrollmentRecord | null | undefined {
  if (e == null) return null;
  if (!isRecord(e) || !isTime(e.filledAt)) return undefined;
  if (e.submittedAt !== null && !isTime(e.submittedAt)) return undefined;
  let confirmed: EnrollmentRecord['confirmed'] = null;
  if (e.confirmed != null) {
    const c = e.confirmed;
    if (!isRecord(c) || !isTime(c.at) || !CONFIRM_EVIDENCE.includes(c.by as ConfirmEvidence)) return undefined;
    confirmed = { at: c.at, by: c.by as ConfirmEvidence };
  }
  return { filledAt: e.filledAt, submittedAt: e.submittedAt, confirmed };
}
