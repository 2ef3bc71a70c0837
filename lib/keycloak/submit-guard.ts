/**
 * Holds a form's submission until something is recorded, then lets it go as the user sent it.
 *
 * Why: the setup page tells the background "submitted" so that the next page can be read as
 * Keycloak's answer, and the background answers once the account is on disk (Keycloak registers
 * the device as it receives the form). A message sent while the page is leaving can be lost: Firefox drops a content
 * script's message when its page unloads while the suspended event page is still starting (seen
 * after the 30 s idle timeout; the page has gone by the time the background listens). So the
 * submission waits for the background's answer, at most `maxWaitMs`, and then goes whatever the
 * answer: the user's login is never held up by us for longer.
 *
 * No browser globals: the form comes in, and timers are Node's as well as the browser's.
 */
export interface SubmitGuardOptions {
  /**
   * Records the submit (the round trip to the background); settles when recorded or refused.
   * `submitter`: the button it went through (Keycloak's Cancel is recorded as such).
   */
  record: (submitter: HTMLElement | null) => Promise<unknown>;
  /** A submit through this button is not one to record (the login form: a code the user typed): it goes at once. */
  passes?: (submitter: HTMLElement | null) => boolean;
  maxWaitMs?: number;
}

/** The longest a submission waits for the background (a cold Firefox event page starts in ~0.2 s). */
export const SUBMIT_RECORD_WAIT_MS = 3000;

/**
 * Guards `form` (once: a second call for the same form changes nothing). Submissions that page
 * scripts cancelled themselves are left alone. A second submit while one is held (a double
 * click) is swallowed; after the release, submissions go through untouched.
 */
export function guardSubmit(form: HTMLFormElement, o: SubmitGuardOptions): void {
  if (guarded.has(form)) return;
  guarded.add(form);
  let state: 'open' | 'holding' | 'released' = 'open';
  form.addEventListener('submit', (event) => {
    if (state === 'released' || event.defaultPrevented) return;
    const submitter = (event as SubmitEvent).submitter ?? null;
    if (o.passes?.(submitter)) return;
    event.preventDefault();
    if (state === 'holding') return;
    state = 'holding';
    const release = () => {
      if (state === 'released') return;
      state = 'released';
      clearTimeout(timer);
      // The page may have replaced its form meanwhile: nothing of ours to send then.
      if (form.isConnected) submitForm(form, submitter);
    };
    const timer = setTimeout(release, o.maxWaitMs ?? SUBMIT_RECORD_WAIT_MS);
    o.record(submitter).then(release, release);
  });
}

const guarded = new WeakSet<HTMLFormElement>();

/**
 * Submits like a click on `submitter`, the form's own submit button (its name/value and the
 * page's handlers included), else as the form's default. Used to send a held submission again,
 * and by the page scripts to submit by themselves. Duck-typed: no browser globals here.
 */
export function submitForm(form: HTMLFormElement, submitter: HTMLElement | null): void {
  const button = submitter as (HTMLElement & { form?: HTMLFormElement | null; type?: string }) | null;
  if (button && button.form === form && button.type === 'submit') form.requestSubmit(button);
  else form.requestSubmit();
}

/** Keycloak's Cancel on a setup page the application asked for (`#cancelTOTPBtn`, `name=cancel-aia`). */
export function isKeycloakCancel(submitter: HTMLElement | null): boolean {
  return submitter != null && (submitter.id === 'cancelTOTPBtn' || submitter.getAttribute('name') === 'cancel-aia');
}
