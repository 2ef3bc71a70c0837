/** User settings: not secret, stored in plain `storage.local`. */
export interface Settings {
  /** Lock the vault after this many minutes without use. */
  autoLockMinutes: number;
  /** Submit the form after filling a code (off by default: the user sees what is sent). */
  autoSubmit: boolean;
  /** Device name given to Keycloak at enrollment; empty means the generated default. */
  deviceName: string;
}

export const DEFAULT_SETTINGS: Settings = { autoLockMinutes: 30, autoSubmit: false, deviceName: '' };
export const AUTO_LOCK_MIN = 1;
export const AUTO_LOCK_MAX = 24 * 60;
const DEVICE_NAME_MAX = 64;

/**
 * Merges an untrusted partial update (or stored value) onto `base`, keeping only valid fields,
 * so a damaged settings record or a bad request can never produce an unusable configuration.
 */
export function mergeSettings(base: Settings, update: unknown): Settings {
  const out = { ...base };
  if (typeof update !== 'object' || update === null) return out;
  const u = update as Record<string, unknown>;
  if (
    typeof u.autoLockMinutes === 'number' &&
    Number.isInteger(u.autoLockMinutes) &&
    u.autoLockMinutes >= AUTO_LOCK_MIN &&
    u.autoLockMinutes <= AUTO_LOCK_MAX
  ) {
    out.autoLockMinutes = u.autoLockMinutes;
  }
  if (typeof u.autoSubmit === 'boolean') out.autoSubmit = u.autoSubmit;
  if (typeof u.deviceName === 'string') out.deviceName = u.deviceName.trim().slice(0, DEVICE_NAME_MAX);
  return out;
}
