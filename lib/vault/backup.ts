/**
 * Encrypted backups: the vault's own envelope format (lib/vault/envelope.ts) under a passphrase the user
 * picks for the file, so a backup opens in any profile, and a raw vault blob is a backup too.
 * Importing merges: nothing stored is ever replaced, and every account in the file is reported
 * as added, skipped (already there) or conflicting.
 */
import { parseVaultData, type StoredAccount, type VaultData } from './accounts';
import { accountToUri } from '../otp/otp';
import { sameUser } from '../import/additions';
import type { ImportedAccount, ImportReport } from '../protocol/messages';
import { createVault, unlockVault, type CreateOptions, type VaultError } from './envelope';
import { err, ok, type Result } from '../util/result';

/** Larger than any real vault (5,000 accounts are about 2 MB) and small enough to parse at once. */
export const MAX_BACKUP_BYTES = 10 * 1024 * 1024;

/** The backup file's text (JSON of the envelope). Accounts keep their ids and last used steps. */
export async function sealBackup(
  data: VaultData,
  passphrase: string,
  opts?: CreateOptions,
): Promise<Result<string, VaultError>> {
  const created = await createVault<VaultData>(passphrase, data, opts);
  if (!created.ok) return created;
  return ok(`${JSON.stringify(created.value.envelope, null, 2)}\n`);
}

/**
 * Opens a backup file. Anything that is not our envelope is `not-a-vault`; a changed byte is
 * `corrupt`; a wrong passphrase is `wrong-passphrase`. Content that decrypts but is not vault
 * data (a future version) is `unsupported-version`.
 */
export async function openBackup(file: string, passphrase: string): Promise<Result<VaultData, VaultError>> {
  let json: unknown;
  try {
    json = JSON.parse(file);
  } catch {
    return err({ code: 'not-a-vault', detail: 'the file is not JSON' });
  }
  const opened = await unlockVault<unknown>(json, passphrase);
  if (!opened.ok) return opened;
  const data = parseVaultData(opened.value.data);
  if (!data.ok) return err({ code: 'unsupported-version', detail: data.error });
  return ok(data.value);
}

const summary = (a: StoredAccount): ImportedAccount => ({
  issuer: a.issuer,
  accountName: a.accountName,
  origin: a.origin,
  realm: a.realm,
});

/**
 * Which accounts of a backup to add to `existing`. Same key, platform and user: already there
 * (skipped). Same key bound elsewhere, or the same user and device name with another key (a
 * re-enrolment on one side): a conflict, left for the user to resolve; the stored one is kept.
 */
export function planImport(
  existing: readonly StoredAccount[],
  incoming: readonly StoredAccount[],
  newId: () => string,
): { report: ImportReport; added: StoredAccount[] } {
  const report: ImportReport = { added: [], skipped: [], conflicts: [] };
  const added: StoredAccount[] = [];
  const ids = new Set(existing.map((a) => a.id));
  for (const a of incoming) {
    const all = [...existing, ...added];
    const sameKey = all.filter((b) => b.secret === a.secret);
    if (sameKey.some((b) => sameUser(a, b))) {
      report.skipped.push(summary(a));
      continue;
    }
    if (sameKey.length > 0) {
      report.conflicts.push({ ...summary(a), reason: 'same-key-elsewhere' });
      continue;
    }
    if (all.some((b) => sameUser(a, b) && b.deviceName === a.deviceName && a.deviceName !== '')) {
      report.conflicts.push({ ...summary(a), reason: 'different-key' });
      continue;
    }
    // Ids only need to be unique in this vault; a clash (two profiles, one backup) gets a new one.
    const id = ids.has(a.id) ? newId() : a.id;
    ids.add(id);
    added.push({ ...a, id });
    report.added.push(summary(a));
  }
  return { report, added };
}

/** The plain export: one `otpauth://` URI per line, readable by phone authenticator apps. */
export function plainExport(accounts: readonly StoredAccount[]): string {
  return accounts.map((a) => `${accountToUri(a)}\n`).join('');
}
