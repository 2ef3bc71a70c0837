/**
 * The popup list's geometry, apart from its components so that popup-start.js (no interface
 * code) can ask for exactly the rows the first screen shows.
 */

/** Rows the list shows at once (the half row says "there is more"); keeps the popup under 600 px. */
export const VISIBLE_ROWS = 4.5;
/** Rows rendered above and below the visible ones, so that scrolling shows no blank. */
export const OVERSCAN = 3;
/** Rows in the DOM when the list opens at its top: the accounts the first render needs. */
export const FIRST_SCREEN_ROWS = Math.ceil(VISIBLE_ROWS) + OVERSCAN;
