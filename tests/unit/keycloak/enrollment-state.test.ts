/**
 * Every transition of an enrolled account (lib/keycloak/enrollment-state.ts): from each state (not enrolled
 * by us, filled, submitted, confirmed), each event gives the state that module documents. Removal
 * happens only on proof that ThingPark does not have the device.
 */
import { describe, expect, it } from 'vitest';
import { applyEnrollmentEvent, applySettled, applyToVault, parseSettled, type EnrollmentEvent } from '../../../lib/keycloak/enrollment-state';
import { isUnconfirmed, type EnrollmentRecord, type StoredAccount, type VaultData } from '../../../lib/vault/accounts';

const base: StoredAccount = {
  kind: 'totp',
  issuer: 'ThingPark Enterprise',
  accountName: 'jane.doe@example.com',
  secret: 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE' as StoredAccount['secret'],
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  counter: 0,
  id: 'a',
  origin: 'https://community.thingpark.io',
  realm: 'tpw-users-actility-tpe-ope',
  deviceName: 'ThingPark Autofill · Firefox on Linux',
  addedAt: 100,
  lastUsedStep: 3,
  label: null,
};
const with_ = (enrollment: EnrollmentRecord | null): StoredAccount => ({ ...base, enrollment });
const STATES = {
  'not enrolled by us': with_(null),
  filled: with_({ filledAt: 100, submittedAt: null, confirmed: null }),
  submitted: with_({ filledAt: 100, submittedAt: 200, confirmed: null }),
  confirmed: with_({ filledAt: 100, submittedAt: 200, confirmed: { at: 300, by: 'next-page' } }),
} as const;
type State = keyof typeof STATES;

const EVENTS: Record<EnrollmentEvent['type'], EnrollmentEvent> = {
  submitted: { type: 'submitted', at: 500 },
  confirmed: { type: 'confirmed', by: 'login-accepted', at: 500 },
  refused: { type: 'refused', at: 500 },
  cancelled: { type: 'cancelled', at: 500 },
  abandoned: { type: 'abandoned', at: 500 },
};

/** What each event makes of each state: 'same' (unchanged object), 'removed', or the new record. */
const TABLE: Record<State, Record<EnrollmentEvent['type'], 'same' | 'removed' | EnrollmentRecord>> = {
  'not enrolled by us': { submitted: 'same', confirmed: 'same', refused: 'same', cancelled: 'same', abandoned: 'same' },
  filled: {
    submitted: { filledAt: 100, submittedAt: 500, confirmed: null },
    confirmed: { filledAt: 100, submittedAt: null, confirmed: { at: 500, by: 'login-accepted' } },
    // An error page with no submit of ours before it answers nothing of ours.
    refused: 'same',
    cancelled: 'removed',
    abandoned: 'removed',
  },
  submitted: {
    submitted: 'same',
    confirmed: { filledAt: 100, submittedAt: 200, confirmed: { at: 500, by: 'login-accepted' } },
    refused: 'removed',
    cancelled: 'removed',
    // Submitted: ThingPark may have it, whatever the tab does next.
    abandoned: 'same',
  },
  confirmed: { submitted: 'same', confirmed: 'same', refused: 'same', cancelled: 'same', abandoned: 'same' },
};

describe('applyEnrollmentEvent', () => {
  for (const [state, row] of Object.entries(TABLE) as [State, (typeof TABLE)[State]][]) {
    for (const [type, want] of Object.entries(row) as [EnrollmentEvent['type'], (typeof row)[EnrollmentEvent['type']]][]) {
      it(`${state} + ${type} → ${typeof want === 'string' ? want : JSON.stringify(want)}`, () => {
        const before = STATES[state];
        const frozen = structuredClone(before);
        const after = applyEnrollmentEvent(before, EVENTS[type]);
        if (want === 'same') expect(after).toBe(before);
        else if (want === 'removed') expect(after).toBeNull();
        else expect(after).toEqual({ ...before, enrollment: want });
        expect(before).toEqual(frozen); // never mutated
      });
    }
  }

  it('a confirmed account is never removed, by any sequence of events', () => {
    let a: StoredAccount | null = STATES.confirmed;
    for (const e of [...Object.values(EVENTS), ...Object.values(EVENTS)]) a = a && applyEnrollmentEvent(a, e);
    expect(a).toBe(STATES.confirmed);
  });

  it('isUnconfirmed: filled and submitted are; confirmed and accounts without a record are not', () => {
    expect(Object.fromEntries(Object.entries(STATES).map(([k, v]) => [k, isUnconfirmed(v)]))).toEqual({
      'not enrolled by us': false,
      filled: true,
      submitted: true,
      confirmed: false,
    });
    expect(isUnconfirmed({})).toBe(false);
  });
});

describe('applyToVault, applySettled, parseSettled', () => {
  const data: VaultData = { version: 2, accounts: [STATES.submitted, { ...STATES.filled, id: 'b' }, { ...STATES.confirmed, id: 'c' }] };

  it('changes only the named account, returns the same object when nothing changes', () => {
    expect(applyToVault(data, 'nope', EVENTS.refused)).toBe(data);
    expect(applyToVault(data, 'c', EVENTS.cancelled)).toBe(data);
    const next = applyToVault(data, 'a', EVENTS.refused);
    expect(next.accounts.map((a) => a.id)).toEqual(['b', 'c']);
    expect(data.accounts).toHaveLength(3);
  });

  it('applies a journal in order: submitted then refused removes; refused then submitted keeps', () => {
    const submitThenRefuse = applySettled(data, [
      { accountId: 'b', event: { type: 'submitted', at: 1 } },
      { accountId: 'b', event: { type: 'refused', at: 2 } },
    ]);
    expect(submitThenRefuse.accounts.map((a) => a.id)).toEqual(['a', 'c']);
    const refuseThenSubmit = applySettled(data, [
      { accountId: 'b', event: { type: 'refused', at: 1 } },
      { accountId: 'b', event: { type: 'submitted', at: 2 } },
    ]);
    expect(refuseThenSubmit.accounts.find((a) => a.id === 'b')?.enrollment?.submittedAt).toBe(2);
  });

  it('reads only well-formed journal entries', () => {
    const good = { accountId: 'a', event: { type: 'confirmed', by: 'next-page', at: 5 } };
    expect(parseSettled([good, null, 5, { accountId: 1, event: {} }, { accountId: 'x', event: { type: 'refused' } }])).toEqual([good]);
    expect(parseSettled(undefined)).toEqual([]);
    expect(parseSettled({})).toEqual([]);
  });
});
