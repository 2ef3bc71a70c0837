import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { findOtpTarget, type OtpTarget } from '@/lib/generic/otp-fields';
import { request } from '@/utils/client';
import { errorText, t } from '@/utils/i18n';
import { fillInput, fillSegmented } from '@/utils/page/fill';
import { showChooser, showNotice } from '@/utils/page/notice';
import { measureClockOffset } from '@/utils/page/clock';

/**
 * "Fill one-time code" (shortcut, context menu, popup) on a page the automatic detection does
 * not cover: injected into the tab's top frame on demand, finds the code field by the usual
 * hints (autocomplete="one-time-code", names like otp/totp/2fa, six single-digit boxes) and asks
 * the background for the code of the account bound to this exact origin.
 */
export default defineUnlistedScript(() => {
  (globalThis as { __thingparkAutofillFill?: (id: string | null) => void }).__thingparkAutofillFill = (id) =>
    void fill(id);
});

let retry: ReturnType<typeof setTimeout> | undefined;
let offset: Promise<number | null> | null = null;

async function fill(accountId: string | null): Promise<void> {
  clearTimeout(retry);
  const target = findOtpTarget(document, document.activeElement);
  if (!target) return showNotice('error', t('noticeNoOtpField'));
  // The user asked for this fill: a few ms for the server's clock are worth a code it accepts.
  offset ??= measureClockOffset(location.href);
  const reply = await request('page.fill', {
    attemptedUsername: null,
    devices: [],
    chosenAccountId: accountId,
    clockOffsetMs: await offset,
    pageError: null,
  });
  if (!reply.ok) {
    if (reply.error.code === 'locked') return showNotice('info', t('noticeLocked'));
    return showNotice('error', errorText(reply.error));
  }
  const r = reply.value;
  switch (r.kind) {
    case 'none':
      return showNotice('error', t('noticeNoAccountHere', location.host));
    case 'choose':
      return showChooser(
        t('chooseAccount'),
        r.candidates.map((c) => ({ id: c.id, title: c.accountName, detail: `${c.issuer} · ${c.deviceName}` })),
        (id) => void fill(id),
      );
    case 'wait':
      showNotice('info', t('noticeCodeUsed', String(Math.ceil(r.retryInMs / 1000))));
      retry = setTimeout(() => void fill(accountId), r.retryInMs + 50);
      return;
    case 'fill':
      put(target, r.code);
      // Only our code becomes "used"; a code the user typed instead says nothing about ours.
      formOf(target)?.addEventListener(
        'submit',
        () => {
          if (valueOf(target) === r.code) void request('page.otpSubmitted', {});
        },
        { once: true },
      );
      return showNotice('success', t('noticeFilled', r.accountName));
  }
}

function put(target: OtpTarget, code: string): void {
  if (target.kind === 'single') fillInput(target.input, code);
  else fillSegmented(target.inputs, code);
}

const valueOf = (target: OtpTarget) =>
  target.kind === 'single' ? target.input.value : target.inputs.map((i) => i.value).join('');

const formOf = (target: OtpTarget) => (target.kind === 'single' ? target.input.form : target.inputs[0]?.form) ?? null;
