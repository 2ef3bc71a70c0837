/** Self-hosted platforms: the user's and the administrator's, and our content scripts on them. */
import { findSameHost, isBuiltIn, matchPatternFor, parsePlatformUrl, parseStoredPlatforms, scriptIdFor, type StoredPlatform } from '../../platforms/self-hosted';
import type { PlatformSummary } from '../../protocol/messages';
import { err, ok } from '../../util/result';
import type { Caches } from '../caches';
import type { ServiceContext } from '../context';
import { KEYS } from '../ports';
import type { Session } from '../session';
import type { HandlerGroup } from './handler';

export type Platforms = ReturnType<typeof createPlatforms>;

export function createPlatforms(ctx: ServiceContext, caches: Caches) {
  const { deps, local } = ctx;

  /** The platforms the user added (stored). */
  async function readPlatforms(): Promise<StoredPlatform[]> {
    return parseStoredPlatforms(await local.get(KEYS.platforms));
  }

  /** The user's platforms and the administrator's (which the user cannot remove). */
  async function allPlatforms(): Promise<(StoredPlatform & { managed: boolean })[]> {
    const mine = (await readPlatforms()).map((p) => ({ ...p, managed: false }));
    const { policy } = await caches.readPolicy();
    const preset = policy.platforms
      .filter((origin) => !isBuiltIn(origin))
      .map((origin) => ({ origin, addedAt: 0, managed: true }));
    const out: (StoredPlatform & { managed: boolean })[] = [];
    for (const p of [...preset, ...mine]) if (!findSameHost(out, p.origin)) out.push(p);
    return out;
  }

  async function platformList(): Promise<PlatformSummary[]> {
    const platforms = await allPlatforms();
    return Promise.all(
      platforms.map(async (p) => ({
        origin: p.origin,
        addedAt: p.addedAt,
        managed: p.managed,
        accounts: ctx.unlocked ? ctx.unlocked.data.accounts.filter((a) => a.origin === p.origin).length : null,
        permitted: await deps.platforms.permitted(matchPatternFor(p.origin)),
      })),
    );
  }

  /**
   * Makes the registered content scripts match the stored platforms whose permission the browser
   * still grants (after a restart, an update, or the user revoking a site in the browser).
   */
  async function syncPlatforms(): Promise<void> {
    const platforms = await allPlatforms();
    const wanted = new Map<string, string>();
    for (const p of platforms) {
      const pattern = matchPatternFor(p.origin);
      if (await deps.platforms.permitted(pattern)) wanted.set(scriptIdFor(p.origin), pattern);
    }
    const registered = new Set(await deps.platforms.registered());
    for (const id of registered) if (!wanted.has(id)) await deps.platforms.unregister(id);
    for (const [id, pattern] of wanted) if (!registered.has(id)) await deps.platforms.register(id, pattern);
  }

  return { readPlatforms, allPlatforms, platformList, syncPlatforms };
}

export function platformHandlers(ctx: ServiceContext, { restore }: Session, store: Platforms): HandlerGroup<'platforms.list' | 'platforms.add' | 'platforms.remove'> {
  const { deps, local, now } = ctx;
  const { readPlatforms, allPlatforms, platformList, syncPlatforms } = store;

  return {
    'platforms.list': async () => {
      await restore();
      return ok(await platformList());
    },

    'platforms.add': async ({ url }) => {
      await restore();
      const parsed = parsePlatformUrl(url);
      if (!parsed.ok) return err(parsed.error);
      const origin = parsed.value;
      if (isBuiltIn(origin)) return err({ code: 'built-in-platform', detail: origin });
      const platforms = await readPlatforms();
      const same = findSameHost(await allPlatforms(), origin);
      if (same) return err({ code: 'platform-exists', detail: same.origin });
      const pattern = matchPatternFor(origin);
      if (!(await deps.platforms.permitted(pattern))) return err({ code: 'permission-refused', detail: pattern });
      // Stored first: should registering fail, syncPlatforms() retries at the next start.
      await local.set(KEYS.platforms, [...platforms, { origin, addedAt: now() }]);
      await syncPlatforms();
      return ok(await platformList());
    },

    'platforms.remove': async ({ origin }) => {
      await restore();
      const platforms = await readPlatforms();
      const target = platforms.find((p) => p.origin === origin);
      if (!target) {
        const preset = (await allPlatforms()).some((p) => p.managed && p.origin === origin);
        return err({ code: preset ? 'policy-enforced' : 'not-found' });
      }
      await local.set(KEYS.platforms, platforms.filter((p) => p !== target));
      await syncPlatforms();
      await deps.platforms.release(matchPatternFor(origin));
      return ok(await platformList());
    },
  };
}
