/** What the page scripts send about a Keycloak page and what they get back: a code to fill, never a secret. */
import type { ManualInfo } from '../keycloak/setup-check';

export interface FillRequest {
  attemptedUsername: string | null;
  devices: { id: string; label: string }[];
  /** The account the user picked in the in-page chooser. */
  chosenAccountId: string | null;
  /** Server clock minus local clock, from the page origin's `Date` header; null if unknown. */
  clockOffsetMs: number | null;
  /** Keycloak's error on this page (a refused code): never auto-submit then. */
  pageError: string | null;
}

/** What to do on an OTP page. Only ever a code, never a secret. */
export type FillReply =
  | {
      kind: 'fill';
      code: string;
      accountId: string;
      accountName: string;
      /** The account's device name in Keycloak (what the page's device list shows). */
      deviceName: string;
      /** The Keycloak credential to select, when the page lists several devices. */
      deviceId: string | null;
      autoSubmit: boolean;
      /** ms until the code's step ends (TOTP), to refresh it; null for HOTP. */
      validForMs: number | null;
      /** The server clock's offset when it is off by more than one step (ms), else null. */
      skewWarningMs: number | null;
      /** The server clock's offset the code was computed with (ms; 0: this computer's clock). */
      clockOffsetMs: number;
    }
  | { kind: 'wait'; retryInMs: number; accountName: string; clockOffsetMs: number }
  | { kind: 'choose'; candidates: { id: string; accountName: string; issuer: string; deviceName: string }[] }
  | { kind: 'none'; reason: 'no-account' | 'device-not-listed' };

export type PageKind = 'setup' | 'otp' | 'login' | 'none';

/**
 * Longest QR image `src` a setup page may send: Keycloak's 246x246 PNG is about 2,000 characters;
 * this leaves room for a theme's larger image and bounds the message.
 */
export const MAX_QR_IMAGE_CHARS = 1_000_000;

/** What the content script read on Keycloak's setup page. */
export interface PageEvidence {
  /**
   * The QR image's `src` as the page has it (Keycloak: a PNG `data:` URL), read by the background
   * (entrypoints/background/setup-qr.ts); '' for an image whose `src` is too long to send; null
   * when the page shows no QR code (Keycloak's "Unable to scan?" mode).
   */
  qrImage: string | null;
  hiddenSecret: string | null;
  manual: ManualInfo | null;
  /** Keycloak's error shown on this page (code or device name field), if any. */
  keycloakError: { code: string | null; label: string | null } | null;
}

export interface EnrollOffer {
  code: string;
  deviceName: string;
  /** Submit after filling: the user's setting, and never on a page that shows an error. */
  autoSubmit: boolean;
  issuer: string;
  accountName: string;
  /** The server clock's offset the code was computed with (ms; 0: this computer's clock). */
  clockOffsetMs: number;
  /** When the filled TOTP code goes stale (ms), so the page can refresh it; null for HOTP. */
  refreshInMs: number | null;
}

export interface PageSeen {
  /** ThingPark accepted the enrollment this tab submitted: its account is confirmed. */
  saved: { issuer: string; accountName: string; deviceName: string } | null;
  /** A submitted enrollment that Keycloak refused: its account was removed. */
  refused: boolean;
  /**
   * ThingPark accepted the enrollment while the vault was locked: the account is in the vault,
   * confirmed at the next unlock (or by the next login).
   */
  kept?: { issuer: string; accountName: string };
}
