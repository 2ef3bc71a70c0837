import type { LoginPage, OtpPage, PageInfo, SetupPage } from '@/lib/keycloak-page';
import { detectPage, realmFromUrl, selectDevice } from '@/lib/keycloak-page';
import { SKEW_TOLERANCE_MS } from '@/lib/clock';
import type { AppError, PageKind } from '@/lib/protocol';
import { request } from '@/components/client';
import { errorText, t } from '@/components/i18n';
import { fillInput, submitForm } from '@/components/page/fill';
import { hideNotice, showChooser, showNotice } from '@/components/page/notice';
import { measureClockOffset } from '@/components/page/clock';
import { readQr } from './qr';

/** Keycloak's error text on a setup page, if it shows one. */
function setupErrorOf(page: PageInfo): string | null {
  return page.kind === 'setup' ? (page.errors.code ?? page.errors.label) : null;
}

/**
 * What the content script does on each kind of Keycloak page. One runner per page load; the
 * background decides everything that involves a secret and answers with what to fill.
 */
export function createPageRunner() {
  /** The page report must reach the background before an enrollment: it settles the last one. */
  let seen: Promise<unknown> = Promise.resolve();
  /** Set while a page waits for the vault to be unlocked from the toolbar. */
  let waitingForUnlock = false;
  let submitted = false;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  function reportSeen(page: PageInfo): void {
    const kind: PageKind = page.kind;
    seen = request('page.seen', { kind, setupError: setupErrorOf(page) }).then((reply) => {
      if (reply.ok && reply.value.saved) {
        const { accountName, issuer } = reply.value.saved;
        showNotice('success', t('noticeSaved', [accountName, issuer]));
      }
    });
  }

  async function handle(page: PageInfo): Promise<void> {
    // An OTP page asks at once: the background answers messages in the order they were sent,
    // so the page report is still handled first, and the code arrives one round trip sooner.
    if (page.kind !== 'otp') await seen;
    if (page.kind === 'setup') await enroll(page);
    else if (page.kind === 'otp') await fillOtp(page);
    else if (page.kind === 'login') watchLogin(page);
  }

  let otpTimer: ReturnType<typeof setTimeout> | undefined;
  let countdown: ReturnType<typeof setInterval> | undefined;
  let measuredOffset: Promise<number | null> | null = null;

  /**
   * OTP login page: ask the background for the code (it picks the account by origin, realm and
   * user name, and the device by name), select our device, fill, and keep the code fresh.
   */
  async function fillOtp(page: OtpPage, chosenAccountId: string | null = null, clockOffsetMs: number | null = null): Promise<void> {
    clearTimeout(otpTimer);
    clearInterval(countdown);
    // Measure the server's clock once per page, in parallel with the first fill.
    measuredOffset ??= measureOffsetHere();
    const offsetPromise = measuredOffset;
    /** Once the server's clock is known: ask again with it when it differs (and `stillOurs`). */
    const correctForServerClock = async (stillOurs: () => boolean) => {
      const offset = await offsetPromise;
      if (offset !== null && Math.abs(offset) > SKEW_TOLERANCE_MS && stillOurs()) await fillOtp(page, chosenAccountId, offset);
    };

    const reply = await request('page.fill', {
      attemptedUsername: page.attemptedUsername,
      devices: page.devices.map(({ id, label }) => ({ id, label })),
      chosenAccountId,
      clockOffsetMs,
      pageError: page.error,
    });
    if (!reply.ok) {
      // No vault at all: this browser does not use the extension for ThingPark yet; stay quiet.
      if (reply.error.code === 'no-vault') return;
      return blocked(reply.error, reply.error.code === 'corrupt' ? 'damaged' : undefined);
    }
    waitingForUnlock = false;
    const r = reply.value;
    if (r.kind === 'none') {
      if (r.reason === 'device-not-listed') showNotice('error', t('noticeDeviceNotListed'));
      return;
    }
    if (r.kind === 'choose') {
      return showChooser(
        t('chooseAccount'),
        r.candidates.map((c) => ({ id: c.id, title: c.accountName, detail: `${c.issuer} · ${c.deviceName}` })),
        (id) => void fillOtp(page, id, clockOffsetMs),
      );
    }
    if (r.kind === 'wait') {
      // Keycloak refuses a code twice: show when the next one comes, then fill it.
      const until = Date.now() + r.retryInMs;
      const tick = () => showNotice('info', t('noticeCodeUsed', String(Math.max(1, Math.ceil((until - Date.now()) / 1000)))));
      tick();
      countdown = setInterval(tick, 1000);
      otpTimer = setTimeout(() => void fillOtp(page, chosenAccountId, clockOffsetMs), r.retryInMs + 50);
      // By the server's clock the next step may have begun already.
      if (clockOffsetMs === null) void correctForServerClock(() => true);
      return;
    }

    if (r.deviceId) selectDevice(page, r.deviceId);
    clearInterval(countdown);
    fillInput(page.input, r.code);
    lastFilledOtp = r.code;
    if (!listeningForOtpSubmit) {
      listeningForOtpSubmit = true;
      page.form.addEventListener(
        'submit',
        () => {
          clearTimeout(otpTimer);
          // Only our code becomes "used"; a code the user typed instead says nothing about ours.
          if (page.input.value === lastFilledOtp) void request('page.otpSubmitted', {});
        },
        { once: true },
      );
    }
    if (page.error) showNotice('error', t('noticeOtpRefused', page.error));
    else if (r.skewWarningMs != null) showNotice('info', t('noticeClockSkew', String(Math.round(r.skewWarningMs / 1000))));
    else hideNotice();

    if (r.autoSubmit && clockOffsetMs === null) {
      // Submit with the offset known when the clock matters: wait for the measurement first.
      const offset = await offsetPromise;
      if (offset !== null && Math.abs(offset) > SKEW_TOLERANCE_MS) return fillOtp(page, chosenAccountId, offset);
      return submitForm(page.form, page.submit);
    }
    if (r.autoSubmit) return submitForm(page.form, page.submit);

    const filled = r.code;
    // Ours was filled at once by our clock; correct it if the server's clock says otherwise.
    if (clockOffsetMs === null) void correctForServerClock(() => page.input.value === filled);
    if (r.validForMs != null) {
      // Keep the field fresh while the user waits, unless they typed something else.
      otpTimer = setTimeout(() => {
        if (page.input.value === filled && page.form.isConnected) void fillOtp(page, chosenAccountId, clockOffsetMs);
      }, r.validForMs + 50);
    }
  }
  let listeningForOtpSubmit = false;
  let lastFilledOtp = '';

  /** The vault is not usable: say what to do; fill later if it gets unlocked. */
  function blocked(error: AppError | null, state?: string): void {
    waitingForUnlock = true;
    if (state === 'none') showNotice('info', t('noticeNoVault'));
    else if (state === 'damaged') showNotice('error', t('noticeDamaged'));
    else if (!error || error.code === 'locked') showNotice('info', t('noticeLocked'));
    else showNotice('error', errorText(error));
  }

  async function enroll(page: SetupPage, quiet = false): Promise<void> {
    const status = await request('vault.status', {});
    if (!status.ok) return blocked(status.error);
    if (status.value.state !== 'unlocked') return blocked(null, status.value.state);
    waitingForUnlock = false;

    const qrText = page.qrImage ? await readQr(page.qrImage) : null;
    const reply = await request('page.enroll', {
      evidence: {
        qrText,
        qrUnreadable: page.qrImage != null && qrText == null,
        hiddenSecret: page.hiddenSecret,
        manual: page.manual,
        keycloakError: page.errors.code || page.errors.label ? page.errors : null,
      },
    });
    if (!reply.ok) {
      if (reply.error.code === 'locked') return blocked(reply.error);
      return showNotice('error', t('noticeEnrollFailed', errorText(reply.error)));
    }
    const offer = reply.value;
    fillInput(page.codeInput, offer.code);
    if (page.labelInput && (!quiet || page.labelInput.value === '')) fillInput(page.labelInput, offer.deviceName);
    if (quiet) return scheduleRefresh(page, offer.code, offer.refreshInMs);

    page.form.addEventListener(
      'submit',
      () => {
        submitted = true;
        clearTimeout(refreshTimer);
        void request('page.submitted', {});
      },
      { once: true },
    );
    const keycloakSaid = setupErrorOf(page);
    if (keycloakSaid) showNotice('error', t('noticeRefused', keycloakSaid));
    else if (offer.autoSubmit) {
      showNotice('info', t('noticeSubmitted', offer.deviceName));
      submitForm(page.form, page.submit);
      return;
    } else showNotice('info', t('noticeFilledSetup', offer.deviceName));
    scheduleRefresh(page, offer.code, offer.refreshInMs);
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

  /** Keycloak answers HEAD on the realm's base URL cheaply and without side effects. */
  async function measureOffsetHere(): Promise<number | null> {
    const realm = realmFromUrl(location.href);
    if (!realm) return null;
    const prefix = location.pathname.slice(0, location.pathname.indexOf('/realms/'));
    return measureClockOffset(`${location.origin}${prefix}/realms/${encodeURIComponent(realm)}/`);
  }

  function watchLogin(page: LoginPage): void {
    page.form.addEventListener('submit', () => {
      const username = page.username?.value.trim();
      if (username) void request('page.username', { username });
    });
  }

  async function onUnlocked(): Promise<void> {
    if (!waitingForUnlock) return;
    hideNotice();
    await handle(detectPage(document));
  }

  return { reportSeen, handle, onUnlocked };
}
