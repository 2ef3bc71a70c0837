/**
 * How user and device names compare between what Keycloak shows and what we stored. Apart from
 * lib/keycloak/login.ts so that page scripts can use them without the OTP code.
 */

/** User names: Keycloak's are case-insensitive; the page may pad them. */
export const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Device labels as the page reads them (lib/keycloak/page-detection.ts collapses whitespace and trims). */
export const sameLabel = (label: string, deviceName: string): boolean => label === deviceName.replace(/\s+/g, ' ').trim();
