/**
 * Policies an administrator sets for support teams through managed storage (`storage.managed`,
 * schema in public/managed_schema.json): preset self-hosted platforms and device name, a maximum
 * auto-lock time, auto-submit forced on or off, plain exports disabled. Managed storage is written
 * by the administrator, not by us; still, anything malformed is ignored field by field (and
 * reported), never allowed to break the extension.
 */
import { AUTO_LOCK_MAX, AUTO_LOCK_MIN, type Settings } from './settings';
import { parsePlatformUrl } from '../platforms/self-hosted';

export interface Policy {
  /** Origins of self-hosted platforms the administrator added (the user cannot remove them). */
  platforms: string[];
  /** Device name used at enrollment unless the user set their own. */
  deviceName: string | null;
  /** The auto-lock time can be shorter, never longer. */
  maxAutoLockMinutes: number | null;
  /** "Submit automatically" forced on (true) or off (false); null: the user decides. */
  autoSubmit: boolean | null;
  /** No unencrypted `otpauth://` export. */
  disablePlainExport: boolean;
}

export const NO_POLICY: Policy = {
  platforms: [],
  deviceName: null,
  maxAutoLockMinutes: null,
  autoSubmit: null,
  disablePlainExport: false,
};

/** Reads managed storage; `problems` names the fields that were ignored, for the options page. */
export function parsePolicy(raw: unknown): { policy: Policy; problems: string[] } {
  const policy: Policy = { ...NO_POLICY, platforms: [] };
  const problems: string[] = [];
  if (raw == null) return { policy, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { policy, problems: ['(not an object)'] };
  const r = raw as Record<string, unknown>;

  if (r.platforms !== undefined) {
    if (!Array.isArray(r.platforms)) problems.push('platforms');
    else {
      for (const [i, url] of r.platforms.entries()) {
        const parsed = typeof url === 'string' ? parsePlatformUrl(url) : null;
        if (!parsed?.ok) problems.push(`platforms[${i}]`);
        else if (!policy.platforms.includes(parsed.value)) policy.platforms.push(parsed.value);
      }
    }
  }
  if (r.deviceName !== undefined) {
    if (typeof r.deviceName === 'string' && r.deviceName.trim()) policy.deviceName = [...r.deviceName.trim()].slice(0, 64).join('');
    else problems.push('deviceName');
  }
  if (r.maxAutoLockMinutes !== undefined) {
    const m = r.maxAutoLockMinutes;
    if (typeof m === 'number' && Number.isInteger(m) && m >= AUTO_LOCK_MIN && m <= AUTO_LOCK_MAX) policy.maxAutoLockMinutes = m;
    else problems.push('maxAutoLockMinutes');
  }
  if (r.autoSubmit !== undefined) {
    if (typeof r.autoSubmit === 'boolean') policy.autoSubmit = r.autoSubmit;
    else problems.push('autoSubmit');
  }
  if (r.disablePlainExport !== undefined) {
    if (typeof r.disablePlainExport === 'boolean') policy.disablePlainExport = r.disablePlainExport;
    else problems.push('disablePlainExport');
  }
  const known = new Set(['platforms', 'deviceName', 'maxAutoLockMinutes', 'autoSubmit', 'disablePlainExport']);
  for (const key of Object.keys(r)) if (!known.has(key)) problems.push(key);
  return { policy, problems };
}

/** The settings in force: the user's, within what the policy allows. */
export function effectiveSettings(user: Settings, policy: Policy): Settings {
  return {
    ...user,
    autoLockMinutes: policy.maxAutoLockMinutes == null ? user.autoLockMinutes : Math.min(user.autoLockMinutes, policy.maxAutoLockMinutes),
    autoSubmit: policy.autoSubmit ?? user.autoSubmit,
  };
}

/** Which fields of a settings update the policy forbids (the update is refused as a whole). */
export function forbiddenChanges(update: Partial<Settings>, policy: Policy): (keyof Settings)[] {
  const out: (keyof Settings)[] = [];
  if (update.autoSubmit !== undefined && policy.autoSubmit != null && update.autoSubmit !== policy.autoSubmit) out.push('autoSubmit');
  if (update.autoLockMinutes !== undefined && policy.maxAutoLockMinutes != null && update.autoLockMinutes > policy.maxAutoLockMinutes) {
    out.push('autoLockMinutes');
  }
  return out;
}
