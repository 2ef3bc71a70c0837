import { MAX_QR_IMAGE_CHARS } from '@/lib/protocol/page';
import type { SetupDeps, SetupRunner } from '@/lib/protocol/hand-off';
import { detectPage, type PageInfo, type SetupPage } from '@/lib/keycloak/page-detection';
import { request } from '@/utils/client';
import { errorText, t } from '@/utils/i18n';
import { needsClockCorrection } from '@/lib/otp/clock';
import { guardSubmit, isKeycloakCancel, submitForm } from '@/lib/keycloak/submit-guard';
import { fillInput } from '@/utils/page/fill';

/**
 * The TOTP setup page's part of the content script: sending what the page shows (the QR image,
 * the secret, the manual key) to the background, enrolling, keeping the filled code fresh. The
 * background reads the QR image (entrypoints/background/setup-qr.ts). It is bundled into
 * `qr-reader.js` (its name from when jsQR ran in the page), which the manifest loads on Keycloak's
 * required-action pages and the background injects into a setup page found elsewhere
 * (`page.loadQrReader`), so the script that loads on every ThingPark page stays small. That
 * script detects the setup page (`detectPageKind`), asks for this one at once, and calls
 * `createSetupRunner` from the slot below with what both must share (the notice on the page,
 * the "waiting for unlock" state).
 */
/** Keycloak's error text on a setup page, if it shows one. */
function setupErrorOf(page: PageInfo): string | null {
  return page.kind === 'setup' ? (page.errors.code ?? page.errors.label) : null;
}

export function createSetupRunner(deps: SetupDeps): SetupRunner {
  let submitted = false;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** The platform's clock offset once measured (and the code asked again with it); null before. */
  let clockOffsetMs: number | null = null;

  /**
   * The measured offset when the code must be asked again with it (the background computed it
   * with another: ours, or one it remembered for this platform), else null.
   */
  async function correction(used: number): Promise<number | null> {
    const offset = await deps.serverClockOffset();
    return needsClockCorrection(offset, used) ? offset : null;
  }

  async function enroll(page: SetupPage, quiet = false): Promise<void> {
    // Sent while the page report is on its way. `page.enroll` does not wait for that report's
    // answer: it settles the last enrollment itself, and says when the vault is locked, so
    // nothing is asked before it.
    const reply = await request('page.enroll', {
      evidence: {
        qrImage: page.qrImage ? imageSource(page.qrImage) : null,
        hiddenSecret: page.hiddenSecret,
        manual: page.manual,
        keycloakError: page.errors.code || page.errors.label ? page.errors : null,
      },
      clockOffsetMs,
      sentAt: Date.now(),
    });
    if (!reply.ok) {
      if (reply.error.code === 'locked') {
        // Nothing to fill: one more round trip to say why (no vault yet, a damaged one, or locked).
        const status = await request('vault.status', {});
        return status.ok ? deps.blocked(null, status.value.state) : deps.blocked(status.error);
      }
      return deps.showNotice('error', t('noticeEnrollFailed', errorText(reply.error)));
    }
    deps.unblocked();
    const offer = reply.value;
    fillInput(page.codeInput, offer.code);
    if (page.labelInput && (!quiet || page.labelInput.value === '')) fillInput(page.labelInput, offer.deviceName);
    if (quiet) return scheduleRefresh(page, offer.code, offer.refreshInMs);

    // The submit goes once the background has recorded it and the account is on disk
    // (lib/keycloak/submit-guard.ts says why). Keycloak's Cancel is recorded too: the account saved at
    // the fill goes, ThingPark registers nothing.
    guardSubmit(page.form, {
      record: (submitter) => {
        submitted = true;
        clearTimeout(refreshTimer);
        return request('page.submitted', isKeycloakCancel(submitter) ? { cancel: true } : {});
      },
    });
    const keycloakSaid = setupErrorOf(page);
    if (keycloakSaid) deps.showNotice('error', t('noticeRefused', keycloakSaid));
    else if (offer.autoSubmit) {
      deps.showNotice('info', t('noticeSubmitted', offer.deviceName));
      // Keycloak checks the code with its own clock: when ours is off, fill the code of its time
      // before submitting (the measurement waits for the page's load event).
      if (clockOffsetMs === null && (clockOffsetMs = await correction(offer.clockOffsetMs)) !== null) await enroll(page, true);
      submitForm(page.form, page.submit);
      return;
    } else deps.showNotice('info', t('noticeFilledSetup', offer.deviceName));
    scheduleRefresh(page, offer.code, offer.refreshInMs);
    // Filled at once by our clock (the background waits for this page's measurement before it
    // follows the platform's); corrected when that says otherwise, unless the user typed
    // something else.
    if (clockOffsetMs === null) {
      const filled = offer.code;
      void correction(offer.clockOffsetMs).then((offset) => {
        if (offset === null || submitted || page.codeInput.value !== filled || !page.form.isConnected) return;
        clockOffsetMs = offset;
        void enroll(page, true);
      });
    }
  }

  /**
   * A TOTP code is accepted for about one more step after its own; a user who waits longer
   * before pressing Submit would be refused. Refill the next code when the step changes, unless
   * the user typed something else into the field.
   */
  function scheduleRefresh(page: SetupPage, filled: string, inMs: number | null): void {
    clearTimeout(refreshTimer);
    if (inMs == null) return;
    refreshTimer = setTimeout(() => {
      if (submitted || page.codeInput.value !== filled || !page.form.isConnected) return;
      void enroll(page, true);
    }, inMs + 50);
  }

  return {
    enroll: async () => {
      const page = detectPage(document);
      if (page.kind === 'setup') await enroll(page);
    },
    setupError: () => setupErrorOf(detectPage(document)),
  };
}

/**
 * The QR image's `src` for the background to read (entrypoints/background/setup-qr.ts), as the
 * attribute has it: no fetching (a URL that is not a PNG `data:` URL is unreadable there), and no
 * decoding here, so the key URI is never decoded in the page's process. '' (unreadable) for a
 * `src` too long to send.
 */
function imageSource(img: HTMLImageElement): string {
  const src = (img.getAttribute('src') ?? '').trim();
  return src.length <= MAX_QR_IMAGE_CHARS ? src : '';
}
