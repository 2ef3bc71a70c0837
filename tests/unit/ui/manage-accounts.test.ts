/** The options page's account list: grouped by platform, sorted by the name shown, filtered by words. */
import { describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../lib/protocol/messages';
import { filterGroups, fullName, groupByOrigin, keepUnchanged, prepare } from '../../../components/options/accounts/grouping';

const A = 'https://community.thingpark.io';
const B = 'https://iot.example.com';

function account(id: string, accountName: string, o: Partial<AccountSummary> = {}): AccountSummary {
  return {
    id,
    label: null,
    issuer: 'ThingPark Enterprise',
    accountName,
    origin: A,
    realm: 'tpe',
    deviceName: 'Laptop',
    kind: 'totp',
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    addedAt: 0,
    unconfirmed: null,
    ...o,
  };
}

const list = prepare([
  account('1', 'zoe@example.com'),
  account('2', 'sam@example.com', { origin: B, realm: null }),
  account('3', 'jane@example.com', { label: 'Production' }),
  account('4', 'user10@example.com'),
  account('5', 'user9@example.com', { deviceName: 'Desk' }),
  account('6', 'Alex@example.com'),
]);

describe('account groups', () => {
  it('one group per origin, origins in order, accounts by the name shown (label first), numbers in numeric order', () => {
    const groups = groupByOrigin(list);
    expect(groups.map((g) => g.origin)).toEqual([A, B]);
    expect(groups[0]!.accounts.map((a) => a.name)).toEqual(['Alex@example.com', 'Production', 'user9@example.com', 'user10@example.com', 'zoe@example.com']);
    expect(groups[1]!.accounts.map((a) => a.id)).toEqual(['2']);
  });

  it('names: the label stands for the account in lists; confirmations say both', () => {
    const jane = list.find((a) => a.id === '3')!;
    expect(jane.name).toBe('Production');
    expect(fullName(jane)).toBe('Production (jane@example.com)');
    expect(fullName(list.find((a) => a.id === '1')!)).toBe('zoe@example.com');
  });

  it('filters by every word, in label, user, issuer, platform and device; empty groups go', () => {
    const groups = groupByOrigin(list);
    const ids = (q: string) => filterGroups(groups, q).flatMap((g) => g.accounts.map((a) => a.id));
    expect(ids('')).toEqual(['6', '3', '5', '4', '1', '2']);
    expect(ids('PRODUCTION')).toEqual(['3']);
    expect(ids('jane')).toEqual(['3']);
    expect(ids('iot.example')).toEqual(['2']);
    expect(ids('desk user9')).toEqual(['5']);
    expect(ids('desk zoe')).toEqual([]);
    expect(filterGroups(groups, 'sam').map((g) => g.origin)).toEqual([B]);
    // No query: the same groups, not a copy (nothing to redraw).
    expect(filterGroups(groups, '  ')).toBe(groups);
  });
});

describe('reloaded list', () => {
  const UNCONFIRMED = { filledAt: 1_000, submittedAt: null };

  it('keeps the objects of unchanged accounts (their rows skip rendering), takes the changed ones', () => {
    const old = prepare([account('1', 'zoe@example.com'), account('2', 'sam@example.com', { unconfirmed: UNCONFIRMED })]);
    // A fresh reply: equal values in new objects, the mark included.
    const same = keepUnchanged(old, prepare([account('1', 'zoe@example.com'), account('2', 'sam@example.com', { unconfirmed: { ...UNCONFIRMED } })]));
    expect(same[0]).toBe(old[0]);
    expect(same[1]).toBe(old[1]);
    const renamed = keepUnchanged(old, prepare([account('1', 'zoe@example.com', { label: 'Zoe' }), account('2', 'sam@example.com', { unconfirmed: UNCONFIRMED })]));
    expect(renamed[0]).not.toBe(old[0]);
    expect(renamed[0]!.name).toBe('Zoe');
    expect(renamed[1]).toBe(old[1]);
    expect(keepUnchanged(null, old)).toBe(old);
  });

  it('redraws a row whose "not confirmed by ThingPark yet" mark changed', () => {
    const old = prepare([account('2', 'sam@example.com', { unconfirmed: UNCONFIRMED })]);
    const submitted = keepUnchanged(old, prepare([account('2', 'sam@example.com', { unconfirmed: { filledAt: 1_000, submittedAt: 2_000 } })]));
    expect(submitted[0]).not.toBe(old[0]);
    expect(submitted[0]!.unconfirmed).toEqual({ filledAt: 1_000, submittedAt: 2_000 });
    const confirmed = keepUnchanged(submitted, prepare([account('2', 'sam@example.com')]));
    expect(confirmed[0]).not.toBe(submitted[0]);
    expect(confirmed[0]!.unconfirmed).toBeNull();
  });
});
