/**
 * The decrypted vault's content: accounts bound to the platform (origin and Keycloak realm)
 * where they were enrolled. Only the background ever holds this in plaintext.
 */
import { parseOtpauthUri, accountToUri, type OtpAccount } from './otp';
import { ok, err, isRecord, type Result } from './result';

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
}

export interface VaultData {
  version: 1;
  accounts: StoredAccount[];
}

/**
 * The order lists show accounts in: by issuer, then by the name shown (label, else account name),
 * as people read them (case and accents aside, numbers by value: "user2" before "user10").
 * Sorted in the background, once per vault change, so that the popup's first render does no
 * collation (issue 7: 1,000 accounts).
 */
export function inListOrder<T extends { issuer: string; label?: string | null; accountName: string }>(accounts: readonly T[]): T[] {
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  const keyed = accounts.map((a) => ({ a, issuer: a.issuer, name: a.label ?? a.accountName }));
  keyed.sort((x, y) => collator.compare(x.issuer, y.issuer) || collator.compare(x.name, y.name));
  return keyed.map((k) => k.a);
}

export const EMPTY_VAULT: VaultData = { version: 1, accounts: [] };


/**
 * Validates decrypted vault content. The ciphertext is authenticated, so a failure here means a
 * bug or a future format, never an attack; still, refuse rather than half-load accounts.
 */
export function parseVaultData(raw: unknown): Result<VaultData, string> {
  if (!isRecord(raw) || raw.version !== 1 || !Array.isArray(raw.accounts)) {
    return err('vault content has an unknown layout');
  }
  const accounts: StoredAccount[] = [];
  for (const [i, a] of raw.accounts.entries()) {
    const parsed = parseStoredAccount(a);
    if (!parsed.ok) return err(`account ${i + 1}: ${parsed.error}`);
    accounts.push(parsed.value);
  }
  return ok({ version: 1, accounts });
}

function parseStoredAccount(a: unknown): Result<StoredAccount, string> {
  if (!isRecord(a)) return err('not an object');
  const { id, origin, realm, deviceName, addedAt, lastUsedStep, label } = a;
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
  });
}
