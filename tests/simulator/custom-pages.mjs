// Non-Keycloak one-time-code pages (custom login themes, self-hosted variants), served by the
// simulator under '/custom/' for the generic "Fill one-time code" detection (lib/generic/otp-fields.ts):
//   GET  /custom/otp?user=<username>&variant=single|segmented|named[&realm=<realm>]
//   POST /custom/verify   (username + mfa_code | verification_code | code [+ realm])
// No Keycloak ids, so lib/keycloak/page-detection.ts sees `none`. Codes are checked against the user's
// devices with the Keycloak OTP login's rules (keycloak.mjs checkDeviceCode: ±lookAround steps
// around the server time incl. the clock offset, a used code refused for period × 3, the device's
// last-used state updated), and the same brute-force lock (MAX_OTP_FAILURES wrong codes lock the
// user for the Keycloak flow too; `sim.unlock(username)` undoes it).

import * as kc from './keycloak.mjs';
import { escapeHtml as e } from './pages.mjs';

/**
 * @typedef {'single'|'segmented'|'named'} CustomVariant
 * @typedef {{devices: kc.OtpDevice[], locked: boolean, failedOtp: number}} CustomUser
 * @typedef {{
 *   send: (res: import('node:http').ServerResponse, status: number, body: string) => void,
 *   now: () => number,
 *   realms: Record<string, {otpPolicy: kc.OtpPolicy}>,
 *   findUser: (realm: string, username: string) => CustomUser|null,
 *   defaultRealm: string,
 * }} CustomContext  what server.mjs lends: its response helper, server clock and user store
 */

/** @type {ReadonlyArray<CustomVariant>} */
export const CUSTOM_VARIANTS = Object.freeze(['single', 'segmented', 'named']);

/** @param {string} title @param {string} body */
function layout(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width,initial-scale=1">
  <title>${e(title)}</title>
  <style>
    body { font-family: sans-serif; max-width: 32rem; margin: 2rem auto; }
    header, aside { margin: 1rem 0; }
    .otp-boxes { display: flex; gap: .5rem; margin: .5rem 0; }
    .otp-boxes .digit { width: 2.5rem; font-size: 1.5rem; text-align: center; }
  </style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Decoys a generic detector must leave alone: a site search and a coupon field. */
const DECOYS = {
  header: `<header><input name="search" placeholder="Search"></header>`,
  aside: `<aside><label>Have a coupon? <input name="coupon"></label></aside>`,
};

/** Focus moves to the next box on input (a paste spreads over the boxes); submit joins the digits. */
const SEGMENTED_SCRIPT = `<script>
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll('.otp-boxes .digit'));
  boxes.forEach(function (box, i) {
    box.addEventListener('input', function () {
      var v = box.value.replace(/\\D/g, '');
      if (v.length > 1) {
        for (var k = 0; k < v.length && i + k < boxes.length; k++) boxes[i + k].value = v[k];
        var last = boxes[Math.min(i + v.length, boxes.length) - 1];
        if (last) last.focus();
        return;
      }
      box.value = v;
      if (v && boxes[i + 1]) boxes[i + 1].focus();
    });
  });
  document.getElementById('verify').addEventListener('submit', function () {
    document.getElementById('code').value = boxes.map(function (b) { return b.value; }).join('');
  });
})();
</script>`;

/**
 * The custom OTP page.
 * @param {{username: string, variant: CustomVariant, realm?: string|null}} a
 */
export function renderCustomOtpPage({ username, variant, realm = null }) {
  const hidden = `<input type="hidden" name="username" value="${e(username)}">` +
    (realm ? `<input type="hidden" name="realm" value="${e(realm)}">` : '');
  let field;
  if (variant === 'single') {
    field = `<label for="mfa-code">Authentication code</label>
    <input id="mfa-code" name="mfa_code" autocomplete="one-time-code" inputmode="numeric">`;
  } else if (variant === 'named') {
    field = `<p>Open your authenticator app and enter the code it shows.</p>
    <input name="verification_code" placeholder="6-digit code">`;
  } else {
    const boxes = Array.from({ length: 6 }, (_, i) =>
      `<input maxlength="1" inputmode="numeric" class="digit" aria-label="Digit ${i + 1}">`).join('\n      ');
    field = `<p id="boxes-label">Enter the 6-digit code from your authenticator app</p>
    <input type="hidden" name="code" id="code">
    <div class="otp-boxes" role="group" aria-labelledby="boxes-label">
      ${boxes}
    </div>`;
  }
  return layout('Acme IoT Portal: two-step verification', `${DECOYS.header}
<main>
  <h1>Two-step verification</h1>
  <form id="verify" method="post" action="/custom/verify">
    ${hidden}
    ${field}
    <button>Verify</button>
  </form>
</main>
${DECOYS.aside}${variant === 'segmented' ? `\n${SEGMENTED_SCRIPT}` : ''}`);
}

/** @param {boolean} ok */
export function renderCustomResult(ok) {
  return layout(ok ? 'Verified' : 'Invalid code',
    `<h1 id="custom-result">${ok ? 'Verified' : 'Invalid code'}</h1>`);
}

/** @param {import('node:http').IncomingMessage} req @returns {Promise<URLSearchParams>} */
function readForm(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 64_000) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/**
 * The user and the realm policy: `realm` if given, else the default realm, else the first realm
 * that has this username.
 * @param {CustomContext} ctx @param {string} username @param {string|null} realm
 * @returns {{user: CustomUser, policy: kc.OtpPolicy}|null}
 */
function lookup(ctx, username, realm) {
  const names = realm ? [realm] : [ctx.defaultRealm, ...Object.keys(ctx.realms).filter((r) => r !== ctx.defaultRealm)];
  for (const name of names) {
    const r = ctx.realms[name];
    const user = r && username ? ctx.findUser(name, username) : null;
    if (r && user) return { user, policy: r.otpPolicy };
  }
  return null;
}

/**
 * Checks a posted code like the Keycloak OTP login, against each of the user's devices.
 * @param {CustomContext} ctx @param {URLSearchParams} form @returns {boolean}
 */
export function verifyCustomCode(ctx, form) {
  const found = lookup(ctx, form.get('username') ?? '', form.get('realm'));
  if (!found || found.user.locked) return false;
  const { user, policy } = found;
  const code = [form.get('mfa_code'), form.get('verification_code'), form.get('code')].find((c) => c) ?? null;
  const nowMs = ctx.now();
  for (const device of user.devices) {
    const r = kc.checkDeviceCode(device, code, nowMs, policy);
    if (r.ok) {
      Object.assign(device, r.update);
      user.failedOtp = 0;
      return true;
    }
  }
  user.failedOtp += 1;
  if (user.failedOtp >= kc.MAX_OTP_FAILURES) user.locked = true;
  return false;
}

/**
 * Routes a '/custom/...' request; answers 404/405 for anything else under '/custom/'.
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
 * @param {URL} url @param {CustomContext} ctx
 */
export async function handleCustom(req, res, url, ctx) {
  const method = req.method ?? 'GET';
  if (url.pathname === '/custom/otp') {
    if (method !== 'GET' && method !== 'HEAD') return ctx.send(res, 405, layout('Method Not Allowed', '<h1>Method Not Allowed</h1>'));
    const v = url.searchParams.get('variant') ?? 'single';
    const variant = CUSTOM_VARIANTS.find((x) => x === v);
    if (!variant) return ctx.send(res, 404, layout('Not Found', '<h1>Unknown variant</h1>'));
    return ctx.send(res, 200, renderCustomOtpPage({
      username: url.searchParams.get('user') ?? '', variant, realm: url.searchParams.get('realm'),
    }));
  }
  if (url.pathname === '/custom/verify') {
    if (method !== 'POST') return ctx.send(res, 405, layout('Method Not Allowed', '<h1>Method Not Allowed</h1>'));
    const ok = verifyCustomCode(ctx, await readForm(req));
    return ctx.send(res, ok ? 200 : 401, renderCustomResult(ok));
  }
  return ctx.send(res, 404, layout('Not Found', '<h1>Not Found</h1>'));
}
