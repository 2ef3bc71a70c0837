/**
 * Hosts of ThingPark Enterprise SaaS (Actility's public documentation). Self-hosted platforms
 * are added at run time through optional host permissions.
 */
export const THINGPARK_MATCHES = [
  'https://community.thingpark.io/*',
  'https://*.thingpark.com/*',
  'https://*.thingpark.io/*',
  'https://*.actility.com/*',
];

/**
 * Where Keycloak shows its required actions, TOTP setup among them (`…/login-actions/required-action?execution=CONFIGURE_TOTP`):
 * the pages that get the QR reader from the start. `pattern` is a host's `scheme://host/*` pattern.
 * A setup page at another address still gets the reader, injected once the page is recognised.
 */
export function setupPagesOf(pattern: string): string {
  return pattern.replace(/\/\*$/, '/*/login-actions/required-action*');
}

/**
 * Where Keycloak shows its OTP login page (the answer to the password form's POST to
 * `…/login-actions/authenticate`, and that URL reloaded): the pages that ask for their code as
 * they start loading (otp-prefetch.js). The password page shown again after a wrong
 * password has this address too; its early answer is simply not used.
 */
export function otpPagesOf(pattern: string): string {
  return pattern.replace(/\/\*$/, '/*/login-actions/authenticate*');
}
