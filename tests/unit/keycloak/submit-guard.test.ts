// lib/keycloak/submit-guard.ts on a Keycloak-like setup form, parsed with happy-dom (the vitest environment
// stays plain Node). A listener on the window, which runs after the form's own, stands for the
// browser: it notes each submission as "went" (not cancelled) or "held", and cancels it so that
// happy-dom does not navigate.

import { afterEach, describe, expect, it } from 'vitest';
import { Window } from 'happy-dom';
import { guardSubmit, isKeycloakCancel } from '../../../lib/keycloak/submit-guard';

const FORM = `<form id="kc-totp-settings-form" action="/login-actions/required-action" method="post">
  <input id="totp" name="totp" value="123456">
  <input type="submit" id="saveTOTPBtn" value="Submit">
  <button type="submit" id="cancelTOTPBtn" name="cancel-aia" value="true">Cancel</button>
</form>`;

const windows: Window[] = [];
afterEach(async () => {
  for (const w of windows.splice(0)) await w.happyDOM.close();
});

function setup() {
  const window = new Window({ url: 'https://community.thingpark.io/' });
  windows.push(window);
  const document = window.document as unknown as Document;
  document.body.innerHTML = FORM;
  const form = document.getElementById('kc-totp-settings-form') as HTMLFormElement;
  const seen: { went: boolean; by: string | null }[] = [];
  window.addEventListener('submit', (event) => {
    const e = event as unknown as SubmitEvent;
    seen.push({ went: !e.defaultPrevented, by: e.submitter?.id ?? null });
    e.preventDefault();
  });
  const button = (id: string) => document.getElementById(id) as HTMLElement;
  return { window, document, form, seen, button, went: () => seen.filter((s) => s.went) };
}

/** A record call the test settles itself. */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const calls: number[] = [];
  const record = () => {
    calls.push(Date.now());
    return new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
  };
  return { record, calls, resolve: () => resolve(), reject: (e: Error) => reject(e) };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('guardSubmit', () => {
  it('holds the submission until the record settles, then sends it through the same button', async () => {
    const { form, button, seen, went } = setup();
    const d = deferred();
    guardSubmit(form, { record: d.record, passes: isKeycloakCancel });
    button('saveTOTPBtn').click();
    expect(d.calls).toHaveLength(1);
    expect(seen).toEqual([{ went: false, by: 'saveTOTPBtn' }]);
    await tick(20);
    expect(went()).toEqual([]);
    d.resolve();
    await tick();
    expect(went()).toEqual([{ went: true, by: 'saveTOTPBtn' }]);
    expect(d.calls).toHaveLength(1);
  });

  it('sends it after maxWaitMs when the record never settles, and only once if it settles later', async () => {
    const { form, button, went } = setup();
    const d = deferred();
    guardSubmit(form, { record: d.record, maxWaitMs: 30 });
    button('saveTOTPBtn').click();
    await tick(10);
    expect(went()).toEqual([]);
    await tick(60);
    expect(went()).toEqual([{ went: true, by: 'saveTOTPBtn' }]);
    d.resolve();
    await tick();
    expect(went()).toHaveLength(1);
  });

  it('sends it when the record fails', async () => {
    const { form, button, went } = setup();
    const d = deferred();
    guardSubmit(form, { record: d.record });
    button('saveTOTPBtn').click();
    d.reject(new Error('background gone'));
    await tick();
    expect(went()).toEqual([{ went: true, by: 'saveTOTPBtn' }]);
  });

  it('a submission that `passes` goes at once, unrecorded', () => {
    const { form, button, seen } = setup();
    const d = deferred();
    guardSubmit(form, { record: d.record, passes: isKeycloakCancel });
    button('cancelTOTPBtn').click();
    expect(seen).toEqual([{ went: true, by: 'cancelTOTPBtn' }]);
    expect(d.calls).toHaveLength(0);
  });

  it("the record is told the button (the setup page records Keycloak's Cancel as a cancel), and each goes through its own button", async () => {
    const { form, button, went } = setup();
    const submitters: (string | null)[] = [];
    guardSubmit(form, { record: async (submitter) => void submitters.push(submitter?.id ?? null) });
    button('cancelTOTPBtn').click();
    await tick();
    expect(submitters).toEqual(['cancelTOTPBtn']);
    expect(isKeycloakCancel(button('cancelTOTPBtn'))).toBe(true);
    expect(isKeycloakCancel(button('saveTOTPBtn'))).toBe(false);
    expect(went()).toEqual([{ went: true, by: 'cancelTOTPBtn' }]);
  });

  it('records a double click once and sends one submission; a later one goes untouched', async () => {
    const { form, button, seen, went } = setup();
    const d = deferred();
    guardSubmit(form, { record: d.record });
    button('saveTOTPBtn').click();
    button('saveTOTPBtn').click();
    expect(d.calls).toHaveLength(1);
    expect(seen.filter((s) => !s.went)).toHaveLength(2);
    d.resolve();
    await tick();
    expect(went()).toHaveLength(1);
    form.requestSubmit();
    expect(went()).toHaveLength(2);
    expect(d.calls).toHaveLength(1);
  });

  it("leaves alone a submission the page's own script cancelled, and guards a form once", async () => {
    const { form, button, seen } = setup();
    const d = deferred();
    form.addEventListener('submit', (e) => e.preventDefault(), { once: true });
    guardSubmit(form, { record: d.record });
    guardSubmit(form, { record: d.record });
    button('saveTOTPBtn').click();
    expect(d.calls).toHaveLength(0);
    expect(seen).toEqual([{ went: false, by: 'saveTOTPBtn' }]);
    button('saveTOTPBtn').click();
    expect(d.calls).toHaveLength(1);
    d.resolve();
    await tick();
    expect(seen.filter((s) => s.went)).toHaveLength(1);
  });

  it('sends nothing when the page removed the form meanwhile', async () => {
    const { form, button, seen } = setup();
    const d = deferred();
    guardSubmit(form, { record: d.record });
    button('saveTOTPBtn').click();
    form.remove();
    d.resolve();
    await tick();
    expect(seen).toEqual([{ went: false, by: 'saveTOTPBtn' }]);
  });
});

describe('isKeycloakCancel', () => {
  it("knows Keycloak's Cancel by its id or its name, and nothing else", () => {
    const { button, document } = setup();
    expect(isKeycloakCancel(button('cancelTOTPBtn'))).toBe(true);
    const named = document.createElement('button');
    named.setAttribute('name', 'cancel-aia');
    expect(isKeycloakCancel(named)).toBe(true);
    expect(isKeycloakCancel(button('saveTOTPBtn'))).toBe(false);
    expect(isKeycloakCancel(null)).toBe(false);
  });
});
