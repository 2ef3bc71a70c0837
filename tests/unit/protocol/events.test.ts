import { describe, expect, it } from 'vitest';
import { eventType } from '../../../lib/protocol/events';

describe('eventType', () => {
  it('names the two events the background sends', () => {
    expect(eventType({ type: 'vault.locked' })).toBe('vault.locked');
    expect(eventType({ type: 'vault.unlocked' })).toBe('vault.unlocked');
  });

  it('is undefined for requests other pages send (every extension page receives them) and for anything else', () => {
    for (const m of [{ type: 'vault.status' }, { type: 'accounts.list' }, { type: 'page.fill' }, {}, null, undefined, 'vault.locked', 42]) {
      expect(eventType(m)).toBeUndefined();
    }
  });
});
