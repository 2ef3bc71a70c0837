/**
 * Moments shown to the user as local time in the UI's language (Intl), apart from the browser
 * APIs so that unit tests can give the language, the time zone and "now".
 */

/** A moment as the UI says it: the time alone when it is today, else the date and time. */
export interface LocalTime {
  kind: 'time' | 'date';
  /** "14:32", "2:32 PM"; "3 Mar, 14:32", "Mar 3, 2:32 PM"; "3 Mar 2024, 14:32", "3 mars 2024, 14:32". */
  text: string;
}

const formats = new Map<string, { day: Intl.DateTimeFormat; year: Intl.DateTimeFormat; time: Intl.DateTimeFormat; date: Intl.DateTimeFormat; full: Intl.DateTimeFormat }>();

function formatsFor(locale: string, timeZone: string | undefined) {
  const key = `${locale}\n${timeZone ?? ''}`;
  let f = formats.get(key);
  if (!f) {
    // Made once per language: the popup renders its rows every second.
    const zone = timeZone ? { timeZone } : {};
    f = {
      day: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', ...zone }),
      year: new Intl.DateTimeFormat(locale, { year: 'numeric', ...zone }),
      time: new Intl.DateTimeFormat(locale, { timeStyle: 'short', ...zone }),
      date: new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', ...zone }),
      full: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', ...zone }),
    };
    formats.set(key, f);
  }
  return f;
}

/**
 * `at` in local time: the time alone on the same calendar day as `now` (in that time zone),
 * else date and time, the year only when it is not this year's (the popup's line is short).
 * `timeZone` is the system's when absent (tests pass one).
 */
export function localTime(at: number, now: number, locale: string, timeZone?: string): LocalTime {
  const f = formatsFor(locale, timeZone);
  if (f.day.format(at) === f.day.format(now)) return { kind: 'time', text: f.time.format(at) };
  return { kind: 'date', text: (f.year.format(at) === f.year.format(now) ? f.date : f.full).format(at) };
}

/**
 * Since when an account saved at enrollment waits for ThingPark's confirmation: the submit of
 * the setup form, or its fill when no submit was recorded.
 */
export function unconfirmedSince(u: { filledAt: number; submittedAt: number | null }): number {
  return u.submittedAt ?? u.filledAt;
}
