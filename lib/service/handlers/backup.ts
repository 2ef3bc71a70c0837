/** Backups: an encrypted file out and in, and the plain export the policy may forbid. */
import { checkPassphrase } from '../../vault/envelope';
import { MAX_BACKUP_BYTES, openBackup, plainExport, planImport, sealBackup } from '../../vault/backup';
import { err, ok } from '../../util/result';
import type { Caches } from '../caches';
import type { ServiceContext } from '../context';
import type { Session } from '../session';
import type { HandlerGroup } from './handler';

export function backupHandlers(ctx: ServiceContext, session: Session, caches: Caches): HandlerGroup<'backup.export' | 'backup.import' | 'backup.exportPlain'> {
  const { deps, newId } = ctx;
  const { requireUnlocked, confirmPassphrase } = session;

  return {
    'backup.export': async ({ vaultPassphrase, passphrase, confirm }) => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      const strong = checkPassphrase(passphrase);
      if (!strong.ok) return err(strong.error);
      if (passphrase !== confirm) return err({ code: 'passphrase-mismatch' });
      const wrong = await confirmPassphrase(vaultPassphrase);
      if (wrong) return err(wrong);
      const { data } = vault.value;
      const file = await sealBackup(data, passphrase, deps.kdf);
      if (!file.ok) return err(file.error);
      return ok({ file: file.value, accounts: data.accounts.length });
    },

    'backup.import': async ({ file, passphrase }) => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      if (file.length > MAX_BACKUP_BYTES) return err({ code: 'backup-too-large' });
      const opened = await openBackup(file, passphrase);
      if (!opened.ok) return err(opened.error);
      const { data } = vault.value;
      const { report, added } = planImport(data.accounts, opened.value.accounts, newId);
      // One write: the backup's new accounts are all saved, or none.
      if (added.length > 0) await ctx.save({ ...data, accounts: [...data.accounts, ...added] });
      return ok(report);
    },

    'backup.exportPlain': async ({ vaultPassphrase }) => {
      const vault = await requireUnlocked();
      if (!vault.ok) return vault;
      if ((await caches.readPolicy()).policy.disablePlainExport) return err({ code: 'policy-enforced', detail: 'disablePlainExport' });
      const wrong = await confirmPassphrase(vaultPassphrase);
      if (wrong) return err(wrong);
      const { data } = vault.value;
      return ok({ text: plainExport(data.accounts), accounts: data.accounts.length });
    },
  };
}
