/**
 * Moments in the UI (components/shared/local-time.ts): since when an account saved at enrollment waits
 * for ThingPark's confirmation, said as local time in the UI's language.
 */
import { describe, expect, it } from 'vitest';
import { localTime, unconfirmedSince } from '../../../components/shared/local-time';

const at = (iso: string) => Date.parse(iso);
/** Narrow and ordinary no-break spaces vary between ICU versions ("2:32 PM"): compared as spaces. */
const plain = (t: { kind: string; text: string }) => ({ ...t, text: t.text.replace(/[\u00a0\u202f]/g, ' ') });

describe('localTime', () => {
  const now = at('2025-03-03T18:00:00Z');

  it('today: the time alone, as the language writes it', () => {
    expect(plain(localTime(at('2025-03-03T14:32:00Z'), now, 'en-GB', 'UTC'))).toEqual({ kind: 'time', text: '14:32' });
    expect(plain(localTime(at('2025-03-03T14:32:00Z'), now, 'en-US', 'UTC'))).toEqual({ kind: 'time', text: '2:32 PM' });
    expect(plain(localTime(at('2025-03-03T14:32:00Z'), now, 'fr', 'UTC'))).toEqual({ kind: 'time', text: '14:32' });
  });

  it('another day: date and time; the year only when it is not this one', () => {
    expect(plain(localTime(at('2025-03-02T23:59:00Z'), now, 'en-GB', 'UTC'))).toEqual({ kind: 'date', text: '2 Mar, 23:59' });
    expect(plain(localTime(at('2025-01-10T09:05:00Z'), now, 'en-US', 'UTC'))).toEqual({ kind: 'date', text: 'Jan 10, 9:05 AM' });
    expect(plain(localTime(at('2024-12-31T09:05:00Z'), now, 'en-US', 'UTC'))).toEqual({ kind: 'date', text: 'Dec 31, 2024, 9:05 AM' });
    expect(plain(localTime(at('2024-12-31T09:05:00Z'), now, 'en-GB', 'UTC'))).toEqual({ kind: 'date', text: '31 Dec 2024, 09:05' });
    // ICU writes "2 mars, 23:59" or "2 mars à 23:59" depending on its version.
    const fr = plain(localTime(at('2025-03-02T23:59:00Z'), now, 'fr-FR', 'UTC'));
    expect(fr.kind).toBe('date');
    expect(fr.text).toMatch(/^2 mars(,| à) 23:59$/);
    expect(plain(localTime(at('2024-12-31T09:05:00Z'), now, 'fr-FR', 'UTC')).text).toMatch(/^31 déc\. 2024(,| à) 09:05$/);
  });

  it('"today" is the calendar day where the user is, not in UTC', () => {
    // 23:30 UTC on the 2nd is 00:30 on the 3rd in Paris (UTC+1 in March): the same day as now.
    expect(plain(localTime(at('2025-03-02T23:30:00Z'), now, 'en-GB', 'Europe/Paris'))).toEqual({ kind: 'time', text: '00:30' });
    expect(localTime(at('2025-03-02T23:30:00Z'), now, 'en-GB', 'UTC').kind).toBe('date');
    // A moment after now (this computer's clock was set back) on the same day is still today.
    expect(localTime(at('2025-03-03T20:00:00Z'), now, 'en-GB', 'UTC').kind).toBe('time');
  });
});

describe('unconfirmedSince', () => {
  it('the submit when one was recorded, else the fill', () => {
    expect(unconfirmedSince({ filledAt: 1_000, submittedAt: null })).toBe(1_000);
    expect(unconfirmedSince({ filledAt: 1_000, submittedAt: 5_000 })).toBe(5_000);
  });
});
