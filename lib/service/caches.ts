/**
 * What the background keeps in memory so that page messages are answered without a storage
 * round trip: the settings, the policy, the generated device name, and the platforms' clocks.
 */
import { effectiveOffset } from '../otp/clock';
import { DEFAULT_SETTINGS, mergeSettings, type Settings } from '../settings/settings';
import { effectiveSettings, NO_POLICY, parsePolicy, type Policy } from '../settings/policy';
import { KEYS, type VaultServiceDeps } from './ports';

export type Caches = ReturnType<typeof createCaches>;

export function createCaches(deps: VaultServiceDeps) {
  const { local } = deps;
  const clockOffsets = new Map<string, number>();
  /**
   * The platform's clock minus ours, to compute its codes with: measured by its pages (the
   * `Date` header) and remembered here per origin (memory only), so that the next page gets the
   * right code at once. 0 while unknown or within the header's noise.
   */
  function serverOffset(origin: string, measured: number | null): number {
    if (measured != null) clockOffsets.set(origin, measured);
    return effectiveOffset(measured ?? clockOffsets.get(origin) ?? null);
  }

  // Settings and the policy are read on every page message (fill, enroll): they are kept in
  // memory and dropped when they change (storage.onChanged, see onStorageChanged, and our own
  // settings.update write), so the common case answers without a storage round trip.
  const userSettingsCache = memo(async () => mergeSettings(DEFAULT_SETTINGS, await local.get(KEYS.settings)));
  const policyCache = memo(async (): Promise<{ policy: Policy; problems: string[] }> => {
    if (!deps.managed) return { policy: NO_POLICY, problems: [] };
    try {
      return parsePolicy(await deps.managed());
    } catch {
      return { policy: NO_POLICY, problems: [] };
    }
  });
  // The browser and platform do not change while the background runs.
  const generatedNameCache = memo(() => deps.defaultDeviceName());

  /** The user's own settings, as stored. */
  function readUserSettings(): Promise<Settings> {
    return userSettingsCache.get();
  }

  /** The administrator's policy; unreadable managed storage (Firefox without one) is no policy. */
  function readPolicy(): Promise<{ policy: Policy; problems: string[] }> {
    return policyCache.get();
  }

  /** The settings in force: the user's, within the policy. */
  async function readSettings(): Promise<Settings> {
    return effectiveSettings(await readUserSettings(), (await readPolicy()).policy);
  }

  /** The device name used when the user set none: the administrator's, else the generated one. */
  async function defaultName(): Promise<string> {
    return (await readPolicy()).policy.deviceName ?? (await generatedNameCache.get());
  }

  return { serverOffset, userSettingsCache, policyCache, readUserSettings, readPolicy, readSettings, defaultName };
}

/**
 * A value loaded once and kept until `invalidate()`. A load that was under way when the value
 * was invalidated is returned to its caller but not kept (it may hold what was there before).
 * A load that fails is not kept either.
 */
function memo<T>(load: () => Promise<T>): { get(): Promise<T>; invalidate(): void } {
  let kept: { value: T } | null = null;
  let generation = 0;
  return {
    async get() {
      if (kept) return kept.value;
      const at = generation;
      const value = await load();
      if (at === generation) kept = { value };
      return value;
    },
    invalidate() {
      generation++;
      kept = null;
    },
  };
}
