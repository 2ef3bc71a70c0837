// ThingPark Enterprise / Keycloak login simulator (plain Node, no framework).
//
// Serves Keycloak's browser login flow under both '/auth/realms/{realm}/...' (older Keycloak,
// what ThingPark uses) and '/realms/{realm}/...' (newer), then the TPE app at '/tpe/':
//   GET  {kc}/realms/{realm}/protocol/openid-connect/auth     -> login page (creates the auth session);
//        with kc_action=CONFIGURE_TOTP the application asks for a setup (after the login, or at
//        once with a single sign-on session), whose page has Keycloak's Cancel
//   POST {kc}/realms/{realm}/login-actions/authenticate        -> password step, then OTP step
//   GET  {kc}/realms/{realm}/login-actions/required-action     -> CONFIGURE_TOTP setup page
//   POST {kc}/realms/{realm}/login-actions/required-action     -> setup verification
//   GET  {kc}/realms/{realm}/login-actions/restart             -> back to the login page
//   GET  {kc}/realms/{realm}/protocol/openid-connect/logout    -> ends the session, back to login
//   GET  /tpe/  (with ?code= after login)                        -> dashboard
// See README.md for the API and the default users.
//
// One file because every handler is a closure over one simulator's state (users, auth sessions
// and tabs, SSO sessions, codes, clock, log) inside createSimulator; the pure Keycloak rules are
// in keycloak.mjs and the markup in pages.mjs.

import http from 'node:http';
import https from 'node:https';
import { randomBytes, randomUUID } from 'node:crypto';
import * as kc from './keycloak.mjs';
import * as pages from './pages.mjs';
import { handleCustom } from './custom-pages.mjs';
import { getSelfSignedCert } from './cert.mjs';

export { MESSAGES } from './keycloak.mjs';

export const DEFAULT_REALM = 'tpw-users-actility-tpe-ope';
export const DEMO_PASSWORD = 'demo-password';
export const CLIENT_ID = 'tpe';
export const CONFIGURE_TOTP = 'CONFIGURE_TOTP';
/** Keycloak's authentication-session ("login") timeout. */
export const LOGIN_TIMEOUT_MS = 30 * 60 * 1000;
/** Lifetime of an authorization code. */
const CODE_LIFESPAN_MS = 60 * 1000;

/** Execution ids of the browser flow's steps (Keycloak uses the flow's execution UUIDs). */
export const EXECUTIONS = Object.freeze({
  password: '0d1e7a4c-6a51-4d6f-9b2e-5c3f8a7d1e01',
  otp: '7b9c2e5f-1d3a-4c8b-a6e4-2f0d9c8b7a02',
});

/**
 * @typedef {'classic'|'v2'} Theme
 * @typedef {{name: string, displayName: string, theme: Theme, otpRequired: boolean, otpPolicy: kc.OtpPolicy}} Realm
 * @typedef {{name?: string, displayName?: string, theme?: Theme, otpRequired?: boolean, otpPolicy?: Partial<kc.OtpPolicy>}} RealmSpec
 * @typedef {{id?: string, label?: string, secret?: string, secretRaw?: string, type?: 'totp'|'hotp',
 *   algorithm?: kc.OtpAlgorithm, digits?: number, period?: number, counter?: number}} DeviceSpec
 *   secret: base32; secretRaw: the raw ASCII secret Keycloak stores (its base32 is the app key)
 * @typedef {{username: string, password?: string, realm?: string, theme?: Theme, devices?: DeviceSpec[],
 *   requiredActions?: string[], setupQuirk?: 'noise-qr'|'mismatch-qr'|null, purpose?: string}} UserSpec
 * @typedef {kc.OtpDevice & {secretRaw?: string}} Device
 * @typedef {{username: string, password: string, realm: string, theme: Theme, devices: Device[],
 *   requiredActions: string[], setupQuirk: 'noise-qr'|'mismatch-qr'|null, purpose: string,
 *   locked: boolean, failedOtp: number}} User
 */

/** Realms served by default. @type {Readonly<Record<string, RealmSpec>>} */
export const DEFAULT_REALMS = Object.freeze({
  [DEFAULT_REALM]: { displayName: 'ThingPark Enterprise', theme: 'classic', otpRequired: true, otpPolicy: {} },
  'tpw-users-sha256-ope': {
    displayName: 'ThingPark SHA256', theme: 'classic', otpRequired: true,
    otpPolicy: { algorithm: 'SHA256', digits: 8, period: 60 },
  },
  'tpw-users-hotp-ope': {
    displayName: 'ThingPark HOTP', theme: 'classic', otpRequired: true,
    otpPolicy: { type: 'hotp', lookAround: 1, initialCounter: 0 },
  },
});

/** Fixed secrets of the pre-existing devices, so tests can compute codes. */
export const FIXED_DEVICES = Object.freeze({
  patPixel7: fixedDevice('a3c1f0de-5b7e-4c2a-9d61-0f4e8b2a7c11', 'Pixel 7', 'Xmwpev1h9jbnao8C2TAr'),
  multiPixel7: fixedDevice('195cad8b-8925-4d4e-86ef-2bf71966d1b9', 'Pixel 7', 'vSMiZJhQHROtIfkQrYUR'),
  multiWorkPhone: fixedDevice('70d08744-3253-4a18-834c-cd5016b9837b', 'Work phone', 'VwpRXbPLhCHwSBVOpHHu'),
  multiV2Pixel7: fixedDevice('7f77c6da-3050-4ebe-b195-1743512343f3', 'Pixel 7', 'bgTx0SkQjZ2yjgpckP6b'),
  multiV2WorkPhone: fixedDevice('6e5bf108-7885-4f9d-a455-efc4abafbbe4', 'Work phone', 'W3f03WbjxghQTwEXnWDV'),
});

/** @param {string} id @param {string} label @param {string} secretRaw */
function fixedDevice(id, label, secretRaw) {
  return Object.freeze({ id, label, secretRaw, secretBase32: kc.base32Encode(secretRaw) });
}

/** @param {{id: string, label: string, secretRaw: string}} d @returns {DeviceSpec} */
const devSpec = (d) => ({ id: d.id, label: d.label, secretRaw: d.secretRaw });

/** The default users (all with password DEMO_PASSWORD). @type {ReadonlyArray<UserSpec>} */
export const DEFAULT_USERS = Object.freeze([
  { username: 'jane.doe@example.com', requiredActions: [CONFIGURE_TOTP], purpose: 'first enrollment (classic)' },
  { username: 'v2.user@example.com', theme: 'v2', requiredActions: [CONFIGURE_TOTP], purpose: 'first enrollment (v2 theme)' },
  {
    username: 'pat@example.com', devices: [devSpec(FIXED_DEVICES.patPixel7)], requiredActions: [CONFIGURE_TOTP],
    purpose: 'OTP login with "Pixel 7", then a second device (name required, must differ)',
  },
  { username: 'sha@example.com', realm: 'tpw-users-sha256-ope', requiredActions: [CONFIGURE_TOTP], purpose: 'SHA256 / 8 digits / 60 s realm' },
  { username: 'hotp@example.com', realm: 'tpw-users-hotp-ope', requiredActions: [CONFIGURE_TOTP], purpose: 'HOTP realm (counter, look-ahead 1)' },
  { username: 'badqr@example.com', requiredActions: [CONFIGURE_TOTP], setupQuirk: 'noise-qr', purpose: 'setup QR is unreadable noise' },
  { username: 'mismatch@example.com', requiredActions: [CONFIGURE_TOTP], setupQuirk: 'mismatch-qr', purpose: 'setup QR secret differs from totpSecret' },
  {
    username: 'multi@example.com', devices: [devSpec(FIXED_DEVICES.multiPixel7), devSpec(FIXED_DEVICES.multiWorkPhone)],
    purpose: 'OTP login with device chooser (classic radios)',
  },
  {
    username: 'multi-v2@example.com', theme: 'v2', devices: [devSpec(FIXED_DEVICES.multiV2Pixel7), devSpec(FIXED_DEVICES.multiV2WorkPhone)],
    purpose: 'OTP login with device chooser (v2 tiles)',
  },
  { username: 'sam@example.com', purpose: 'plain user, no device (realm requires OTP -> setup)' },
  { username: 'alex@example.com', purpose: 'plain user, no device (realm requires OTP -> setup)' },
]);

/** @param {string} name @param {RealmSpec} spec @returns {Realm} */
function normalizeRealm(name, spec) {
  return {
    name,
    displayName: spec.displayName ?? name,
    theme: spec.theme ?? 'classic',
    otpRequired: spec.otpRequired ?? true,
    otpPolicy: kc.normalizePolicy(spec.otpPolicy ?? {}),
  };
}

/**
 * @param {UserSpec} spec
 * @param {Record<string, Realm>} realms
 * @returns {User}
 */
function normalizeUser(spec, realms) {
  const realmName = spec.realm ?? DEFAULT_REALM;
  const realm = realms[realmName];
  if (!realm) throw new Error(`user ${spec.username}: unknown realm ${realmName}`);
  const pol = realm.otpPolicy;
  return {
    username: spec.username,
    password: spec.password ?? DEMO_PASSWORD,
    realm: realmName,
    theme: spec.theme ?? realm.theme,
    devices: (spec.devices ?? []).map((d) => {
      const secret = d.secret ? d.secret.replace(/\s+/g, '').toUpperCase() : d.secretRaw ? kc.base32Encode(d.secretRaw) : kc.base32Encode(kc.generateSecret());
      /** @type {Device} */
      const dev = {
        id: d.id ?? randomUUID(),
        label: d.label ?? '',
        secret,
        type: d.type ?? pol.type,
        algorithm: d.algorithm ?? pol.algorithm,
        digits: d.digits ?? pol.digits,
        period: d.period ?? pol.period,
        counter: d.counter ?? pol.initialCounter,
        createdAt: 0,
        lastAcceptedStep: null,
        lastUsedAt: null,
        usedCodes: {},
      };
      if (d.secretRaw) dev.secretRaw = d.secretRaw;
      return dev;
    }),
    requiredActions: [...(spec.requiredActions ?? [])],
    setupQuirk: spec.setupQuirk ?? null,
    purpose: spec.purpose ?? '',
    locked: false,
    failedOtp: 0,
  };
}

const SECURITY_HEADERS = Object.freeze({
  'X-Frame-Options': 'SAMEORIGIN',
  'Content-Security-Policy': "frame-src 'self'; frame-ancestors 'self'; object-src 'none';",
  'X-Content-Type-Options': 'nosniff',
  'X-Robots-Tag': 'none',
  'Referrer-Policy': 'no-referrer',
  'X-XSS-Protection': '1; mode=block',
});

/** @param {string|undefined} header @returns {Record<string, string>} */
function parseCookies(header) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (k && !(k in out)) out[k] = part.slice(i + 1).trim();
  }
  return out;
}

/** @param {http.IncomingMessage} req @returns {Promise<URLSearchParams>} */
function readForm(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1_000_000) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

const newCode = () => randomBytes(32).toString('base64url');

/**
 * @typedef {{
 *   tabId: string, rootId: string, realm: string, kcPath: string, clientId: string, redirectUri: string,
 *   state: string|null, nonce: string|null, createdAt: number, step: 'login'|'otp'|'required-action',
 *   username: string|null, attemptedUsername: string|null, sessionCode: string, loginTheme: Theme,
 *   issuedSecret: string|null, selectedCredentialId: string|null, appInitiated: boolean
 * }} Tab
 * @typedef {{id: string, realm: string, username: string, kcPath: string, createdAt: number}} SsoSession
 * @typedef {{method: string, path: string, host: string, at: number, headers: http.IncomingHttpHeaders,
 *   status: number, location: string|null}} LogEntry
 * @typedef {{
 *   outcome: 'registered'|'refused'|'cancelled', realm: string, username: string, deviceLabel: string|null,
 *   release: () => Promise<void>, drop: () => void, settled: boolean
 * }} HeldSetupAnswer
 *   An answer to a setup form's POST, held back after the simulator handled the POST (a
 *   'registered' device is in the user's devices already, as in Keycloak). `release` sends it;
 *   `drop` closes the connection instead (the browser never gets an answer); `settled` once either ran.
 * @typedef {{
 *   next: () => Promise<HeldSetupAnswer>, held: HeldSetupAnswer[], stop: () => Promise<void>
 * }} SetupHold
 *   `next`: the next answer held (in arrival order; each once); `held`: all so far; `stop`: later
 *   answers go at once, and those still held are sent now.
 */

/**
 * @param {{port?: number, https?: boolean, host?: string, users?: UserSpec[], realms?: Record<string, RealmSpec>,
 *   clockOffsetMs?: number, lateDelayMs?: number}} [options]
 */
export async function createSimulator(options = {}) {
  const useHttps = Boolean(options.https);
  const host = options.host ?? '127.0.0.1';
  const initialOffset = options.clockOffsetMs ?? 0;
  const lateDelayMs = options.lateDelayMs ?? 300;

  /** @type {Record<string, Realm>} */
  const realms = {};
  for (const [name, spec] of Object.entries({ ...DEFAULT_REALMS, ...(options.realms ?? {}) })) {
    realms[name] = normalizeRealm(name, { ...(DEFAULT_REALMS[name] ?? {}), ...spec });
  }

  /** @type {UserSpec[]} */
  const userSpecs = DEFAULT_USERS.map((u) => ({ ...u }));
  for (const o of options.users ?? []) {
    const realm = o.realm ?? DEFAULT_REALM;
    const i = userSpecs.findIndex((u) => u.username.toLowerCase() === o.username.toLowerCase() && (u.realm ?? DEFAULT_REALM) === realm);
    if (i >= 0) userSpecs[i] = { ...userSpecs[i], ...o };
    else userSpecs.push({ ...o });
  }

  const st = {
    clockOffsetMs: initialOffset,
    /** @type {User[]} */ users: [],
    /** @type {Map<string, Map<string, Tab>>} root auth session id -> tabs */ roots: new Map(),
    /** @type {Map<string, SsoSession>} */ sso: new Map(),
    /** @type {Map<string, {ssoId: string, redirectUri: string, exp: number}>} */ codes: new Map(),
    /** @type {Map<string, {ssoId: string}>} */ tpe: new Map(),
    /** @type {LogEntry[]} */ log: [],
    /** @type {{ hold: SetupHold, arrive: (a: HeldSetupAnswer) => void } | null} */ setupHold: null,
  };
  const loadUsers = () => {
    st.users.length = 0;
    for (const s of userSpecs) st.users.push(normalizeUser(s, realms));
  };
  loadUsers();

  const now = () => Date.now() + st.clockOffsetMs;

  /** @param {string} realm @param {string} username */
  const findUser = (realm, username) => {
    const u = username.toLowerCase();
    return st.users.find((x) => x.realm === realm && x.username.toLowerCase() === u) ?? null;
  };

  const cert = useHttps ? await getSelfSignedCert() : null;
  const proto = useHttps ? 'https' : 'http';
  const originHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  // ------------------------------------------------------------------------------------------
  // Cookies

  /** @param {string} name @param {string} value @param {string} path @param {{maxAge?: number}} [o] */
  const cookie = (name, value, path, o = {}) =>
    `${name}=${value}; Path=${path}` + (o.maxAge !== undefined ? `; Max-Age=${o.maxAge}` : '') +
    (o.maxAge === 0 ? '; Expires=Thu, 01 Jan 1970 00:00:00 GMT' : '') +
    (useHttps ? '; Secure; SameSite=None' : '') + '; HttpOnly';
  /** @param {{kcPath: string, realm: string}} t */
  const realmCookiePath = (t) => `${t.kcPath}/realms/${encodeURIComponent(t.realm)}/`;

  // ------------------------------------------------------------------------------------------
  // URLs

  /** @param {string} base @param {{kcPath: string, realm: string}} t */
  const realmBase = (base, t) => `${base}${t.kcPath}/realms/${encodeURIComponent(t.realm)}`;

  /**
   * @param {string} [realm]
   * @param {{base?: string, kcPath?: string, theme?: Theme, redirectUri?: string, extra?: Record<string, string>}} [o]
   */
  function loginUrl(realm = DEFAULT_REALM, o = {}) {
    const base = o.base ?? api.origin;
    const kcPath = o.kcPath ?? '/auth';
    const redirectUri = o.redirectUri ?? `${base}/tpe/`;
    let url = `${base}${kcPath}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/auth?client_id=${CLIENT_ID}` +
      `&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&scope=openid`;
    if (o.theme) url += `&sim_theme=${o.theme}`;
    for (const [k, v] of Object.entries(o.extra ?? {})) url += `&${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
    return url;
  }

  /** @param {string} base @param {Tab} t */
  const authenticateUrl = (base, t, withCode = true) => {
    const exec = t.step === 'otp' ? EXECUTIONS.otp : EXECUTIONS.password;
    return `${realmBase(base, t)}/login-actions/authenticate?` +
      (withCode ? `session_code=${t.sessionCode}&execution=${exec}&` : '') + `client_id=${t.clientId}&tab_id=${t.tabId}`;
  };
  /** @param {string} base @param {Tab} t */
  const requiredActionUrl = (base, t, withCode = true) =>
    `${realmBase(base, t)}/login-actions/required-action?` +
    (withCode ? `session_code=${t.sessionCode}&` : '') + `execution=${CONFIGURE_TOTP}&client_id=${t.clientId}&tab_id=${t.tabId}`;
  /** @param {string} base @param {Tab} t */
  const restartUrl = (base, t) => `${realmBase(base, t)}/login-actions/restart?client_id=${t.clientId}&tab_id=${t.tabId}`;

  // ------------------------------------------------------------------------------------------
  // Responses

  /**
   * @param {http.ServerResponse} res @param {number} status @param {string} body
   * @param {{cookies?: string[], type?: string, headers?: Record<string, string>}} [o]
   */
  function send(res, status, body, o = {}) {
    if (o.cookies?.length) res.setHeader('Set-Cookie', o.cookies);
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      ...(useHttps ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
      'Content-Type': o.type ?? 'text/html;charset=utf-8',
      'Cache-Control': 'no-store, must-revalidate, max-age=0',
      ...(o.headers ?? {}),
    });
    res.end(body);
  }
  /** @param {http.ServerResponse} res @param {string} location @param {string[]} [cookies] */
  function redirect(res, location, cookies = []) {
    if (cookies.length) res.setHeader('Set-Cookie', cookies);
    res.writeHead(302, { Location: location, 'Cache-Control': 'no-store, must-revalidate, max-age=0', 'Content-Length': '0' });
    res.end();
  }

  // ------------------------------------------------------------------------------------------
  // Auth sessions

  /**
   * @param {Record<string, string>} cookies @param {string|null} tabId
   * @returns {Tab|null}
   */
  function findTab(cookies, tabId) {
    const rootId = cookies.AUTH_SESSION_ID;
    if (!rootId || !tabId) return null;
    const tabs = st.roots.get(rootId);
    const t = tabs?.get(tabId) ?? null;
    if (t && Date.now() - t.createdAt > LOGIN_TIMEOUT_MS) {
      tabs?.delete(tabId);
      return null;
    }
    return t;
  }

  /**
   * @param {Record<string, string>} cookies @param {Omit<Tab, 'tabId'|'rootId'|'createdAt'|'step'|'username'|'attemptedUsername'|'sessionCode'|'issuedSecret'|'selectedCredentialId'|'appInitiated'>} init
   * @param {string[]} setCookies
   * @returns {Tab}
   */
  function newTab(cookies, init, setCookies) {
    let rootId = cookies.AUTH_SESSION_ID;
    let tabs = rootId ? st.roots.get(rootId) : undefined;
    if (!rootId || !tabs) {
      rootId = randomUUID();
      tabs = new Map();
      st.roots.set(rootId, tabs);
    }
    /** @type {Tab} */
    const t = {
      ...init, tabId: randomBytes(8).toString('base64url'), rootId, createdAt: Date.now(), step: 'login',
      username: null, attemptedUsername: null, sessionCode: newCode(), issuedSecret: null, selectedCredentialId: null,
      appInitiated: false,
    };
    tabs.set(t.tabId, t);
    setCookies.push(cookie('AUTH_SESSION_ID', rootId, realmCookiePath(t)));
    return t;
  }

  /** @param {Tab} t */
  const dropTab = (t) => st.roots.get(t.rootId)?.delete(t.tabId);

  /** @param {Tab} t */
  const tabUser = (t) => (t.username ? findUser(t.realm, t.username) : null);

  /** @param {User} user */
  const needsTotpSetup = (user) =>
    user.requiredActions.includes(CONFIGURE_TOTP) || (realms[user.realm]?.otpRequired && user.devices.length === 0);

  // ------------------------------------------------------------------------------------------
  // Page rendering for a tab

  /**
   * @param {http.ServerResponse} res @param {string} base @param {Tab} t
   * @param {{error?: string|null, message?: pages.PageMessage|null, username?: string, status?: number, cookies?: string[]}} [o]
   */
  function renderLogin(res, base, t, o = {}) {
    t.step = 'login';
    t.sessionCode = newCode();
    const realm = /** @type {Realm} */ (realms[t.realm]);
    const html = pages.renderLoginPage({
      theme: t.loginTheme, realmDisplayName: realm.displayName, actionUrl: authenticateUrl(base, t),
      username: o.username ?? '', error: o.error ?? null, message: o.message ?? null,
    });
    send(res, o.status ?? 200, html, { cookies: o.cookies ?? [] });
  }

  /**
   * @param {http.ServerResponse} res @param {string} base @param {Tab} t @param {User} user
   * @param {{error?: string|null, message?: pages.PageMessage|null, status?: number, late?: boolean}} [o]
   */
  function renderOtp(res, base, t, user, o = {}) {
    t.step = 'otp';
    t.sessionCode = newCode();
    const realm = /** @type {Realm} */ (realms[t.realm]);
    const selected = user.devices.some((d) => d.id === t.selectedCredentialId) ? t.selectedCredentialId : user.devices[0]?.id ?? null;
    const html = pages.renderOtpPage({
      theme: user.theme, realmDisplayName: realm.displayName, actionUrl: authenticateUrl(base, t),
      // Custom themes may drop the attempted-username element: tests switch it off to see that.
      attemptedUsername: api.hideAttemptedUsername ? null : (t.attemptedUsername ?? user.username), restartUrl: restartUrl(base, t),
      credentials: user.devices.map((d) => ({ id: d.id, label: d.label })), selectedCredentialId: selected,
      error: o.error ?? null, message: o.message ?? null, late: o.late ?? false, lateDelayMs,
    });
    send(res, o.status ?? 200, html);
  }

  /**
   * @param {http.ServerResponse} res @param {string} base @param {URL} requestUrl @param {Tab} t @param {User} user
   * @param {{mode?: string|null, late?: false|'form'|'all', errors?: {totp?: string|null, userLabel?: string|null}, message?: pages.PageMessage|null, status?: number}} [o]
   */
  async function renderSetup(res, base, requestUrl, t, user, o = {}) {
    t.step = 'required-action';
    t.sessionCode = newCode();
    // A fresh TotpBean: a new secret on every render.
    t.issuedSecret = kc.generateSecret();
    const realm = /** @type {Realm} */ (realms[t.realm]);
    const policy = realm.otpPolicy;
    const issuer = realm.displayName || realm.name;
    const uri = kc.buildKeyUri({ policy, issuer, account: user.username, rawSecret: t.issuedSecret });
    let qr;
    if (user.setupQuirk === 'noise-qr') qr = pages.noiseQrDataUrl();
    else if (user.setupQuirk === 'mismatch-qr') qr = await pages.qrDataUrl(kc.buildKeyUri({ policy, issuer, account: user.username, rawSecret: kc.generateSecret() }));
    else qr = await pages.qrDataUrl(uri);
    /** @param {string} mode */
    const withMode = (mode) => {
      const u = new URL(requestUrl.pathname + requestUrl.search, base);
      u.searchParams.set('mode', mode);
      return `${base}${u.pathname}${u.search}`;
    };
    const html = pages.renderTotpSetupPage({
      theme: user.theme, realmDisplayName: realm.displayName, actionUrl: requiredActionUrl(base, t),
      attemptedUsername: t.attemptedUsername ?? user.username, restartUrl: restartUrl(base, t),
      qrDataUrl: qr, totpSecret: t.issuedSecret, totpSecretEncoded: kc.formatSecretForDisplay(t.issuedSecret),
      policy, mode: o.mode ?? null, manualUrl: withMode('manual'), qrUrl: withMode('qr'),
      hasDevices: user.devices.length > 0, errors: o.errors ?? {},
      // The "set up to activate your account" warning is for the required action only.
      message: o.message === undefined ? (t.appInitiated ? null : { type: 'warning', text: kc.MESSAGES.CONFIGURE_TOTP }) : o.message,
      late: o.late ?? false, lateDelayMs, appInitiated: t.appInitiated,
    });
    send(res, o.status ?? 200, html);
  }

  /**
   * Re-renders whatever step the tab is at (GET of a login-actions URL, stale form posts).
   * @param {http.ServerResponse} res @param {string} base @param {URL} url @param {Tab} t
   * @param {pages.PageMessage|null} [message]
   */
  async function renderCurrent(res, base, url, t, message = null) {
    const user = tabUser(t);
    if (t.step === 'otp' && user) return renderOtp(res, base, t, user, { message, late: lateMode(url.searchParams.get('late')) !== false });
    if (t.step === 'required-action' && user) {
      if (message) return renderSetup(res, base, url, t, user, { message });
      return redirect(res, requiredActionUrl(base, t, false));
    }
    return renderLogin(res, base, t, { message });
  }

  /**
   * Restart: the auth session (cookie or tab) is gone or expired.
   * @param {http.ServerResponse} res @param {string} base @param {string} realm @param {string} kcPath @param {Record<string, string>} cookies
   */
  function restartFlow(res, base, realm, kcPath, cookies) {
    /** @type {string[]} */
    const setCookies = [];
    const t = newTab(cookies, {
      realm, kcPath, clientId: CLIENT_ID, redirectUri: `${base}/tpe/`, state: null, nonce: null,
      loginTheme: /** @type {Realm} */ (realms[realm]).theme,
    }, setCookies);
    renderLogin(res, base, t, { message: { type: 'error', text: kc.MESSAGES.LOGIN_TIMEOUT }, cookies: setCookies });
  }

  /**
   * Authentication finished: SSO session, authorization code, redirect to the client.
   * `actionStatus`: the answer to an application-initiated action, as Keycloak adds it to the redirect.
   * @param {http.ServerResponse} res @param {string} base @param {Tab} t @param {User} user
   * @param {{logoutOthers?: boolean, actionStatus?: 'success'|'cancelled'}} [o]
   */
  function finish(res, base, t, user, o = {}) {
    if (o.logoutOthers) {
      for (const [id, s] of st.sso) if (s.realm === user.realm && s.username === user.username) endSso(id);
    }
    const sso = { id: randomUUID(), realm: t.realm, username: user.username, kcPath: t.kcPath, createdAt: Date.now() };
    st.sso.set(sso.id, sso);
    const code = `${randomUUID()}.${sso.id}.${randomUUID()}`;
    st.codes.set(code, { ssoId: sso.id, redirectUri: t.redirectUri, exp: Date.now() + CODE_LIFESPAN_MS });
    dropTab(t);
    const u = new URL(t.redirectUri);
    if (t.state !== null) u.searchParams.set('state', t.state);
    u.searchParams.set('session_state', sso.id);
    u.searchParams.set('iss', realmBase(base, t));
    u.searchParams.set('code', code);
    if (o.actionStatus) u.searchParams.set('kc_action_status', o.actionStatus);
    const path = realmCookiePath(t);
    redirect(res, u.toString(), [
      cookie('KEYCLOAK_IDENTITY', sso.id, path),
      cookie('KEYCLOAK_SESSION', `${t.realm}/${sso.id}`, path),
    ]);
  }

  /** @param {string} ssoId */
  function endSso(ssoId) {
    st.sso.delete(ssoId);
    for (const [id, s] of st.tpe) if (s.ssoId === ssoId) st.tpe.delete(id);
  }

  // ------------------------------------------------------------------------------------------
  // Handlers

  /**
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {URL} url @param {string} base
   * @param {Record<string, string>} cookies @param {string} realmName @param {string} kcPath
   */
  async function handleAuth(req, res, url, base, cookies, realmName, kcPath) {
    const realm = /** @type {Realm} */ (realms[realmName]);
    const q = url.searchParams;
    const errPage = (/** @type {string} */ message) =>
      send(res, 400, pages.renderErrorPage({ theme: realm.theme, realmDisplayName: realm.displayName, message }));
    if (q.get('client_id') !== CLIENT_ID) return errPage('Client not found.');
    const redirectUri = q.get('redirect_uri');
    let ru;
    try {
      ru = redirectUri ? new URL(redirectUri) : null;
    } catch {
      ru = null;
    }
    if (!ru || !/^https?:$/.test(ru.protocol) || !ru.pathname.startsWith('/tpe/')) return errPage('Invalid parameter: redirect_uri');
    if (q.get('response_type') !== 'code') return errPage('Invalid parameter: response_type');
    const action = q.get('kc_action');
    if (action !== null && action !== CONFIGURE_TOTP) return errPage('Invalid parameter: kc_action');

    const theme = q.get('sim_theme');
    /** @type {string[]} */
    const setCookies = [];
    const openTab = () => {
      const t = newTab(cookies, {
        realm: realmName, kcPath, clientId: CLIENT_ID, redirectUri: /** @type {string} */ (redirectUri),
        state: q.get('state'), nonce: q.get('nonce'),
        loginTheme: theme === 'v2' || theme === 'classic' ? theme : realm.theme,
      }, setCookies);
      t.appInitiated = action !== null;
      return t;
    };

    // Existing SSO session: straight back to the client (unless prompt=login), or to the setup
    // the application asked for.
    const ssoId = cookies.KEYCLOAK_IDENTITY;
    const sso = ssoId ? st.sso.get(ssoId) : undefined;
    if (sso && sso.realm === realmName && q.get('prompt') !== 'login') {
      const user = findUser(sso.realm, sso.username);
      if (user && !user.locked && action !== null) {
        const t = openTab();
        t.username = user.username;
        t.attemptedUsername = user.username;
        t.step = 'required-action';
        return redirect(res, requiredActionUrl(base, t, false), setCookies);
      }
      if (user && !user.locked) {
        const code = `${randomUUID()}.${sso.id}.${randomUUID()}`;
        st.codes.set(code, { ssoId: sso.id, redirectUri: /** @type {string} */ (redirectUri), exp: Date.now() + CODE_LIFESPAN_MS });
        const u = new URL(/** @type {string} */ (redirectUri));
        if (q.get('state') !== null) u.searchParams.set('state', /** @type {string} */ (q.get('state')));
        u.searchParams.set('session_state', sso.id);
        u.searchParams.set('iss', realmBase(base, { kcPath, realm: realmName }));
        u.searchParams.set('code', code);
        return redirect(res, u.toString());
      }
    }

    const t = openTab();
    const hint = q.get('login_hint');
    renderLogin(res, base, t, { cookies: setCookies, username: hint ?? '' });
  }

  /**
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {URL} url @param {string} base
   * @param {Record<string, string>} cookies @param {string} realmName @param {string} kcPath
   */
  async function handleAuthenticate(req, res, url, base, cookies, realmName, kcPath) {
    const form = req.method === 'POST' ? await readForm(req) : null;
    const t = findTab(cookies, url.searchParams.get('tab_id'));
    if (!t || t.realm !== realmName) return restartFlow(res, base, realmName, kcPath, cookies);
    if (!form) return renderCurrent(res, base, url, t);
    if (t.step === 'required-action') return redirect(res, requiredActionUrl(base, t, false));
    const expectedExec = t.step === 'otp' ? EXECUTIONS.otp : EXECUTIONS.password;
    if (url.searchParams.get('session_code') !== t.sessionCode || url.searchParams.get('execution') !== expectedExec) {
      return renderCurrent(res, base, url, t, { type: 'error', text: kc.MESSAGES.EXPIRED_ACTION });
    }
    const realm = /** @type {Realm} */ (realms[t.realm]);

    if (t.step === 'login') {
      const typed = (form.get('username') ?? '').trim();
      const password = form.get('password') ?? '';
      const user = typed ? findUser(t.realm, typed) : null;
      if (!user || password !== user.password) {
        return renderLogin(res, base, t, { error: kc.MESSAGES.INVALID_USER, username: typed });
      }
      if (user.locked) return renderLogin(res, base, t, { error: kc.MESSAGES.ACCOUNT_DISABLED, username: typed });
      t.username = user.username;
      t.attemptedUsername = typed;
      t.selectedCredentialId = null;
      if (user.devices.length > 0) return renderOtp(res, base, t, user);
      if (needsTotpSetup(user) || t.appInitiated) {
        t.step = 'required-action';
        return redirect(res, requiredActionUrl(base, t, false));
      }
      return finish(res, base, t, user);
    }

    // OTP step
    const user = tabUser(t);
    if (!user) return restartFlow(res, base, realmName, kcPath, cookies);
    const posted = form.get('selectedCredentialId');
    if (posted && user.devices.some((d) => d.id === posted)) t.selectedCredentialId = posted;
    if (user.locked) return renderOtp(res, base, t, user, { error: kc.MESSAGES.ACCOUNT_DISABLED });
    const r = kc.validateLoginOtp({
      devices: user.devices, selectedCredentialId: posted, code: form.get('otp'), nowMs: now(), policy: realm.otpPolicy,
    });
    if (r.outcome === 'rechallenge') return renderOtp(res, base, t, user);
    if (r.outcome === 'invalid') {
      user.failedOtp += 1;
      if (user.failedOtp >= kc.MAX_OTP_FAILURES) user.locked = true;
      return renderOtp(res, base, t, user, { error: r.message });
    }
    const device = /** @type {Device} */ (user.devices.find((d) => d.id === r.deviceId));
    Object.assign(device, r.update);
    user.failedOtp = 0;
    if (needsTotpSetup(user) || t.appInitiated) {
      t.step = 'required-action';
      return redirect(res, requiredActionUrl(base, t, false));
    }
    return finish(res, base, t, user);
  }

  /** @param {string|null} v @returns {false|'form'|'all'} */
  const lateMode = (v) => (v === 'all' ? 'all' : v && v !== '0' && v !== 'false' ? 'form' : false);

  /**
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {URL} url @param {string} base
   * @param {Record<string, string>} cookies @param {string} realmName @param {string} kcPath
   */
  async function handleRequiredAction(req, res, url, base, cookies, realmName, kcPath) {
    const form = req.method === 'POST' ? await readForm(req) : null;
    const t = findTab(cookies, url.searchParams.get('tab_id'));
    if (!t || t.realm !== realmName) return restartFlow(res, base, realmName, kcPath, cookies);
    const user = tabUser(t);
    if (t.step !== 'required-action' || !user) return redirect(res, authenticateUrl(base, t, false));
    if (!form) {
      return renderSetup(res, base, url, t, user, { mode: url.searchParams.get('mode'), late: lateMode(url.searchParams.get('late')) });
    }
    const mode = form.get('mode');
    if (url.searchParams.get('session_code') !== t.sessionCode || url.searchParams.get('execution') !== CONFIGURE_TOTP) {
      return renderSetup(res, base, url, t, user, { mode, message: { type: 'error', text: kc.MESSAGES.EXPIRED_ACTION } });
    }
    // Cancel of a setup the application asked for: back to it, nothing changed.
    if (t.appInitiated && form.get('cancel-aia') === 'true') {
      t.issuedSecret = null;
      return answerSetup(res, { outcome: 'cancelled', realm: t.realm, username: user.username, deviceLabel: null },
        () => finish(res, base, t, user, { actionStatus: 'cancelled' }));
    }
    const realm = /** @type {Realm} */ (realms[t.realm]);
    const r = kc.validateSetup({
      code: form.get('totp'), postedSecret: form.get('totpSecret'), issuedSecret: t.issuedSecret,
      userLabel: form.get('userLabel'), existingDevices: user.devices, policy: realm.otpPolicy, nowMs: now(), newId: randomUUID(),
    });
    if (!r.ok) {
      // Nothing registered; the page again, with its error (and a new secret), once the answer goes.
      return answerSetup(res, { outcome: 'refused', realm: t.realm, username: user.username, deviceLabel: null },
        () => renderSetup(res, base, url, t, user, { mode, errors: { [r.field]: r.message } }));
    }
    /** @type {Device} */
    const device = { ...r.device, secretRaw: /** @type {string} */ (t.issuedSecret) };
    user.devices.push(device);
    user.requiredActions = user.requiredActions.filter((a) => a !== CONFIGURE_TOTP);
    t.issuedSecret = null;
    // The device exists from here on, whatever becomes of the answer (held, dropped, never read).
    return answerSetup(res, { outcome: 'registered', realm: t.realm, username: user.username, deviceLabel: device.label },
      () => finish(res, base, t, user, { logoutOthers: form.get('logout-sessions') === 'on', ...(t.appInitiated ? { actionStatus: 'success' } : {}) }));
  }

  /**
   * Sends the answer to a setup form's POST, which has been handled already, now, or holds it
   * while a test holds setup answers (holdSetupAnswers).
   * @param {http.ServerResponse} res
   * @param {Omit<HeldSetupAnswer, 'release'|'drop'|'settled'>} what
   * @param {() => unknown} respond writes the answer (the state change is made already)
   */
  async function answerSetup(res, what, respond) {
    const holding = st.setupHold;
    if (!holding) return respond();
    /** @type {HeldSetupAnswer} */
    const held = {
      ...what,
      settled: false,
      async release() {
        if (held.settled) return;
        held.settled = true;
        if (!res.destroyed) await respond();
      },
      drop() {
        if (held.settled) return;
        held.settled = true;
        res.destroy();
      },
    };
    holding.arrive(held);
  }

  /**
   * @param {http.ServerResponse} res @param {URL} url @param {string} base @param {Record<string, string>} cookies
   * @param {string} realmName @param {string} kcPath
   */
  function handleRestart(res, url, base, cookies, realmName, kcPath) {
    const t = findTab(cookies, url.searchParams.get('tab_id'));
    if (!t || t.realm !== realmName) return restartFlow(res, base, realmName, kcPath, cookies);
    t.step = 'login';
    t.username = null;
    t.attemptedUsername = null;
    t.issuedSecret = null;
    t.selectedCredentialId = null;
    return redirect(res, authenticateUrl(base, t, false));
  }

  /**
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {string} base
   * @param {Record<string, string>} cookies @param {string} realmName @param {string} kcPath
   */
  async function handleLogout(req, res, base, cookies, realmName, kcPath) {
    if (req.method === 'POST') await readForm(req);
    const ssoId = cookies.KEYCLOAK_IDENTITY;
    if (ssoId) endSso(ssoId);
    const tpeId = cookies.TPE_SESSION;
    if (tpeId) {
      const s = st.tpe.get(tpeId);
      if (s) endSso(s.ssoId);
      st.tpe.delete(tpeId);
    }
    const path = realmCookiePath({ kcPath, realm: realmName });
    redirect(res, loginUrl(realmName, { base, kcPath }), [
      cookie('KEYCLOAK_IDENTITY', '', path, { maxAge: 0 }),
      cookie('KEYCLOAK_SESSION', '', path, { maxAge: 0 }),
      cookie('TPE_SESSION', '', '/', { maxAge: 0 }),
    ]);
  }

  /**
   * @param {http.ServerResponse} res @param {URL} url @param {string} base @param {Record<string, string>} cookies
   */
  function handleTpe(res, url, base, cookies) {
    const code = url.searchParams.get('code');
    if (code !== null) {
      const c = st.codes.get(code);
      st.codes.delete(code);
      const sso = c ? st.sso.get(c.ssoId) : undefined;
      if (!c || c.exp < Date.now() || !sso) return redirect(res, loginUrl(DEFAULT_REALM, { base }));
      const id = randomUUID();
      st.tpe.set(id, { ssoId: sso.id });
      return redirect(res, `${base}${url.pathname}`, [cookie('TPE_SESSION', id, '/')]);
    }
    const s = cookies.TPE_SESSION ? st.tpe.get(cookies.TPE_SESSION) : undefined;
    const sso = s ? st.sso.get(s.ssoId) : undefined;
    if (!sso) {
      const realm = url.searchParams.get('realm');
      return redirect(res, loginUrl(realm && realms[realm] ? realm : DEFAULT_REALM, { base }));
    }
    const realm = /** @type {Realm} */ (realms[sso.realm]);
    return send(res, 200, pages.renderDashboard({
      username: sso.username, realm: sso.realm, realmDisplayName: realm.displayName,
      logoutUrl: `${realmBase(base, { kcPath: sso.kcPath, realm: sso.realm })}/protocol/openid-connect/logout`,
    }));
  }

  /**
   * Test-control endpoints (not Keycloak): handy when the simulator runs from the CLI.
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {URL} url
   */
  async function handleControl(req, res, url) {
    if (req.method === 'POST') await readForm(req);
    const json = (/** @type {unknown} */ v, status = 200) => send(res, status, JSON.stringify(v, null, 2), { type: 'application/json' });
    if (url.pathname === '/__sim/state' && req.method === 'GET') {
      return json({ serverTime: new Date(now()).toISOString(), clockOffsetMs: st.clockOffsetMs, users: st.users });
    }
    if (url.pathname === '/__sim/reset' && req.method === 'POST') {
      api.reset();
      return json({ ok: true });
    }
    if (url.pathname === '/__sim/clock' && req.method === 'POST') {
      api.setClockOffset(Number(url.searchParams.get('offsetMs') ?? 0));
      return json({ ok: true, clockOffsetMs: st.clockOffsetMs });
    }
    return json({ error: 'not found' }, 404);
  }

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function handle(req, res) {
    res.setHeader('Date', new Date(now()).toUTCString());
    const hostHeader = req.headers.host ?? `${originHost}:${api.port}`;
    const base = `${proto}://${hostHeader}`;
    const url = new URL(req.url ?? '/', base);
    /** @type {LogEntry} */
    const entry = { method: req.method ?? 'GET', path: url.pathname + url.search, host: hostHeader, at: Date.now(), headers: { ...req.headers }, status: 0, location: null };
    st.log.push(entry);
    // What was answered, so that a test can tell a redirect the browser followed from a request a script made.
    res.on('finish', () => {
      entry.status = res.statusCode;
      const location = res.getHeader('location');
      entry.location = typeof location === 'string' ? location : null;
    });
    const cookies = parseCookies(req.headers.cookie);
    const method = req.method ?? 'GET';

    const m = /^(\/auth)?\/realms\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (m) {
      const kcPath = m[1] ?? '';
      const realmName = decodeURIComponent(/** @type {string} */ (m[2]));
      const rest = m[3];
      if (!realms[realmName]) return send(res, 404, JSON.stringify({ error: 'Realm does not exist' }), { type: 'application/json' });
      const get = method === 'GET' || method === 'HEAD';
      const post = method === 'POST';
      if (rest === 'protocol/openid-connect/auth' && (get || post)) return handleAuth(req, res, url, base, cookies, realmName, kcPath);
      if (rest === 'login-actions/authenticate' && (get || post)) return handleAuthenticate(req, res, url, base, cookies, realmName, kcPath);
      if (rest === 'login-actions/required-action' && (get || post)) return handleRequiredAction(req, res, url, base, cookies, realmName, kcPath);
      if (rest === 'login-actions/restart' && get) return handleRestart(res, url, base, cookies, realmName, kcPath);
      if (rest === 'protocol/openid-connect/logout' && (get || post)) return handleLogout(req, res, base, cookies, realmName, kcPath);
      return send(res, 404, JSON.stringify({ error: 'Unable to find matching target resource method' }), { type: 'application/json' });
    }
    if (url.pathname === '/tpe' || url.pathname.startsWith('/tpe/')) {
      if (url.pathname === '/tpe') return redirect(res, `${base}/tpe/${url.search}`);
      return handleTpe(res, url, base, cookies);
    }
    // Non-Keycloak OTP pages for the generic field detection (custom-pages.mjs).
    if (url.pathname.startsWith('/custom/')) return handleCustom(req, res, url, { send, now, realms, findUser, defaultRealm: DEFAULT_REALM });
    if (url.pathname === '/') return redirect(res, `${base}/tpe/`);
    if (url.pathname.startsWith('/__sim/')) return handleControl(req, res, url);
    return send(res, 404, '<!DOCTYPE html><title>Not Found</title><h1>Not Found</h1>');
  }

  const listener = (/** @type {http.IncomingMessage} */ req, /** @type {http.ServerResponse} */ res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, `Internal error: ${String(err?.message ?? err)}`, { type: 'text/plain' });
      else res.destroy();
    });
  };
  const server = useHttps && cert
    ? https.createServer({ key: cert.key, cert: cert.cert }, listener)
    : http.createServer(listener);

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve(undefined));
  });
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());

  const api = {
    /** When true, OTP pages omit the attempted user name (as some custom themes do). */
    hideAttemptedUsername: false,
    origin: `${proto}://${originHost}:${addr.port}`,
    port: addr.port,
    https: useHttps,
    /** PEM key/cert and SPKI hash in https mode, else null. */
    cert,
    realms,
    loginUrl,
    /** Live user records (mutated by logins and enrollments). */
    get users() {
      return st.users;
    },
    /**
     * Every request: method, path (with query), host, at (real ms), the request's headers (lower
     * case, as Node gives them), and once answered its status and Location (redirects).
     */
    get log() {
      return st.log;
    },
    get clockOffsetMs() {
      return st.clockOffsetMs;
    },
    /** Server time in ms (Date.now() + offset). */
    now,
    /** @param {string} realm @param {string} username */
    devices(realm, username) {
      const u = findUser(realm, username);
      return (u?.devices ?? []).map((d) => ({
        id: d.id, label: d.label, secretBase32: d.secret, algorithm: d.algorithm, digits: d.digits,
        period: d.period, type: d.type, counter: d.counter,
      }));
    },
    /** @param {number} ms */
    setClockOffset(ms) {
      st.clockOffsetMs = Number(ms) || 0;
    },
    /** @param {string} username @param {Theme} theme @param {string} [realm] */
    setTheme(username, theme, realm) {
      const u = st.users.find((x) => x.username.toLowerCase() === username.toLowerCase() && (!realm || x.realm === realm));
      if (!u) throw new Error(`no user ${username}`);
      u.theme = theme;
    },
    /** Unlocks a user locked by too many wrong codes (what a password reset does). @param {string} username @param {string} [realm] */
    unlock(username, realm = DEFAULT_REALM) {
      const u = findUser(realm, username);
      if (u) {
        u.locked = false;
        u.failedOtp = 0;
      }
    },
    /**
     * Holds the answers to setup forms' POSTs (Keycloak's CONFIGURE_TOTP required action) from
     * now on, each after the POST was handled: a device it registers is in `devices()` while its
     * answer is held, as Keycloak registers it before it answers. The test then sends the answer
     * (`release`) or never does (`drop`: the connection closes). One hold at a time; a new one
     * ends the last (sending what it still held).
     * @returns {SetupHold}
     */
    holdSetupAnswers() {
      void st.setupHold?.hold.stop();
      /** @type {HeldSetupAnswer[]} */
      const held = [];
      /** @type {((a: HeldSetupAnswer) => void)[]} */
      const waiting = [];
      let taken = 0;
      /** @type {SetupHold} */
      const hold = {
        held,
        next() {
          const ready = held[taken];
          if (ready) {
            taken++;
            return Promise.resolve(ready);
          }
          return new Promise((resolve) => waiting.push(resolve));
        },
        async stop() {
          if (st.setupHold?.hold === hold) st.setupHold = null;
          await Promise.all(held.map((a) => a.release()));
        },
      };
      st.setupHold = {
        hold,
        arrive(a) {
          held.push(a);
          const resolve = waiting.shift();
          if (resolve) {
            taken++;
            resolve(a);
          }
        },
      };
      return hold;
    },
    /** Restores the initial users and clock offset; drops all sessions and the request log. */
    reset() {
      void st.setupHold?.hold.stop();
      loadUsers();
      st.clockOffsetMs = initialOffset;
      st.roots.clear();
      st.sso.clear();
      st.codes.clear();
      st.tpe.clear();
      st.log.length = 0;
    },
    async close() {
      await new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections?.();
      });
    },
  };
  return api;
}
