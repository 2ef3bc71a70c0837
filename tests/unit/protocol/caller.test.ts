/**
 * Who the background thinks is asking (lib/protocol/caller.ts), from the browser's sender information:
 * the senders Chromium and Firefox actually report for our popup, our settings page (also when
 * opened in a tab), our content script in a page's top frame and in a sub-frame, and another
 * extension's.
 */
import { describe, expect, it } from 'vitest';
import { callerOf } from '../../../lib/protocol/caller';

const ID = 'abcdefghijklmnopabcdefghijklmnop';
const BASE = `chrome-extension://${ID}/`;
const SELF = { id: ID, baseUrl: BASE };
const FX_UUID = '3f6d2a4e-8b1c-4e7a-9c2d-5a6b7c8d9e0f';
const FX_SELF = { id: 'thingpark-autofill@thingpark-autofill.dev', baseUrl: `moz-extension://${FX_UUID}/` };

const OTP = 'https://community.thingpark.io/auth/realms/tpw-users-actility-tpe-ope/login-actions/authenticate?execution=otp';
const POPUP = `${BASE}popup.html`;
const OPTIONS = `${BASE}options.html`;

describe('callerOf', () => {
  it('our popup (no tab) and our settings page, also when opened in a tab, are extension pages', () => {
    expect(callerOf({ id: ID, url: POPUP }, SELF)).toEqual({ kind: 'extension-page' });
    expect(callerOf({ id: ID, url: OPTIONS, tab: { id: 3, url: OPTIONS }, frameId: 0 }, SELF)).toEqual({ kind: 'extension-page' });
    // A tab whose URL the browser does not tell us is not a web page either.
    expect(callerOf({ id: ID, url: OPTIONS, tab: { id: 3 }, frameId: 0 }, SELF)).toEqual({ kind: 'extension-page' });
    const fx = `moz-extension://${FX_UUID}/options.html`;
    expect(callerOf({ id: FX_SELF.id, url: fx, tab: { id: 3, url: fx }, frameId: 0 }, FX_SELF)).toEqual({ kind: 'extension-page' });
  });

  it('another extension gets null, whatever its URL and tab say', () => {
    const other = 'ponmlkjihgfedcbaponmlkjihgfedcba';
    expect(callerOf({ id: other, url: `chrome-extension://${other}/popup.html` }, SELF)).toBeNull();
    // Even one that claims our pages' URL or sends from a ThingPark tab.
    expect(callerOf({ id: other, url: POPUP }, SELF)).toBeNull();
    expect(callerOf({ id: other, url: OTP, tab: { id: 5, url: OTP }, frameId: 0 }, SELF)).toBeNull();
    // No id at all (a web page through externally_connectable, which we do not declare).
    expect(callerOf({ url: OTP, tab: { id: 5, url: OTP }, frameId: 0 }, SELF)).toBeNull();
    expect(callerOf({ id: '', url: POPUP }, { id: '', baseUrl: BASE })).toBeNull();
  });

  it('our content script in a tab: tab, frame and URL all from the sender', () => {
    expect(callerOf({ id: ID, url: OTP, tab: { id: 5, url: OTP }, frameId: 0 }, SELF)).toEqual({
      kind: 'content-script',
      tabId: 5,
      frameId: 0,
      url: OTP,
    });
  });

  it('the frame id is passed through: a sub-frame stays a sub-frame', () => {
    const framed = 'https://community.thingpark.io/auth/realms/x/login-actions/authenticate';
    expect(callerOf({ id: ID, url: framed, tab: { id: 5, url: 'https://evil.example/' }, frameId: 7 }, SELF)).toEqual({
      kind: 'content-script',
      tabId: 5,
      frameId: 7,
      url: framed,
    });
  });

  it("the URL is the frame's own (sender.url), not the tab's", () => {
    const caller = callerOf({ id: ID, url: OTP, tab: { id: 5, url: 'https://evil.example/frames-thingpark' }, frameId: 3 }, SELF);
    expect(caller).toMatchObject({ url: OTP });
  });

  it('a document with our URL inside a web page\'s tab is not an extension page', () => {
    // Our own pages are not web-accessible, so a page cannot frame them; should a document with
    // our URL still send from a web page's tab, it gets only what a content script gets.
    expect(callerOf({ id: ID, url: OPTIONS, tab: { id: 5, url: OTP }, frameId: 2 }, SELF)).toEqual({
      kind: 'content-script',
      tabId: 5,
      frameId: 2,
      url: OPTIONS,
    });
    // A look-alike prefix is not ours.
    const lookAlike = `chrome-extension://${ID}x/options.html`;
    expect(callerOf({ id: ID, url: lookAlike }, { id: ID, baseUrl: BASE })).toBeNull();
  });

  it('a sender without a tab or without a URL that is not our page gets null', () => {
    expect(callerOf({ id: ID, url: OTP }, SELF)).toBeNull();
    expect(callerOf({ id: ID, tab: { id: 5, url: OTP }, frameId: 0 }, SELF)).toBeNull();
    expect(callerOf({ id: ID, url: OTP, tab: { url: OTP }, frameId: 0 }, SELF)).toBeNull();
    expect(callerOf({ id: ID }, SELF)).toBeNull();
  });
});
