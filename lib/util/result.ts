/**
 * Errors cross module and context boundaries as values, never as exceptions, so a caller
 * cannot forget that parsing a QR code or unlocking a vault can fail.
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

/** A plain object (not null, not an array): the first check on any untrusted value. */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
