import type { LoginPage, OtpPage, PageKindInfo } from '@/lib/keycloak/page-detection';
import { detectPageKind, realmFromPath, selectDevice } from '@/lib/keycloak/page-detection';
import { needsClockCorrection } from '@/lib/otp/clock';
import type { AppError } from '@/lib/protocol/errors';
import type { PageKind } from '@/lib/protocol/page';
import type { Reply } from '@/lib/protocol/messages';
import { fillFromPrefetch, type Fill } from '@/lib/keycloak/prefetch';
import { guardSubmit, submitForm } from '@/lib/keycloak/submit-guard';
import { request } from '@/utils/client';
import { errorText, t } from '@/utils/i18n';
import { fillInput } from '@/utils/page/fill';
import { hideNotice, showChooser, showNotice } from '@/utils/page/notice';
import { measureClockOffset } from '@/utils/page/clock';
import { pageLoaded } from '@/utils/page/loaded';
import type { PrefetchSlot, SetupRunner, SetupSlot } from '@/lib/protocol/hand-off';

/**
 * What the content script does on each kind of Keycloak page. One runner per page load; the
 * background decides everything that involves a secret and answers with what to fill. A setup
 * page's work is in `qr-reader.js` (entrypoints/qr-reader/setup-page.ts), loaded on setup pages only.
 */
export function createPageRunner() {
  /** The page report's answer: the password page waits for it before watching its form. */
  let seen: Promise<unknown> = Promise.resolve();
  /** Set while a page waits for the vault to be unlocked from the toolbar. */
  let waitingForUnlock = false;
  let setup: Promise<SetupRunner | null> | null = null;

  /**
   * The setup page's script (qr-reader.js). The manifest loads it before this script on
   * Keycloak's required-action pages; on a setup page at another address it is asked for once,
   * as soon as the page is seen, and the background injects it.
   */
  function setupRunner(): Promise<SetupRunner | null> {
    if (setup) return setup;
    const slot = globalThis as SetupSlot;
    const create = (ready: boolean) =>
      ready && slot.__thingparkAutofillSetup
        ? slot.__thingparkAutofillSetup({ showNotice, blocked, unblocked: () => (waitingForUnlock = false), serverClockOffset })
        : null;
    // On Keycloak's required-action pages the manifest loaded the reader before this script.
    if (slot.__thingparkAutofillSetup) return (setup = Promise.resolve(create(true)));
    return (setup = request('page.loadQrReader', {}).then((reply) => {
      const runner = create(reply.ok);
      if (runner) return runner;
      // Said like any other failure; asked again on the next attempt (once the vault is unlocked).
      blocked(reply.ok ? { code: 'internal' } : reply.error);
      setup = null;
      return null;
    }));
  }

  function reportSeen(page: PageKindInfo): void {
    const kind: PageKind = page.kind;
    // A setup page's report carries Keycloak's error, which the setup page's script reads. The
    // background answers in order: the report would wait behind the injection anyway.
    const setupError = kind === 'setup' ? setupRunner().then((runner) => runner?.setupError() ?? null) : null;
    seen = Promise.resolve(setupError).then((error) => request('page.seen', { kind, setupError: error, sentAt: Date.now() })).then((reply) => {
      if (reply.ok && reply.value.saved) {
        const { accountName, issuer } = reply.value.saved;
        showNotice('success', t('noticeSaved', [accountName, issuer]));
      } else if (reply.ok && reply.value.kept) {
        const { accountName, issuer } = reply.value.kept;
        showNotice('info', t('noticeKept', [accountName, issuer]));
      }
    });
  }

  async function handle(page: PageKindInfo): Promise<void> {
    // An OTP page asks for its code at once, without waiting for the page report's answer; a
    // setup page reads its QR code and enrolls (`page.enroll` settles the last enrollment as
    // the report does, whichever the background gets first).
    if (page.kind === 'setup') await (await setupRunner())?.enroll();
    else if (page.kind === 'otp') await fillOtp(page);
    else if (page.kind === 'login') {
      await seen;
      watchLogin(page);
    }
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
    // Measure the server's clock once per page, in parallel with the first fill but after the
    // page's load event: a request of ours must not hold up the page's own loading.
    const offsetPromise = serverClockOffset();
    /**
     * Once the server's clock is known: ask again with it when the code was computed with another
     * offset (`used`: ours, or one the background remembered for this platform), if `stillOurs`.
     */
    const correctForServerClock = async (used: number, stillOurs: () => boolean) => {
      const offset = await offsetPromise;
      if (needsClockCorrection(offset, used) && stillOurs()) await fillOtp(page, chosenAccountId, offset);
    };

    // The page's first fill takes the code asked for as the page started loading, when it fits.
    const early = chosenAccountId === null && clockOffsetMs === null ? await takePrefetched(page) : null;
    const reply: Reply<'page.fill'> = early
      ? { ok: true, value: early }
      : await request('page.fill', {
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
      if (clockOffsetMs === null) void correctForServerClock(r.clockOffsetMs, () => true);
      return;
    }

    if (r.deviceId) selectDevice(page, r.deviceId);
    clearInterval(countdown);
    fillInput(page.input, r.code);
    lastFilledOtp = r.code;
    if (!listeningForOtpSubmit) {
      listeningForOtpSubmit = true;
      // Any submit ends the code's refresh.
      page.form.addEventListener('submit', () => clearTimeout(otpTimer));
      // Our code goes once the background has marked its step used (lib/keycloak/submit-guard.ts says
      // why: Firefox can drop a message sent as the page leaves). Only our code becomes "used":
      // a code the user typed instead says nothing about ours, and goes at once.
      guardSubmit(page.form, { passes: () => page.input.value !== lastFilledOtp, record: () => request('page.otpSubmitted', {}) });
    }
    if (page.error) showNotice('error', t('noticeOtpRefused', page.error));
    else if (r.skewWarningMs != null) showNotice('info', t('noticeClockSkew', String(Math.round(r.skewWarningMs / 1000))));
    else hideNotice();

    if (r.autoSubmit && clockOffsetMs === null) {
      // Submit with the offset known when the clock matters: wait for the measurement first.
      const offset = await offsetPromise;
      if (needsClockCorrection(offset, r.clockOffsetMs)) return fillOtp(page, chosenAccountId, offset);
      return submitForm(page.form, page.submit);
    }
    if (r.autoSubmit) return submitForm(page.form, page.submit);

    const filled = r.code;
    // Ours was filled at once by our clock; correct it if the server's clock says otherwise.
    if (clockOffsetMs === null) void correctForServerClock(r.clockOffsetMs, () => page.input.value === filled);
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

  /** The platform's clock minus ours, measured once per page, after its load event. */
  function serverClockOffset(): Promise<number | null> {
    return (measuredOffset ??= pageLoaded().then(measureOffsetHere));
  }

  /** Keycloak answers HEAD on the realm's base URL cheaply and without side effects. */
  async function measureOffsetHere(): Promise<number | null> {
    const realm = realmFromPath(location.pathname);
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
    await handle(detectPageKind(document));
  }

  return { reportSeen, handle, onUnlocked };
}

/** The code asked for by otp-prefetch.js, taken once (later fills ask with the page), if it fits this page. */
async function takePrefetched(page: OtpPage): Promise<Fill | null> {
  const slot = globalThis as PrefetchSlot;
  const pending = slot.__thingparkAutofillPrefetch;
  if (!pending) return null;
  delete slot.__thingparkAutofillPrefetch;
  const reply = await pending.reply;
  const fill = fillFromPrefetch(reply, page, Date.now() - pending.sentAt);
  slot.__thingparkAutofillPrefetchUsed = fill !== null;
  return fill;
}
