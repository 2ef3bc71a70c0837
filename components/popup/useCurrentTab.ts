import { useEffect, useState } from 'preact/hooks';
import type { CurrentTabState } from '@/lib/protocol/hand-off';
import { findCurrentTab } from './current-tab';

/**
 * `findCurrentTab`, looked up when the popup opens (or given, when the popup asked for it before
 * its interface loaded: components/popup/popup-start.ts) and again when its page becomes visible.
 */
export function useCurrentTab(first: CurrentTabState | null = null): CurrentTabState & { ready: boolean } {
  const [state, setState] = useState<CurrentTabState & { ready: boolean }>(first ? { ...first, ready: true } : { tab: null, inTab: false, ready: false });
  useEffect(() => {
    let alive = true;
    const look = () =>
      void findCurrentTab()
        .then((s) => alive && setState({ ...s, ready: true }))
        .catch(() => alive && setState({ tab: null, inTab: false, ready: true }));
    if (!first) look();
    const onVisible = () => document.visibilityState === 'visible' && look();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      alive = false;
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);
  return state;
}
