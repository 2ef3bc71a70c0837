/**
 * The popup list's accounts (components/popup/listed.ts): what search looks in, and why a code
 * does not go into the tab in front. `utils/i18n` needs the browser: a stub writes the key and
 * its substitutions.
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../../utils/i18n', () => ({
  t: (key: string, subs?: string | string[]) => (subs === undefined ? key : `${key}(${[subs].flat().join('|')})`),
}));

import { listed, whyNotFill } from '../../../components/popup/listed';
import type { CurrentTab } from '../../../lib/protocol/hand-off';
import type { AccountSummary } from '../../../lib/protocol/messages';

const ORIGIN = 'https://community.thingpark.io';

function account(o: Partial<AccountSummary> = {}): AccountSummary {
  return {
    id: '1',
    label: null,
    issuer: 'ThingPark Enterprise',
    accountName: 'Jane.Doe@example.com',
    origin: ORIGIN,
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

const tab = (o: Partial<CurrentTab> = {}): CurrentTab => ({ tabId: 7, urlKnown: true, origin: ORIGIN, host: 'community.thingpark.io', realm: 'tpe', ...o });

describe('listed', () => {
  it('adds the host shown and the lowercase text search looks in (issuer, label, name, host, device)', () => {
    const a = listed(account({ label: 'Prod', origin: 'https://IoT.Example.com:8443' }));
    expect(a.host).toBe('iot.example.com:8443');
    expect(a.haystack).toBe('thingpark enterprise\nprod\njane.doe@example.com\niot.example.com:8443\nlaptop');
    expect(listed(account()).haystack).toBe('thingpark enterprise\n\njane.doe@example.com\ncommunity.thingpark.io\nlaptop');
  });

  it('an origin that is no URL is shown as it is', () => {
    expect(listed(account({ origin: 'not a url' })).host).toBe('not a url');
  });
});

describe('whyNotFill', () => {
  const a = listed(account());

  it("fills the account's own platform and realm, or a tab whose realm is not known", () => {
    expect(whyNotFill(a, tab())).toBeNull();
    expect(whyNotFill(a, tab({ realm: null }))).toBeNull();
    expect(whyNotFill(listed(account({ realm: null })), tab({ realm: 'other' }))).toBeNull();
  });

  it('no tab, a hidden URL, or no web page: nothing to fill, each said', () => {
    expect(whyNotFill(a, null)).toBe('popupNoTab');
    expect(whyNotFill(a, tab({ urlKnown: false, origin: null, host: null }))).toBe('popupTabHidden');
    expect(whyNotFill(a, tab({ origin: null, host: null }))).toBe('popupNoTab');
  });

  it('another platform: its host; the same host on another scheme or port: whole origins', () => {
    expect(whyNotFill(a, tab({ origin: 'https://iot.example.com', host: 'iot.example.com' }))).toBe(
      'popupWrongOrigin(community.thingpark.io|iot.example.com)',
    );
    expect(whyNotFill(a, tab({ origin: 'http://community.thingpark.io' }))).toBe(`popupWrongOrigin(${ORIGIN}|http://community.thingpark.io)`);
  });

  it('another realm of the same platform', () => {
    expect(whyNotFill(a, tab({ realm: 'other' }))).toBe('popupWrongRealm(tpe|community.thingpark.io|other)');
  });
});
