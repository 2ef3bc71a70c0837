/** The user's settings, within what the administrator's policy allows. */
import { mergeSettings, type Settings } from '../../settings/settings';
import { forbiddenChanges } from '../../settings/policy';
import { err, ok } from '../../util/result';
import type { Caches } from '../caches';
import type { ServiceContext } from '../context';
import { KEYS } from '../ports';
import type { Session } from '../session';
import type { HandlerGroup } from './handler';

export function settingsHandlers(ctx: ServiceContext, session: Session, caches: Caches): HandlerGroup<'settings.update'> {
  const { local } = ctx;
  const { status, scheduleAutoLock } = session;
  const { readSettings, readUserSettings, readPolicy, userSettingsCache } = caches;

  return {
    'settings.update': async ({ settings }) => {
      const before = await readSettings();
      const current = await readUserSettings();
      const next = mergeSettings(current, settings);
      for (const [field, value] of Object.entries(settings)) {
        const kept = next[field as keyof Settings];
        const wanted = typeof value === 'string' ? value.trim() : value;
        if (!(field in current) || kept !== wanted) {
          return err({ code: 'bad-request', detail: `invalid setting: ${field}` });
        }
      }
      const forbidden = forbiddenChanges(next, (await readPolicy()).policy).filter((f) => f in settings);
      if (forbidden.length > 0) return err({ code: 'policy-enforced', detail: forbidden.join(', ') });
      await local.set(KEYS.settings, next);
      // storage.onChanged will say so too, later: the next read must already see the new value.
      userSettingsCache.invalidate();
      if (ctx.unlocked && (await readSettings()).autoLockMinutes !== before.autoLockMinutes) await scheduleAutoLock();
      return ok(await status());
    },
  };
}
