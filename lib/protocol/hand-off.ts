/**
 * What one of our scripts leaves on `globalThis` for another that runs in the same world, typed
 * once here for both sides. Page scripts share the content-script world (never the page's own):
 * qr-reader.js leaves the setup page's runner for thingpark.js, and otp-prefetch.js leaves the
 * code it asked for as the page started loading. The popup's first script (popup-start.js) leaves
 * its first answers for the popup's main script. Types only: nothing here runs.
 */
import type { AppError } from './errors';
import type { Reply } from './messages';

/** How a notice in the page looks (utils/page/notice.ts). */
export type NoticeTone = 'info' | 'success' | 'error';

// --- qr-reader.js → thingpark.js

export interface SetupDeps {
  showNotice: (tone: NoticeTone, text: string) => void;
  /** The vault is not usable (locked, none, damaged): say so; the page fills once it is unlocked. */
  blocked: (error: AppError | null, state?: string) => void;
  /** The vault answered: no longer waiting for an unlock. */
  unblocked: () => void;
  /**
   * The platform's clock minus ours, measured once per page after its load event (the `Date`
   * header of one same-origin HEAD); null when unknown.
   */
  serverClockOffset: () => Promise<number | null>;
}

export interface SetupRunner {
  /** Reads the setup page as it is now and fills it (nothing when it is no longer a setup page). */
  enroll: () => Promise<void>;
  /** Keycloak's error on the setup page as it is now, for the page report. */
  setupError: () => string | null;
}

/** Where `qr-reader.js` leaves its functions in the content script's world (never the page's). */
export interface SetupSlot {
  __thingparkAutofillSetup?: (deps: SetupDeps) => SetupRunner;
}

// --- otp-prefetch.js → thingpark.js

/** Where otp-prefetch.js leaves the code it asked for as the page started loading (content-script world only). */
export interface PrefetchSlot {
  /** `reply`: null when it was not delivered or not answered (the page script then asks itself). */
  __thingparkAutofillPrefetch?: { sentAt: number; reply: Promise<Reply<'page.fill'> | null> };
  /**
   * What became of it once taken: used, or asked again with the page. Read by the e2e tests in
   * this content-script world (Chromium), where the page cannot see it; it says nothing secret.
   */
  __thingparkAutofillPrefetchUsed?: boolean;
}

// --- popup-start.js → the popup

/** The tab the popup acts on ("the current platform"), as far as the browser lets us see it. */
export interface CurrentTab {
  tabId: number;
  /** false when the browser hides the tab's URL (no host permission, no activeTab grant). */
  urlKnown: boolean;
  /** The web origin; null for a hidden URL and for non-web pages (about:, the browser's own). */
  origin: string | null;
  host: string | null;
  realm: string | null;
}

export interface CurrentTabState {
  tab: CurrentTab | null;
  /** The popup page is shown in a tab (tests, or popup.html opened by hand), not as a popup. */
  inTab: boolean;
}

/** What the popup's first screen needs: the vault's state, its first accounts, and the tab it acts on. */
export interface PopupStart {
  status: Reply<'vault.status'>;
  /** The accounts the first screen shows, in the popup's order, and the total; refused ('locked') when locked. */
  head: Reply<'accounts.head'>;
  /** The whole list, asked for once the head came; null when the head is all of it (or was refused). */
  rest: Promise<Reply<'accounts.list'>> | null;
  current: CurrentTabState;
}

/** The slot where `popup-start.js` leaves its answers for the popup's main script. */
export interface PopupStartSlot {
  __thingparkPopupStart?: Promise<PopupStart>;
}
