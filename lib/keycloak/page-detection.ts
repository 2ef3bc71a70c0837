/**
 * Page detection for ThingPark Enterprise's Keycloak login: which of Keycloak's pages (username/
 * password, OTP login, TOTP enrollment) a document is, in the `keycloak` ("classic") or
 * `keycloak.v2` theme, and the elements the content script fills.
 *
 * Pure: every function receives the `Document` (and the URL string) it inspects; no `document`,
 * `window` or `location` global. It runs on every page of the ThingPark hosts, so it is cheap: a
 * page without Keycloak's ids costs a dozen getElementById calls; a Keycloak page adds one
 * `[id="..."]` count per key id present and a few look-ups, mostly scoped to the form.
 *
 * Two entry points: `detectPage` reads everything (the setup page's QR image, manual-mode key and
 * policy, field errors, whether a device name is required); `detectPageKind` answers the same
 * question with the same rules but reads no more of a setup page than its form, so that the
 * setup-page parsing is bundled only in the script injected into setup pages.
 *
 * Selectors are Keycloak's built-in template ids (login.ftl, login-otp.ftl,
 * login-config-totp.ftl in `base`/`keycloak` and `keycloak.v2`), which the server itself reads;
 * labels are never used because the v2 setup form's `<label for>` values are wrong.
 *
 * One file because reading a page (`detectPage`, `detectPageKind`) and acting on it
 * (`selectDevice`) must apply the same private checks (`postedBy`, `inputIn`: an element counts
 * only if the form will post it). The realm functions near the end read Keycloak's URLs, not its
 * pages, and could stand alone; the background and the popup import them from here.
 */
import type { ManualInfo } from './setup-check';

export type Theme = 'classic' | 'v2';

/** Keycloak's TOTP enrollment page (`login-config-totp.ftl`, required action CONFIGURE_TOTP). */
export interface SetupPage {
  kind: 'setup';
  theme: Theme;
  form: HTMLFormElement;
  /** `input#totp`: the one-time code. */
  codeInput: HTMLInputElement;
  /** `input#userLabel`: the device name. */
  labelInput: HTMLInputElement | null;
  /** `#saveTOTPBtn`. */
  submit: HTMLElement | null;
  /** `img#kc-totp-secret-qr-code` (QR mode only). */
  qrImage: HTMLImageElement | null;
  /** `input#totpSecret` value, untouched: the RAW secret whose base32 is the authenticator key. */
  hiddenSecret: string | null;
  /** Manual mode ("Unable to scan?"): the displayed key and policy list items. */
  manual: ManualInfo | null;
  /**
   * Keycloak requires a device name once the user already has an OTP device. Its templates show
   * that only as an asterisk next to the label (no `required` attribute), so this also reads the
   * asterisk, the attribute, `aria-required` and a device-name error.
   */
  labelRequired: boolean;
  /** Field errors; `code` falls back to the page's error alert when no field shows one. */
  errors: { code: string | null; label: string | null };
}

export interface OtpDevice {
  /** Keycloak's credential id (a UUID), as posted in `selectedCredentialId`. */
  id: string;
  /** The device name shown on the tile ("unnamed" when it has none). */
  label: string;
  selected: boolean;
  /** classic: the radio input; v2: the tile `div` whose click selects it. */
  element: HTMLElement;
}

/** Keycloak's OTP login page (`login-otp.ftl`). */
export interface OtpPage {
  kind: 'otp';
  theme: Theme;
  form: HTMLFormElement;
  /** `input#otp`. */
  input: HTMLInputElement;
  /** `#kc-login`. */
  submit: HTMLElement | null;
  attemptedUsername: string | null;
  /** The device chooser; empty when the user has a single device (Keycloak shows none). */
  devices: OtpDevice[];
  /** Field error: classic `#input-error-otp-code`, v2 `#input-error-otp`. */
  error: string | null;
}

/** Keycloak's username/password page (`login.ftl`, or its username-only/password-only forms). */
export interface LoginPage {
  kind: 'login';
  form: HTMLFormElement;
  username: HTMLInputElement | null;
  password: HTMLInputElement | null;
}

export type NoPage = { kind: 'none'; reason?: 'ambiguous' };
export type PageInfo = SetupPage | OtpPage | LoginPage | NoPage;

/** A setup page as `detectPageKind` reads it: its form, nothing else. */
export interface SetupPageKind {
  kind: 'setup';
  form: HTMLFormElement;
}
export type PageKindInfo = SetupPageKind | OtpPage | LoginPage | NoPage;

const XHTML = 'http://www.w3.org/1999/xhtml';

/**
 * Ids whose duplication makes a page ambiguous. Browsers return the first of duplicate ids, the
 * server reads form fields by name: with two candidates we cannot tell which one the server will
 * get, so we touch neither (an injected decoy must not receive the code or leak the secret).
 */
const KEY_IDS = [
  'kc-totp-settings-form',
  'kc-otp-login-form',
  'kc-form-login',
  'totp',
  'totpSecret',
  'kc-totp-secret-qr-code',
  'kc-totp-secret-key',
  'userLabel',
  'otp',
  'selectedCredentialId',
] as const;

/** Keycloak's general message box, error type only (the setup page always shows a warning). */
const ERROR_ALERT =
  '.alert-error .pf-c-alert__title, .alert-error .kc-feedback-text, .pf-c-alert.pf-m-danger .pf-c-alert__title, ' +
  '.pf-v5-c-alert.pf-m-danger .pf-v5-c-alert__title';

/** The v2 tile's inline handler: `toggleOTP(${index}, '${credential.id}')` (keycloak.v2 login-otp.ftl). */
const TOGGLE_OTP = /^\s*toggleOTP\(\s*(\d{1,4})\s*,\s*'([^'"\\<>\s]{1,255})'\s*\)\s*;?\s*$/;

// Fresh objects each time: a caller that mutates its result cannot change the next one.
const none = (): NoPage => ({ kind: 'none' });
const ambiguous = (): NoPage => ({ kind: 'none', reason: 'ambiguous' });

function isHtml<K extends keyof HTMLElementTagNameMap>(
  el: Element | null | undefined,
  tag: K,
): el is HTMLElementTagNameMap[K] {
  return el != null && el.localName === tag && el.namespaceURI === XHTML;
}

function isHtmlElement(el: Element | null | undefined): el is HTMLElement {
  return el != null && el.namespaceURI === XHTML;
}

/** Text with whitespace runs collapsed, or null when empty. */
function text(el: Element | null | undefined): string | null {
  const t = el?.textContent?.replace(/\s+/g, ' ').trim();
  return t ? t : null;
}

/** Only one element may carry each key id; getElementById answers "none" without a scan. */
function hasDuplicateKeyIds(doc: Document): boolean {
  for (const id of KEY_IDS) {
    if (doc.getElementById(id) && doc.querySelectorAll(`[id="${id}"]`).length > 1) return true;
  }
  return false;
}

/**
 * Whether the form will post this input: it sits inside the form and its form owner is that form.
 * A `form="..."` attribute overrides the ancestor (HTML form-owner rules); happy-dom gets that
 * precedence wrong, hence the explicit attribute check on top of `input.form`.
 */
function postedBy(input: HTMLInputElement, form: HTMLFormElement): boolean {
  const owner = input.getAttribute('form');
  return form.contains(input) && input.form === form && (owner == null || owner === form.id);
}

/** The input with this id, only if the form will post it. */
function inputIn(doc: Document, form: HTMLFormElement, id: string): HTMLInputElement | null {
  const el = doc.getElementById(id);
  return isHtml(el, 'input') && postedBy(el, form) ? el : null;
}

/** An element with this id inside the form (buttons, `<input type=submit>`). */
function elementIn(doc: Document, form: HTMLFormElement, id: string): HTMLElement | null {
  const el = doc.getElementById(id);
  return isHtmlElement(el) && form.contains(el) ? el : null;
}

function themeOf(doc: Document, form: HTMLFormElement): Theme {
  const marked = (el: Element | null) => (el?.getAttribute('class') ?? '').includes('pf-v5-');
  if (marked(doc.documentElement) || marked(doc.body)) return 'v2';
  return form.closest('[class*="pf-v5-"]') ? 'v2' : 'classic';
}

function formById(doc: Document, id: string): HTMLFormElement | null {
  const el = doc.getElementById(id);
  return isHtml(el, 'form') ? el : null;
}

/**
 * Which Keycloak page this is. Never throws; anything unexpected (missing fields, duplicate ids,
 * fields outside their form, several Keycloak forms at once) is `{kind: 'none'}`.
 */
export function detectPage(doc: Document): PageInfo {
  return detect(doc, setupPage);
}

/**
 * `detectPage` with a setup page read only as far as `SetupPageKind`: the same kind on every
 * document (same rules, same checks of the setup form's fields), for the content script that
 * loads on every page. The setup-page code then calls `detectPage`.
 */
export function detectPageKind(doc: Document): PageKindInfo {
  return detect(doc, setupPageKind);
}

function detect<S>(doc: Document, setup: (doc: Document, form: HTMLFormElement) => S | null): S | OtpPage | LoginPage | NoPage {
  try {
    // On a page without any key id (the ThingPark app itself) this is a few getElementById calls.
    if (hasDuplicateKeyIds(doc)) return ambiguous();
    const setupForm = formById(doc, 'kc-totp-settings-form');
    const otpForm = formById(doc, 'kc-otp-login-form');
    const loginForm = formById(doc, 'kc-form-login');
    if (Number(!!setupForm) + Number(!!otpForm) + Number(!!loginForm) > 1) return ambiguous();
    if (setupForm) return setup(doc, setupForm) ?? none();
    if (otpForm) return otpPage(doc, otpForm) ?? none();
    if (loginForm) return loginPage(doc, loginForm) ?? none();
    return none();
  } catch {
    return none();
  }
}

/** A setup form posts both the code and the secret; without them it is nothing we can fill. */
function setupInputs(doc: Document, form: HTMLFormElement) {
  const codeInput = inputIn(doc, form, 'totp');
  const secretInput = inputIn(doc, form, 'totpSecret');
  return codeInput && secretInput ? { codeInput, secretInput } : null;
}

function setupPageKind(doc: Document, form: HTMLFormElement): SetupPageKind | null {
  return setupInputs(doc, form) ? { kind: 'setup', form } : null;
}

function setupPage(doc: Document, form: HTMLFormElement): SetupPage | null {
  const inputs = setupInputs(doc, form);
  if (!inputs) return null;
  const { codeInput, secretInput } = inputs;
  const labelInput = inputIn(doc, form, 'userLabel');
  const qr = doc.getElementById('kc-totp-secret-qr-code');
  const fieldCode = text(doc.getElementById('input-error-otp-code'));
  const label = text(doc.getElementById('input-error-otp-label'));
  // Keycloak hides the alert when a field has an error (displayMessage=!existsError('totp','userLabel')).
  const code = fieldCode ?? (label == null ? text(doc.querySelector(ERROR_ALERT)) : null);
  return {
    kind: 'setup',
    theme: themeOf(doc, form),
    form,
    codeInput,
    labelInput,
    submit: elementIn(doc, form, 'saveTOTPBtn'),
    qrImage: isHtml(qr, 'img') ? qr : null,
    hiddenSecret: secretInput.value,
    manual: manualInfo(doc),
    labelRequired: labelInput != null && (label != null || labelMarkedRequired(labelInput, codeInput)),
    errors: { code, label },
  };
}

function manualInfo(doc: Document): ManualInfo | null {
  const key = text(doc.getElementById('kc-totp-secret-key'));
  if (key == null) return null;
  const item = (id: string) => text(doc.getElementById(id));
  return {
    key,
    type: item('kc-totp-type'),
    algorithm: item('kc-totp-algorithm'),
    digits: item('kc-totp-digits'),
    period: item('kc-totp-period'),
    counter: item('kc-totp-counter'),
  };
}

/**
 * login-config-totp.ftl marks the device name required (`totp.otpCredentials?size gte 1`) with
 * `<span class="required">*</span>` (classic) or `.pf-v5-c-form__label-required` (v2) in the
 * field's group, not with an attribute.
 */
function labelMarkedRequired(input: HTMLInputElement, codeInput: HTMLInputElement): boolean {
  if (input.required || input.getAttribute('aria-required') === 'true') return true;
  const group = input.closest('.form-group, .pf-v5-c-form__group, .pf-c-form__group');
  // A group that also holds the code field is not the device name's own group.
  if (!group || group.contains(codeInput)) return false;
  return group.querySelector('.required, .pf-v5-c-form__label-required, .pf-c-form__label-required') != null;
}

function otpPage(doc: Document, form: HTMLFormElement): OtpPage | null {
  const input = inputIn(doc, form, 'otp');
  if (!input) return null;
  const user = doc.getElementById('kc-attempted-username');
  const attemptedUsername = isHtml(user, 'input') ? user.value.trim() || null : text(user);
  return {
    kind: 'otp',
    theme: themeOf(doc, form),
    form,
    input,
    submit: elementIn(doc, form, 'kc-login'),
    attemptedUsername,
    devices: otpDevices(doc, form),
    error: text(doc.getElementById('input-error-otp-code')) ?? text(doc.getElementById('input-error-otp')),
  };
}

/** The device chooser, read from the markup (classic radios or v2 tiles), not from the theme. */
function otpDevices(doc: Document, form: HTMLFormElement): OtpDevice[] {
  const radios = form.querySelectorAll('input[type="radio"][name="selectedCredentialId"]');
  if (radios.length > 0) {
    const labels = form.querySelectorAll('label[for]');
    const devices: OtpDevice[] = [];
    for (const radio of radios) {
      if (!isHtml(radio, 'input') || !radio.value || !postedBy(radio, form)) continue;
      let label: Element | null = null;
      if (radio.id) for (const l of labels) if (isHtml(l, 'label') && l.htmlFor === radio.id) { label = l; break; }
      devices.push({
        id: radio.value,
        label: text(label?.querySelector('.pf-c-tile__title')) ?? text(label) ?? '',
        selected: radio.checked,
        element: radio,
      });
    }
    return devices;
  }
  const hidden = inputIn(doc, form, 'selectedCredentialId');
  if (!hidden) return [];
  const devices: OtpDevice[] = [];
  for (const tile of form.querySelectorAll('[id^="kc-otp-credential-"][onclick]')) {
    if (!isHtmlElement(tile)) continue;
    const id = v2TileCredentialId(tile);
    if (id == null) continue;
    devices.push({
      id,
      label: text(tile.querySelector('.pf-v5-c-tile__title')) ?? '',
      selected: hidden.value === id,
      element: tile,
    });
  }
  return devices;
}

/**
 * keycloak.v2 puts the credential id only in the tile's inline handler,
 * `onclick="toggleOTP(${index}, '${otpCredential.id}')"`, and the tile id is
 * `kc-otp-credential-${index}`: both indexes must agree.
 */
function v2TileCredentialId(tile: HTMLElement): string | null {
  const m = TOGGLE_OTP.exec(tile.getAttribute('onclick') ?? '');
  if (!m || tile.id !== `kc-otp-credential-${m[1]}`) return null;
  return m[2] ?? null;
}

function loginPage(doc: Document, form: HTMLFormElement): LoginPage | null {
  const username = inputIn(doc, form, 'username');
  const password = inputIn(doc, form, 'password');
  // login-username.ftl and login-password.ftl reuse the form id with only one of the fields.
  if (!username && !password) return null;
  return { kind: 'login', form, username, password };
}

/**
 * The realm of a Keycloak URL: `/auth/realms/{realm}/...` (Keycloak before 17 / legacy context
 * path) or `/realms/{realm}/...`. Accepts absolute http(s) URLs and absolute paths; returns null
 * for anything else, and for names Keycloak cannot have (empty, `/`, `\`, dot segments, control
 * characters, longer than 255).
 */
export function realmFromUrl(url: string): string | null {
  try {
    if (typeof url !== 'string' || url.length > 8192) return null;
    const parsed = url.startsWith('/') ? new URL(url, 'https://realm.invalid') : new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
    return realmFromPath(parsed.pathname);
  } catch {
    return null;
  }
}

/**
 * `realmFromUrl` for the path of a URL already known to be http(s), such as the page's own
 * `location.pathname` (the content script's case: no URL to parse).
 */
export function realmFromPath(pathname: string): string | null {
  try {
    const m = /^\/(?:auth\/)?realms\/([^/]+)(?:\/|$)/.exec(pathname);
    if (!m || m[1] == null) return null;
    const realm = decodeURIComponent(m[1]);
    if (realm.length === 0 || realm.length > 255 || realm === '.' || realm === '..') return null;
    if (/[/\\\u0000-\u001f\u007f]/.test(realm)) return null;
    return realm;
  } catch {
    return null;
  }
}

/**
 * Choose the OTP device the code is for (the server checks the code against that device only).
 * classic: checks the radio and fires `input` + `change` like a user's choice. v2: clicks the tile
 * so the page's own `toggleOTP` runs; if the page's script did not run (blocked, not loaded), sets
 * the hidden `selectedCredentialId` and `pf-m-selected` the way `toggleOTP` does.
 * Returns whether the device is now the one the form will post.
 */
export function selectDevice(page: OtpPage, deviceId: string): boolean {
  try {
    const device = page.devices.find((d) => d.id === deviceId);
    if (!device || !page.form.contains(device.element)) return false;
    const el = device.element;
    if (isHtml(el, 'input')) {
      if (!el.checked) {
        el.checked = true;
        fire(el, 'input');
        fire(el, 'change');
      }
      return el.checked && el.value === deviceId;
    }
    const doc = page.form.ownerDocument;
    const hidden = inputIn(doc, page.form, 'selectedCredentialId');
    if (!hidden) return false;
    el.click();
    if (hidden.value !== deviceId) {
      hidden.value = deviceId;
      for (const d of page.devices) d.element.classList.remove('pf-m-selected');
      el.classList.add('pf-m-selected');
    }
    return hidden.value === deviceId;
  } catch {
    return false;
  }
}

/** A bubbling event created by the element's own document (no global `Event` constructor). */
function fire(el: HTMLElement, type: string): void {
  const event = el.ownerDocument.createEvent('Event');
  event.initEvent(type, true, false);
  el.dispatchEvent(event);
}
