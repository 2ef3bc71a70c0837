import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol/errors';
import type { MessageType, Protocol, VaultStatus } from '@/lib/protocol/messages';
import { browser } from 'wxt/browser';
import { eventType } from '@/lib/protocol/events';
import { request } from '../../utils/client';

/**
 * The vault's state as a page already knows it when it first renders (the popup asks before its
 * interface has loaded: components/popup/popup-start.ts); null: ask on mount.
 */
export const FirstVaultStatus = createContext<VaultStatus | null>(null);

/**
 * Vault state for a page, plus `run`: sends one request that answers with a status, keeps the
 * new status on success and returns the error (as a value) otherwise.
 */
export function useVault() {
  const first = useContext(FirstVaultStatus);
  const [status, setStatus] = useState<VaultStatus | null>(first);
  const [loadError, setLoadError] = useState<AppError | null>(null);

  const refresh = useCallback(async () => {
    const reply = await request('vault.status', {});
    if (reply.ok) setStatus(reply.value);
    else setLoadError(reply.error);
  }, []);

  useEffect(() => {
    if (!first) void refresh();
    // Auto-lock, or a lock/unlock in another window: show the new state without a reload.
    const onMessage = (message: unknown) => {
      if (eventType(message)) void refresh();
      return undefined;
    };
    browser.runtime.onMessage.addListener(onMessage);
    return () => browser.runtime.onMessage.removeListener(onMessage);
  }, [refresh]);

  const run = useCallback(
    async <K extends MessageType>(type: K, payload: Protocol[K]['req']): Promise<AppError | null> => {
      const reply = await request(type, payload);
      if (!reply.ok) return reply.error;
      setStatus(reply.value as VaultStatus);
      return null;
    },
    [],
  );

  return { status, loadError, refresh, run };
}
