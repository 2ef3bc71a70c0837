import type { LoginPage, PageInfo, SetupPage } from '@/lib/keycloak-page';
import { detectPage } from '@/lib/keycloak-page';
import type { AppError, PageKind } from '@/lib/protocol';
import { request } from '@/components/client';
import { errorText, t } from '@/components/i18n';
import { fillInput, submitForm } from './fill';
import { hideNotice, showNotice } from './notice';
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
    await seen;
    if (page.kind === 'setup') await enroll(page);
    else if (page.kind === 'login') watchLogin(page);
  }

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
