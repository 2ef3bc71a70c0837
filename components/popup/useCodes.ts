import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol/errors';
import { request } from '../../utils/client';

/** A code as the popup shows it. */
export interface ShownCode {
  code: string;
  /** Wall-clock ms when its step ends (TOTP); null for HOTP (valid until used). */
  expiresAt: number | null;
  period: number;
}

const fresh = (c: ShownCode | undefined, now: number): c is ShownCode => !!c && (c.expiresAt === null || c.expiresAt > now);

/**
 * Current codes for the accounts on screen only (`ids`), asked from the background in one
 * 'accounts.codes' request per change of the visible rows, and again when a step ends. `now`
 * ticks once a second, on the second, for the countdowns: TOTP steps end on whole seconds of
 * the Unix epoch (RFC 6238 §4.2), so a tick a few ms after the second sees them ended.
 */
export function useCodes(ids: readonly string[], onError: (error: AppError) => void) {
  const [codes, setCodes] = useState<ReadonlyMap<string, ShownCode>>(new Map());
  const [now, setNow] = useState(() => Date.now());
  const known = useRef(codes);
  known.current = codes;
  const inFlight = useRef(new Set<string>());
  const reportError = useRef(onError);
  reportError.current = onError;

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      setNow(Date.now());
      timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
    };
    timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
    return () => clearTimeout(timer);
  }, []);

  const fetchCodes = useCallback(async (wanted: readonly string[]): Promise<Map<string, ShownCode>> => {
    wanted.forEach((id) => inFlight.current.add(id));
    const sentAt = Date.now();
    const reply = await request('accounts.codes', { ids: [...wanted] });
    wanted.forEach((id) => inFlight.current.delete(id));
    const got = new Map<string, ShownCode>();
    if (!reply.ok) {
      reportError.current(reply.error);
      return got;
    }
    for (const c of reply.value) {
      // Steps end on whole seconds (multiples of the period): rounding removes the message's latency.
      const expiresAt = c.validForMs === null ? null : Math.round((sentAt + c.validForMs) / 1000) * 1000;
      got.set(c.id, { code: c.code, expiresAt, period: c.period });
    }
    setCodes((prev) => new Map([...prev, ...got]));
    return got;
  }, []);

  const key = ids.join('\n');
  useEffect(() => {
    const at = Date.now();
    const missing = ids.filter((id) => !fresh(known.current.get(id), at) && !inFlight.current.has(id));
    // The protocol takes at most 500 ids; a screenful is a dozen.
    if (missing.length) void fetchCodes(missing.slice(0, 500));
  }, [key, now, fetchCodes]);

  /** The code to copy: the one shown if its step has not ended, else a new one. */
  const codeNow = useCallback(
    async (id: string): Promise<string | null> => {
      const shown = known.current.get(id);
      if (fresh(shown, Date.now() + 250)) return shown.code;
      return (await fetchCodes([id])).get(id)?.code ?? null;
    },
    [fetchCodes],
  );

  return { codes, now, codeNow };
}
