/** The vault itself: its state, create, unlock, lock, a new passphrase, and what to do with one that cannot be read. */
import { changePassphrase, checkPassphrase, createVault, unlockVault, type VaultEnvelopeV1, type VaultError, type VaultKey } from '../../vault/envelope';
import { EMPTY_VAULT, parseVaultData, type VaultData } from '../../vault/accounts';
import { RESET_CONFIRM } from '../../protocol/messages';
import type { AppError } from '../../protocol/errors';
import { err, ok, type Result } from '../../util/result';
import type { ServiceContext, Unlocked } from '../context';
import { KEYS } from '../ports';
import type { Session } from '../session';
import type { HandlerGroup } from './handler';

type VaultMessage = 'vault.status' | 'vault.create' | 'vault.unlock' | 'vault.lock' | 'vault.exportRaw' | 'vault.reset' | 'vault.changePassphrase';

export function vaultHandlers(ctx: ServiceContext, session: Session): HandlerGroup<VaultMessage> {
  const { deps, local } = ctx;
  const { restore, afterOpen, status, damageOf, noteUnreadable, rememberKey, lock } = session;

  /**
   * What a passphrase opened (an unlock, a passphrase change): the vault's key and accounts, or
   * why not. A failure past the key check proves the stored blob unreadable (noteUnreadable).
   */
  function opened(stored: unknown, result: Result<{ key: VaultKey; data: unknown; envelope: VaultEnvelopeV1 }, VaultError>): Result<Unlocked & { envelope: VaultEnvelopeV1 }, AppError> {
    if (!result.ok) {
      noteUnreadable(stored, result.error.code);
      return err(result.error);
    }
    const data = parseVaultData(result.value.data);
    if (!data.ok) {
      noteUnreadable(stored, 'corrupt');
      return err({ code: 'corrupt', detail: data.error });
    }
    return ok({ key: result.value.key, data: data.value, envelope: result.value.envelope });
  }

  return {
    'vault.status': async () => ok(await status()),

    'vault.create': async ({ passphrase, confirm }) => {
      // Never overwrite: a damaged vault is still the user's data.
      const existing = await local.get(KEYS.vault);
      if (existing != null) {
        // The same request twice (a double click, or a message the browser delivered again
        // while starting the background): the vault it asked for is there and open.
        if (ctx.unlocked && passphrase === confirm && (await unlockVault(existing, passphrase)).ok) return ok(await status());
        return err({ code: 'vault-exists' });
      }
      const strong = checkPassphrase(passphrase);
      if (!strong.ok) return err(strong.error);
      if (passphrase !== confirm) return err({ code: 'passphrase-mismatch' });
      const created = await createVault<VaultData>(passphrase, EMPTY_VAULT, deps.kdf);
      if (!created.ok) return err(created.error);
      await local.set(KEYS.vault, created.value.envelope);
      ctx.unlocked = { key: created.value.key, data: structuredClone(EMPTY_VAULT) };
      await rememberKey(created.value.key);
      deps.onUnlocked?.();
      return ok(await status());
    },

    'vault.unlock': async ({ passphrase }) => {
      const stored = await local.get(KEYS.vault);
      if (stored == null) return err({ code: 'no-vault' });
      const open = opened(stored, await unlockVault<unknown>(stored, passphrase));
      if (!open.ok) return open;
      ctx.unlocked = { key: open.value.key, data: open.value.data };
      await rememberKey(open.value.key);
      await afterOpen();
      deps.onUnlocked?.();
      return ok(await status());
    },

    'vault.lock': async () => {
      await lock();
      return ok(await status());
    },

    'vault.exportRaw': async () => {
      await restore();
      const stored = await local.get(KEYS.vault);
      if (stored == null) return err({ code: 'no-vault' });
      const damage = ctx.unlocked ? null : damageOf(stored);
      if (!damage) return err({ code: 'not-damaged' });
      // What storage.local.get returns for the vault's key, as JSON: the stored value itself,
      // not a re-encoding of what we understood of it.
      return ok({ text: JSON.stringify({ [KEYS.vault]: stored }, rawReplacer), damage });
    },

    'vault.reset': async ({ confirm }) => {
      // Checked here too, not only by the message validator: nothing deletes the vault by accident.
      if (confirm !== RESET_CONFIRM) return err({ code: 'bad-request' });
      await restore();
      const stored = await local.get(KEYS.vault);
      if (stored == null) return err({ code: 'no-vault' });
      // Only what cannot be read is ever deleted: a vault that opens, or that a passphrase might
      // still open (locked, shape intact, never proven unreadable), is refused.
      if (ctx.unlocked || !damageOf(stored)) return err({ code: 'not-damaged' });
      await local.remove(KEYS.vault);
      ctx.provenUnreadable = null;
      await lock();
      return ok(await status());
    },

    'vault.changePassphrase': async ({ oldPassphrase, newPassphrase, confirm }) => {
      // The vault is re-encrypted from what is stored: a setup page's account written ahead must be there.
      await restore();
      await ctx.flush();
      const stored = await local.get(KEYS.vault);
      if (stored == null) return err({ code: 'no-vault' });
      const strong = checkPassphrase(newPassphrase);
      if (!strong.ok) return err(strong.error);
      if (newPassphrase !== confirm) return err({ code: 'passphrase-mismatch' });
      const changed = opened(stored, await changePassphrase<unknown>(stored, oldPassphrase, newPassphrase, deps.kdf));
      if (!changed.ok) return changed;
      // storage.set replaces the key atomically: until it resolves the old blob is what is stored.
      await local.set(KEYS.vault, changed.value.envelope);
      ctx.unlocked = { key: changed.value.key, data: changed.value.data };
      await rememberKey(changed.value.key);
      return ok(await status());
    },
  };
}

/**
 * JSON for a raw export. Firefox's storage.local keeps structured clones, which may hold a BigInt
 * that JSON cannot spell: written as its decimal text rather than failing the whole export.
 */
function rawReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
