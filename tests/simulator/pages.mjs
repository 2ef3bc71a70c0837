// HTML for the simulated Keycloak pages, in Keycloak's two login themes:
//  - 'classic': the `keycloak` theme (base templates, PatternFly 4 `pf-c-*` + kc classes),
//  - 'v2': the `keycloak.v2` theme (PatternFly 5 `pf-v5-*`), including its wrong `<label for>`
//    values on the TOTP setup form ("form-vertical-name").
// Ids, names and messages follow Keycloak's templates (login.ftl, login-otp.ftl,
// login-config-totp.ftl, template.ftl, field.ftl). Pages are self-contained: no CDN, no fonts,
// no external resources; only small inline CSS and the inline scripts Keycloak itself uses.
// Every function is exported so unit tests can save fixture pages.
//
// One file because every page is built from the same texts, escaping, layouts and field macros,
// and the fixture pages under tests/fixtures/pages/ are generated from it (their header names it).

import QRCode from 'qrcode';
// @ts-ignore -- pngjs ships no type declarations (no @types/pngjs installed)
import { PNG } from 'pngjs';
import { randomBytes } from 'node:crypto';

/** @typedef {'classic'|'v2'} Theme */
/** @typedef {{type: 'error'|'warning'|'info'|'success', text: string}} PageMessage */
/** @typedef {import('./keycloak.mjs').OtpPolicy} OtpPolicy */

/** Keycloak English texts used in the templates. */
export const TEXT = Object.freeze({
  loginAccountTitle: 'Sign in to your account',
  usernameOrEmail: 'Username or email',
  password: 'Password',
  doLogIn: 'Sign In',
  doSubmit: 'Submit',
  doCancel: 'Cancel',
  showPassword: 'Show password',
  restartLoginTooltip: 'Restart login',
  loginOtpOneTime: 'One-time code',
  authenticatorCode: 'One-time code',
  loginTotpTitle: 'Mobile Authenticator Setup',
  loginTotpStep1: 'Install one of the following applications on your mobile:',
  loginTotpStep2: 'Open the application and scan the barcode:',
  loginTotpStep3: 'Enter the one-time code provided by the application and click Submit to finish the setup.',
  loginTotpStep3DeviceName: 'Provide a Device Name to help you manage your OTP devices.',
  loginTotpManualStep2: 'Open the application and enter the key:',
  loginTotpManualStep3: 'Use the following configuration values if the application allows setting them:',
  loginTotpUnableToScan: 'Unable to scan?',
  loginTotpScanBarcode: 'Scan barcode?',
  loginTotpDeviceName: 'Device Name',
  loginTotpType: 'Type',
  loginTotpAlgorithm: 'Algorithm',
  loginTotpDigits: 'Digits',
  loginTotpInterval: 'Interval',
  loginTotpCounter: 'Counter',
  'loginTotp.totp': 'Time-based',
  'loginTotp.hotp': 'Counter-based',
  logoutOtherSessions: 'Sign out from other devices',
  unnamed: 'unnamed',
  supportedApps: ['FreeOTP', 'Google Authenticator', 'Microsoft Authenticator'],
});

/** @param {unknown} s */
export function escapeHtml(s) {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
const e = escapeHtml;

// ---------------------------------------------------------------------------------------------
// QR images

export const QR_SIZE = 246;

/**
 * Keycloak's QR: a 246x246 PNG of the key URI, as `data:image/png;base64, <b64>` (with the SPACE
 * Keycloak's template puts after the comma).
 * @param {string} text
 */
export async function qrDataUrl(text) {
  const url = await QRCode.toDataURL(text, { width: QR_SIZE, margin: 4, errorCorrectionLevel: 'L' });
  return url.replace('data:image/png;base64,', 'data:image/png;base64, ');
}

/** A valid 246x246 PNG that is NOT a readable QR code (random noise), same data-URL shape. */
export function noiseQrDataUrl() {
  const png = new PNG({ width: QR_SIZE, height: QR_SIZE });
  const rnd = randomBytes(QR_SIZE * QR_SIZE);
  for (let i = 0; i < QR_SIZE * QR_SIZE; i++) {
    const v = /** @type {number} */ (rnd[i]) & 1 ? 0 : 255;
    png.data[i * 4] = v;
    png.data[i * 4 + 1] = v;
    png.data[i * 4 + 2] = v;
    png.data[i * 4 + 3] = 255;
  }
  return 'data:image/png;base64, ' + PNG.sync.write(png).toString('base64');
}

// ---------------------------------------------------------------------------------------------
// Layouts

const CLASSIC_CSS = `
body{margin:0;font-family:sans-serif;background:#f0f0f0;color:#151515}
.login-pf-page{max-width:520px;margin:40px auto}
#kc-header-wrapper{font-size:26px;text-align:center;padding:16px 0;letter-spacing:.05em}
.card-pf{background:#fff;padding:24px 32px;border-top:4px solid #0066cc;box-shadow:0 1px 2px rgba(0,0,0,.2)}
#kc-page-title{font-size:22px;font-weight:400;text-align:center;margin:0 0 16px}
.form-group{margin-bottom:14px}
.pf-c-form__label{display:block;margin-bottom:4px;font-size:14px}
.pf-c-form-control{box-sizing:border-box;width:100%;padding:6px 8px;font-size:15px;border:1px solid #8a8d90}
.pf-c-form-control[aria-invalid=true]{border-color:#c9190b}
.pf-c-input-group{display:flex}
.pf-c-form__helper-text.pf-m-error{color:#c9190b;font-size:13px;display:block;margin-top:4px}
.pf-c-button{padding:8px 16px;font-size:15px;border:1px solid #8a8d90;background:#fff;cursor:pointer}
.pf-c-button.pf-m-primary{background:#0066cc;color:#fff;border-color:#0066cc}
.pf-m-block{display:block;width:100%}
.pf-c-alert{padding:8px 12px;margin-bottom:14px;border-left:3px solid #2b9af3;background:#e7f1fa}
.pf-c-alert.pf-m-danger{border-color:#c9190b;background:#faeae8}
.pf-c-alert.pf-m-warning{border-color:#f0ab00;background:#fdf7e7}
#kc-username{display:flex;justify-content:space-between;font-size:18px;margin-bottom:12px}
.pf-c-tile__input{position:absolute;opacity:0;width:1px;height:1px}
.pf-c-tile{display:inline-block;border:1px solid #d2d2d2;padding:8px 12px;margin:0 8px 8px 0;cursor:pointer}
.pf-c-tile__input:checked+.pf-c-tile{border:2px solid #0066cc}
#kc-totp-secret-key{font-family:monospace;font-size:16px}
#kc-totp-settings li{margin-bottom:8px}
`;

const V2_CSS = `
body{margin:0;font-family:sans-serif;background:#151515;color:#151515}
.pf-v5-c-login__container{max-width:560px;margin:40px auto}
.pf-v5-c-login__header{color:#fff;text-align:center;font-size:26px;padding:16px 0}
.pf-v5-c-login__main{background:#fff;padding:24px 40px}
.pf-v5-c-title{font-size:24px;font-weight:400;margin:0 0 16px}
.pf-v5-c-form__group{margin-bottom:16px}
.pf-v5-c-form__label{display:block;margin-bottom:4px;font-size:14px}
.pf-v5-c-form-control{display:flex;border:1px solid #8a8d90}
.pf-v5-c-form-control.pf-m-error{border-color:#c9190b}
.pf-v5-c-form-control input{flex:1;border:0;padding:6px 8px;font-size:15px;background:transparent}
.pf-v5-c-input-group{display:flex}.pf-v5-c-input-group__item.pf-m-fill{flex:1}
.pf-v5-c-helper-text__item.pf-m-error{color:#c9190b;font-size:13px;display:block;margin-top:4px}
.pf-v5-c-button{padding:8px 16px;font-size:15px;border:1px solid #8a8d90;background:#fff;cursor:pointer}
.pf-v5-c-button.pf-m-primary{background:#0066cc;color:#fff;border-color:#0066cc}
.pf-m-block{display:block;width:100%}
.pf-v5-c-alert{padding:8px 12px;margin-bottom:16px;border-top:2px solid #2b9af3;background:#f0f7fd}
.pf-v5-c-alert.pf-m-danger{border-color:#c9190b;background:#faeae8}
.pf-v5-c-alert.pf-m-warning{border-color:#f0ab00;background:#fdf7e7}
.pf-v5-c-tile{display:inline-block;border:1px solid #d2d2d2;padding:8px 12px;margin:0 8px 8px 0;cursor:pointer}
.pf-v5-c-tile.pf-m-selected{border:2px solid #0066cc}
#kc-totp-secret-key{font-family:monospace;font-size:16px}
`;

/**
 * @param {{message?: PageMessage|null}} a
 * @param {Theme} theme
 */
function alertBox({ message }, theme) {
  if (!message) return '';
  const mod = message.type === 'error' ? 'danger' : message.type;
  if (theme === 'v2') {
    return `<div class="pf-v5-c-alert pf-m-inline pf-m-${mod}">
          <div class="pf-v5-c-alert__icon"><span class="fa fa-fw fa-exclamation-circle"></span></div>
          <span class="pf-v5-c-alert__title kc-feedback-text">${e(message.text)}</span>
        </div>`;
  }
  return `<div class="alert-${message.type} pf-c-alert pf-m-inline pf-m-${mod}">
          <div class="pf-c-alert__icon"><span class="pficon pficon-${message.type === 'error' ? 'error-circle-o' : message.type === 'warning' ? 'warning-triangle-o' : 'info'}"></span></div>
          <span class="pf-c-alert__title kc-feedback-text">${e(message.text)}</span>
        </div>`;
}

/**
 * @typedef {{
 *   realmDisplayName: string, header: string, body: string, message?: PageMessage|null,
 *   attemptedUsername?: string|null, restartUrl?: string|null
 * }} LayoutArgs
 */

/** base/keycloak template.ftl @param {LayoutArgs} a */
export function classicLayout(a) {
  const top = a.attemptedUsername != null
    ? `<div id="kc-username" class="form-group">
          <label id="kc-attempted-username">${e(a.attemptedUsername)}</label>
          <a id="reset-login" href="${e(a.restartUrl ?? '#')}" aria-label="${TEXT.restartLoginTooltip}">
            <div class="kc-login-tooltip"><i class="pficon pficon-arrow fa-2x"></i><span class="kc-tooltip-text">${TEXT.restartLoginTooltip}</span></div>
          </a>
        </div>`
    : `<h1 id="kc-page-title">${e(a.header)}</h1>`;
  return `<!DOCTYPE html>
<html class="login-pf" lang="en">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <meta name="robots" content="noindex, nofollow">
  <meta name="viewport" content="width=device-width,initial-scale=1"/>
  <title>Sign in to ${e(a.realmDisplayName)}</title>
  <style>${CLASSIC_CSS}</style>
</head>
<body class="">
<div class="login-pf-page">
  <div id="kc-header" class="login-pf-page-header">
    <div id="kc-header-wrapper" class="">${e(a.realmDisplayName)}</div>
  </div>
  <div class="card-pf">
    <header class="login-pf-header">
      ${top}
    </header>
    <div id="kc-content">
      <div id="kc-content-wrapper">
        ${alertBox(a, 'classic')}
        ${a.body}
      </div>
    </div>
  </div>
</div>
</body>
</html>
`;
}

/** keycloak.v2 template.ftl @param {LayoutArgs} a */
export function v2Layout(a) {
  const user = a.attemptedUsername != null
    ? `<div class="pf-v5-c-form pf-v5-l-stack">
          <div class="pf-v5-c-form__group">
            <div class="pf-v5-c-form__label">
              <label for="username" class="pf-v5-c-form__label"><span class="pf-v5-c-form__label-text">${TEXT.usernameOrEmail}</span></label>
            </div>
            <div class="pf-v5-c-input-group">
              <div class="pf-v5-c-input-group__item pf-m-fill">
                <span class="pf-v5-c-form-control pf-m-readonly">
                  <input id="kc-attempted-username" value="${e(a.attemptedUsername)}" readonly>
                </span>
              </div>
              <div class="pf-v5-c-input-group__item">
                <button id="reset-login" class="pf-v5-c-button pf-m-control kc-login-tooltip" type="button" aria-label="${TEXT.restartLoginTooltip}" onclick="location.href='${e(a.restartUrl ?? '#')}'">
                  <i class="fa-sync-alt fas" aria-hidden="true"></i>
                  <span class="kc-tooltip-text">${TEXT.restartLoginTooltip}</span>
                </button>
              </div>
            </div>
            <div id="input-error-container-username"></div>
          </div>
        </div>`
    : '';
  return `<!DOCTYPE html>
<html class="" lang="en">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <meta name="robots" content="noindex, nofollow">
  <meta name="color-scheme" content="light">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>Sign in to ${e(a.realmDisplayName)}</title>
  <style>${V2_CSS}</style>
</head>
<body id="keycloak-bg" class="">
<div class="pf-v5-c-login">
  <div class="pf-v5-c-login__container">
    <header id="kc-header" class="pf-v5-c-login__header">
      <div id="kc-header-wrapper" class="pf-v5-c-brand">${e(a.realmDisplayName)}</div>
    </header>
    <main class="pf-v5-c-login__main">
      <div class="pf-v5-c-login__main-header">
        <h1 class="pf-v5-c-title pf-m-3xl" id="kc-page-title">${e(a.header)}</h1>
      </div>
      <div class="pf-v5-c-login__main-body">
        ${user}
        ${alertBox(a, 'v2')}
        ${a.body}
      </div>
      <div class="pf-v5-c-login__main-footer"></div>
    </main>
  </div>
</div>
</body>
</html>
`;
}

/** @param {Theme} theme @param {LayoutArgs} a */
function layout(theme, a) {
  return theme === 'v2' ? v2Layout(a) : classicLayout(a);
}

// ---------------------------------------------------------------------------------------------
// v2 field macros (field.ftl)

/**
 * @param {{name: string, label: string, value?: string, autocomplete?: string, autofocus?: boolean,
 *   error?: string|null, required?: boolean, type?: string}} a
 */
function v2Input({ name, label, value = '', autocomplete = 'off', autofocus = false, error, required = false, type = 'text' }) {
  const err = error
    ? `<div class="pf-v5-c-form__helper-text" aria-live="polite">
                <div class="pf-v5-c-helper-text">
                    <div class="pf-v5-c-helper-text__item pf-m-error" id="input-error-${name}">
                        <span class="pf-v5-c-helper-text__item-text">${e(error)}</span>
                    </div>
                </div>
            </div>`
    : '';
  return `<div class="pf-v5-c-form__group">
    <div class="pf-v5-c-form__label">
        <label for="${name}" class="pf-v5-c-form__label">
        <span class="pf-v5-c-form__label-text">${e(label)}</span>${required ? '<span class="pf-v5-c-form__label-required" aria-hidden="true">&#42;</span>' : ''}
        </label>
    </div>
    <span class="pf-v5-c-form-control${error ? ' pf-m-error' : ''}">
        <input id="${name}" name="${name}" value="${e(value)}" type="${type}" autocomplete="${autocomplete}"${autofocus ? ' autofocus' : ''}
                aria-invalid="${error ? 'true' : ''}"/>${v2ErrorIcon(error)}
    </span>
    <div id="input-error-container-${name}">
        ${err}
    </div>
</div>`;
}

/** @param {string|null|undefined} error */
function v2ErrorIcon(error) {
  return error
    ? `
        <span class="pf-v5-c-form-control__utilities"><span class="pf-v5-c-form-control__icon pf-m-status"><i class="fas fa-exclamation-circle" aria-hidden="true"></i></span></span>`
    : '';
}

const V2_LOGIN_BUTTON = `<div class="pf-v5-c-form__group">
    <div class="pf-v5-c-form__actions">
      <button class="pf-v5-c-button pf-m-primary pf-m-block" name="login" id="kc-login" type="submit">${TEXT.doLogIn}</button>
    </div>
  </div>`;

// ---------------------------------------------------------------------------------------------
// Pages

/**
 * Username/password page (login.ftl).
 * @param {{theme: Theme, realmDisplayName: string, actionUrl: string, username?: string,
 *   error?: string|null, message?: PageMessage|null}} a
 */
export function renderLoginPage(a) {
  const error = a.error ?? null;
  let body;
  if (a.theme === 'v2') {
    body = `<div id="kc-form">
          <div id="kc-form-wrapper">
                <form id="kc-form-login" class="pf-v5-c-form" onsubmit="login.disabled = true; return true;" action="${e(a.actionUrl)}" method="post" novalidate="novalidate">
                    ${v2Input({ name: 'username', label: TEXT.usernameOrEmail, value: a.username ?? '', autocomplete: 'username', autofocus: true, error })}
                    <div class="pf-v5-c-form__group">
                      <div class="pf-v5-c-form__label">
                        <label for="password" class="pf-v5-c-form__label"><span class="pf-v5-c-form__label-text">${TEXT.password}</span></label>
                      </div>
                      <div class="pf-v5-c-input-group">
                        <div class="pf-v5-c-input-group__item pf-m-fill">
                          <span class="pf-v5-c-form-control">
                            <input id="password" name="password" value="" type="password" autocomplete="current-password" aria-invalid=""/>
                          </span>
                        </div>
                        <div class="pf-v5-c-input-group__item">
                          <button class="pf-v5-c-button pf-m-control" type="button" aria-label="${TEXT.showPassword}" aria-controls="password" data-password-toggle id="password-show-password" onclick="var p=document.getElementById('password');p.type=p.type==='password'?'text':'password'">
                            <i class="fa-eye fas" aria-hidden="true"></i>
                          </button>
                        </div>
                      </div>
                      <div id="input-error-container-password"></div>
                    </div>
                    <input type="hidden" id="id-hidden-input" name="credentialId"/>
                    ${V2_LOGIN_BUTTON}
                </form>
            </div>
        </div>`;
  } else {
    const inv = error ? 'true' : '';
    body = `<div id="kc-form">
      <div id="kc-form-wrapper">
            <form id="kc-form-login" onsubmit="login.disabled = true; return true;" action="${e(a.actionUrl)}" method="post">
                    <div class="form-group">
                        <label for="username" class="pf-c-form__label pf-c-form__label-text">${TEXT.usernameOrEmail}</label>
                        <input tabindex="1" id="username" class="pf-c-form-control" name="username" value="${e(a.username ?? '')}"  type="text" autofocus autocomplete="off"
                               aria-invalid="${inv}"
                        />
                        ${error ? `<span id="input-error" class="pf-c-form__helper-text pf-m-error required kc-feedback-text" aria-live="polite">
                                ${e(error)}
                        </span>` : ''}
                    </div>
                <div class="form-group">
                    <label for="password" class="pf-c-form__label pf-c-form__label-text">${TEXT.password}</label>
                    <div class="pf-c-input-group">
                        <input tabindex="2" id="password" class="pf-c-form-control" name="password" type="password" autocomplete="off"
                               aria-invalid="${inv}"
                        />
                        <button class="pf-c-button pf-m-control" type="button" aria-label="${TEXT.showPassword}" aria-controls="password" data-password-toggle onclick="var p=document.getElementById('password');p.type=p.type==='password'?'text':'password'">
                            <i class="fa fa-eye" aria-hidden="true"></i>
                        </button>
                    </div>
                </div>
                <div class="form-group login-pf-settings">
                    <div id="kc-form-options"></div>
                    <div class=""></div>
                </div>
                  <div id="kc-form-buttons" class="form-group">
                      <input type="hidden" id="id-hidden-input" name="credentialId"/>
                      <input tabindex="4" class="pf-c-button pf-m-primary pf-m-block btn-lg" name="login" id="kc-login" type="submit" value="${TEXT.doLogIn}"/>
                  </div>
            </form>
        </div>
    </div>`;
  }
  return layout(a.theme, { realmDisplayName: a.realmDisplayName, header: TEXT.loginAccountTitle, body, message: a.message ?? null });
}

/**
 * OTP login page (login-otp.ftl).
 * @param {{theme: Theme, realmDisplayName: string, actionUrl: string, attemptedUsername: string|null,
 *   restartUrl: string, credentials: {id: string, label: string}[], selectedCredentialId?: string|null,
 *   error?: string|null, message?: PageMessage|null, late?: boolean, lateDelayMs?: number}} a
 *   late: the form is inserted by an inline script after lateDelayMs (default 300), as on the setup page
 */
export function renderOtpPage(a) {
  const error = a.error ?? null;
  const creds = a.credentials;
  const selected = a.selectedCredentialId ?? creds[0]?.id ?? '';
  /** @param {string} l */
  const label = (l) => e(l && l.length ? l : TEXT.unnamed);
  let body;
  if (a.theme === 'v2') {
    const tiles = creds.length > 1
      ? `<div class="pf-v5-c-form__group">
                    <div class="">
${creds.map((c, i) => `                            <div id="kc-otp-credential-${i}" class="pf-v5-c-tile"
                                    onclick="toggleOTP(${i}, '${e(c.id)}')">
                                <span class="pf-v5-c-tile__header">
                                    <span class="pf-v5-c-tile__icon">
                                      <i class="fa fa-mobile" aria-hidden="true"></i>
                                    </span>
                                    <span class="pf-v5-c-tile__title">${label(c.label)}</span>
                                </span>
                            </div>`).join('\n')}
                    </div>
                </div>`
      : '';
    body = `<form id="kc-otp-login-form" class="pf-v5-c-form" onsubmit="login.disabled = true; return true;" action="${e(a.actionUrl)}" method="post">
            <input id="selectedCredentialId" type="hidden" name="selectedCredentialId" value="${e(selected)}">
            ${tiles}

            ${v2Input({ name: 'otp', label: TEXT.loginOtpOneTime, autocomplete: 'one-time-code', autofocus: true, error })}

            ${V2_LOGIN_BUTTON}
        </form>
        <script>
            function toggleOTP(index, value) {
                // select the clicked OTP credential
                document.getElementById("selectedCredentialId").value = value;
                // remove selected class from all OTP credentials
                Array.from(document.getElementsByClassName("pf-m-selected")).map(i => i.classList.remove("pf-m-selected"));
                // add selected class to the clicked OTP credential
                document.getElementById("kc-otp-credential-" + index).classList.add("pf-m-selected");
            }
        </script>`;
  } else {
    const radios = creds.length > 1
      ? `<div class="form-group">
                    <div class="">
${creds.map((c, i) => `                            <input id="kc-otp-credential-${i}" class="pf-c-tile__input" type="radio" name="selectedCredentialId" value="${e(c.id)}"${c.id === selected ? ' checked="checked"' : ''}>
                            <label for="kc-otp-credential-${i}" class="pf-c-tile" tabindex="${i}">
                                <span class="pf-c-tile__header">
                                    <span class="pf-c-tile__icon">
                                      <i class="fa fa-mobile fa-2x" aria-hidden="true"></i>
                                    </span>
                                    <span class="pf-c-tile__title">${label(c.label)}</span>
                                </span>
                            </label>`).join('\n')}
                    </div>
                </div>`
      : '';
    body = `<form id="kc-otp-login-form" class="" onsubmit="login.disabled = true; return true;" action="${e(a.actionUrl)}"
            method="post">
            ${radios}

            <div class="form-group">
                <div class="">
                    <label for="otp" class="pf-c-form__label pf-c-form__label-text">${TEXT.loginOtpOneTime}</label>
                </div>

                <div class="">
                    <input id="otp" name="otp" autocomplete="off" type="text" class="pf-c-form-control"
                           autofocus aria-invalid="${error ? 'true' : ''}"/>
                    ${error ? `<span id="input-error-otp-code" class="pf-c-form__helper-text pf-m-error required kc-feedback-text"
                              aria-live="polite">
                            ${e(error)}
                        </span>` : ''}
                </div>
            </div>

            <div class="form-group">
                <div id="kc-form-options" class="">
                    <div class="">
                    </div>
                </div>

                <div id="kc-form-buttons" class="">
                    <input
                        class="pf-c-button pf-m-primary pf-m-block btn-lg"
                        name="login" id="kc-login" type="submit" value="${TEXT.doLogIn}" />
                </div>
            </div>
        </form>`;
  }
  if (a.late) body = lateSlot(body, a.lateDelayMs);
  return layout(a.theme, {
    realmDisplayName: a.realmDisplayName, header: TEXT.doLogIn, body, message: a.message ?? null,
    attemptedUsername: a.attemptedUsername, restartUrl: a.restartUrl,
  });
}

/**
 * Markup that an inline script inserts `delayMs` after parsing (a form rendered late by scripts).
 * @param {string} html @param {number} [delayMs]
 */
function lateSlot(html, delayMs = 300) {
  // JSON with '<' escaped: the late markup is neither in the DOM nor greppable before it runs.
  const json = JSON.stringify(html).replace(/</g, '\\u003c');
  return `<div id="kc-late-slot"></div>
        <script>
            setTimeout(function () {
                var slot = document.getElementById("kc-late-slot");
                var t = document.createElement("template");
                t.innerHTML = ${json};
                slot.replaceWith(t.content);
            }, ${delayMs});
        </script>`;
}

/**
 * TOTP enrollment page (login-config-totp.ftl). `appInitiated`: the application asked for the
 * setup (`kc_action=CONFIGURE_TOTP`), and Keycloak adds its Cancel button, a second submit
 * button named `cancel-aia`.
 * @param {{theme: Theme, realmDisplayName: string, actionUrl: string, attemptedUsername?: string|null,
 *   restartUrl?: string|null, qrDataUrl: string, totpSecret: string, totpSecretEncoded: string,
 *   policy: OtpPolicy, mode?: string|null, manualUrl: string, qrUrl: string, hasDevices: boolean,
 *   errors?: {totp?: string|null, userLabel?: string|null}, message?: PageMessage|null,
 *   late?: false|'form'|'all', lateDelayMs?: number, appInitiated?: boolean}} a
 */
export function renderTotpSetupPage(a) {
  const v2 = a.theme === 'v2';
  const errors = a.errors ?? {};
  const totpErr = errors.totp ?? null;
  const labelErr = errors.userLabel ?? null;
  const p = a.policy;
  const manual = a.mode === 'manual';
  const step2 = manual
    ? `<li>
                    <p>${TEXT.loginTotpManualStep2}</p>
                    <p><span id="kc-totp-secret-key">${e(a.totpSecretEncoded)}</span></p>
                    <p><a href="${e(a.qrUrl)}" id="mode-barcode">${TEXT.loginTotpScanBarcode}</a></p>
                </li>
                <li>
                    <p>${TEXT.loginTotpManualStep3}</p>
                    <p>
                    <ul>
                        <li id="kc-totp-type">${TEXT.loginTotpType}: ${TEXT[p.type === 'hotp' ? 'loginTotp.hotp' : 'loginTotp.totp']}</li>
                        <li id="kc-totp-algorithm">${TEXT.loginTotpAlgorithm}: ${e(p.algorithm)}</li>
                        <li id="kc-totp-digits">${TEXT.loginTotpDigits}: ${p.digits}</li>
                        ${p.type === 'hotp'
      ? `<li id="kc-totp-counter">${TEXT.loginTotpCounter}: ${p.initialCounter}</li>`
      : `<li id="kc-totp-period">${TEXT.loginTotpInterval}: ${p.period}</li>`}
                    </ul>
                    </p>
                </li>`
    : `<li>
                    <p>${TEXT.loginTotpStep2}</p>
                    <img id="kc-totp-secret-qr-code" src="${e(a.qrDataUrl)}" alt="Figure: Barcode"><br/>
                    <p><a href="${e(a.manualUrl)}" id="mode-manual">${TEXT.loginTotpUnableToScan}</a></p>
                </li>`;
  const instructions = `<ol id="kc-totp-settings"${v2 ? ' class="pf-v5-c-list pf-v5-u-mb-md"' : ''}>
            <li>
                <p>${TEXT.loginTotpStep1}</p>

                <ul id="kc-totp-supported-apps">
${TEXT.supportedApps.map((x) => `                        <li>${x}</li>`).join('\n')}
                </ul>
            </li>

            ${step2}
            <li>
                <p>${TEXT.loginTotpStep3}</p>
                <p>${TEXT.loginTotpStep3DeviceName}</p>
            </li>
        </ol>`;
  const modeInput = a.mode ? `<input type="hidden" id="mode" name="mode" value="${e(a.mode)}"/>` : '';
  const required = a.hasDevices;
  let form;
  if (v2) {
    const labelReq = required ? '&nbsp;<span class="pf-v5-c-form__label-required" aria-hidden="true">&#42;</span>' : '';
    form = `<form action="${e(a.actionUrl)}" class="pf-v5-c-form" id="kc-totp-settings-form" method="post" novalidate="novalidate">
            <div class="pf-v5-c-form__group">
                <div class="pf-v5-c-form__label">
                    <label class="pf-v5-c-form__label" for="form-vertical-name">
                        <span class="pf-v5-c-form__label-text">${TEXT.authenticatorCode}</span>&nbsp;<span class="pf-v5-c-form__label-required" aria-hidden="true">&#42;</span>
                    </label>
                </div>
                <div class="pf-v5-c-form-control ${totpErr ? 'pf-m-error' : ''}">
                    <input type="text" required id="totp" name="totp" autocomplete="off"
                           aria-invalid="${totpErr ? 'true' : ''}"
                    />
${v2ErrorIcon(totpErr)}
                </div>
                ${totpErr ? `<span id="input-error-otp-code" class="pf-v5-c-helper-text__item pf-m-error pf-v5-c-form__label-required kc-feedback-text" aria-live="polite">
                        ${e(totpErr)}
                    </span>` : ''}
                <input type="hidden" id="totpSecret" name="totpSecret" value="${e(a.totpSecret)}" />
                ${modeInput}
            </div>
            <div class="pf-v5-c-form__group">
                <div class="pf-v5-c-form__label">
                    <label class="pf-v5-c-form__label" for="form-vertical-name">
                        <span class="pf-v5-c-form__label-text">${TEXT.loginTotpDeviceName}</span>${labelReq}
                    </label>
                </div>

                <div class="pf-v5-c-form-control">
                    <input type="text" id="userLabel" name="userLabel" autocomplete="off"
                           aria-invalid="${labelErr ? 'true' : ''}"
                    />
${v2ErrorIcon(labelErr)}
                </div>
                ${labelErr ? `<span id="input-error-otp-label" class="pf-v5-c-helper-text__item pf-m-error pf-v5-c-form__label-required kc-feedback-text" aria-live="polite">
                        ${e(labelErr)}
                    </span>` : ''}
            </div>

            <div class="pf-v5-c-form__group">
                <div id="kc-form-options" class="pf-v5-c-login__main-footer-band-item">
                    <div class="">
                        <div class="pf-v5-c-check">
                            <input class="pf-v5-c-check__input" type="checkbox" id="logout-sessions" name="logout-sessions" value="on" checked>
                            <label class="pf-v5-c-check__label" for="logout-sessions">
                                ${TEXT.logoutOtherSessions}
                            </label>
                        </div>
                    </div>
                </div>
            </div>

            <div class="pf-v5-c-form__group pf-m-action">
                <div class="pf-v5-c-form__actions">
                        <input type="submit"
                            class="pf-v5-c-button pf-m-primary pf-m-block btn-lg"
                            id="saveTOTPBtn" value="${TEXT.doSubmit}"
                        />
${a.appInitiated ? `                        <button type="submit"
                            class="pf-v5-c-button pf-m-secondary pf-m-block btn-lg"
                            id="cancelTOTPBtn" name="cancel-aia" value="true">${TEXT.doCancel}
                        </button>
` : ''}                </div>
            </div>
        </form>`;
  } else {
    form = `<form action="${e(a.actionUrl)}" class="" id="kc-totp-settings-form" method="post">
        <div class="form-group">
            <div class="">
                <label for="totp" class="control-label">${TEXT.authenticatorCode}</label> <span class="required">*</span>
            </div>
            <div class="">
                <input type="text" id="totp" name="totp" autocomplete="off" class="pf-c-form-control"
                       aria-invalid="${totpErr ? 'true' : ''}"
                />
                ${totpErr ? `<span id="input-error-otp-code" class="pf-c-form__helper-text pf-m-error required kc-feedback-text" aria-live="polite">
                        ${e(totpErr)}
                    </span>` : ''}
            </div>
            <input type="hidden" id="totpSecret" name="totpSecret" value="${e(a.totpSecret)}" />
            ${modeInput}
        </div>

        <div class="form-group">
            <div class="">
                <label for="userLabel" class="control-label">${TEXT.loginTotpDeviceName}</label> ${required ? '<span class="required">*</span>' : ''}
            </div>

            <div class="">
                <input type="text" class="pf-c-form-control" id="userLabel" name="userLabel" autocomplete="off"
                       aria-invalid="${labelErr ? 'true' : ''}"
                />
                ${labelErr ? `<span id="input-error-otp-label" class="pf-c-form__helper-text pf-m-error required kc-feedback-text" aria-live="polite">
                        ${e(labelErr)}
                    </span>` : ''}
            </div>
        </div>

        <div class="form-group">
            <div id="kc-form-options" class="">
                <div class="">
                    <div class="checkbox">
                        <label>
                            <input type="checkbox" id="logout-sessions" name="logout-sessions" value="on">
                            ${TEXT.logoutOtherSessions}
                        </label>
                    </div>
                </div>
            </div>
        </div>

            <input type="submit"
                   class="pf-c-button pf-m-primary pf-m-block btn-lg"
                   id="saveTOTPBtn" value="${TEXT.doSubmit}"
            />
${a.appInitiated ? `            <button type="submit"
                    class="pf-c-button pf-m-block btn-lg"
                    id="cancelTOTPBtn" name="cancel-aia" value="true">${TEXT.doCancel}
            </button>
` : ''}    </form>`;
  }
  let body;
  if (a.late === 'form' || a.late === 'all') {
    const now = a.late === 'all' ? '' : instructions;
    const later = a.late === 'all' ? `${instructions}\n${form}` : form;
    body = `${now}\n${lateSlot(later, a.lateDelayMs)}`;
  } else {
    body = `${instructions}\n\n        ${form}`;
  }
  const hasErr = Boolean(totpErr || labelErr);
  return layout(a.theme, {
    realmDisplayName: a.realmDisplayName, header: TEXT.loginTotpTitle, body,
    message: hasErr ? null : (a.message ?? null),
    attemptedUsername: a.attemptedUsername ?? null, restartUrl: a.restartUrl ?? null,
  });
}

/**
 * The ThingPark Enterprise app after login (not Keycloak).
 * @param {{username: string, realm: string, realmDisplayName: string, logoutUrl: string}} a
 */
export function renderDashboard(a) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>ThingPark Enterprise</title>
  <style>body{font-family:sans-serif;margin:0}header{background:#1c2b39;color:#fff;padding:12px 24px;display:flex;gap:24px;align-items:center}header a{color:#fff}h1{font-size:22px;margin:0;flex:1}main{padding:24px}</style>
</head>
<body>
  <header>
    <h1>ThingPark Enterprise</h1>
    <span id="tpe-username">${e(a.username)}</span>
    <a id="tpe-logout" href="${e(a.logoutUrl)}">Log out</a>
  </header>
  <main>
    <p>Signed in as <strong>${e(a.username)}</strong> to <span id="tpe-realm" data-realm="${e(a.realm)}">${e(a.realmDisplayName)}</span>.</p>
    <p>Devices, gateways and applications would be listed here.</p>
  </main>
</body>
</html>
`;
}

/**
 * Keycloak's error.ftl.
 * @param {{theme?: Theme, realmDisplayName?: string, message: string}} a
 */
export function renderErrorPage(a) {
  const theme = a.theme ?? 'classic';
  const body = `<div id="kc-error-message">
            <p class="instruction">${e(a.message)}</p>
        </div>`;
  return layout(theme, { realmDisplayName: a.realmDisplayName ?? 'Keycloak', header: 'We are sorry...', body });
}
