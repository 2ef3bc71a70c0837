import { browser } from 'wxt/browser';
import type { AccountSummary } from '@/lib/protocol/messages';
import { t } from '../../utils/i18n';
import { localTime, unconfirmedSince } from './local-time';

type Unconfirmed = NonNullable<AccountSummary['unconfirmed']>;

/** "(since 14:32)": local time in the UI's language; the date too when it was not today. */
function sinceText(u: Unconfirmed, now: number): string {
  const when = localTime(unconfirmedSince(u), now, browser.i18n.getUILanguage());
  return t(when.kind === 'time' ? 'unconfirmedSinceTime' : 'unconfirmedSinceDate', when.text);
}

/**
 * "Not confirmed by ThingPark yet (since 14:32)": an account saved the moment its setup form was
 * filled, which ThingPark has not yet shown it accepted.
 */
export function unconfirmedText(u: Unconfirmed, now = Date.now()): string {
  return `${t('unconfirmedMark')} ${sinceText(u, now)}`;
}

/**
 * The mark in the popup's and the settings page's lists: a sign and words, never colour alone.
 * Controls of the row point at it (`aria-describedby` = `id`), so screen readers say it with them.
 * Two parts, so that a narrow line (the popup's) shortens the words, never the time: the time
 * starts with a no-break space, which stays where the layout drops spaces between the parts.
 */
export function UnconfirmedMark({ id, class: cls, unconfirmed, now = Date.now() }: { id: string; class: string; unconfirmed: Unconfirmed; now?: number }) {
  return (
    <span id={id} class={`unconfirmed-mark ${cls}`} title={unconfirmedText(unconfirmed, now)}>
      <span class="unconfirmed-what">
        <span aria-hidden="true">⚠ </span>
        {t('unconfirmedMark')}
      </span>
      <span class="unconfirmed-when">{`\u00a0${sinceText(unconfirmed, now)}`}</span>
    </span>
  );
}
