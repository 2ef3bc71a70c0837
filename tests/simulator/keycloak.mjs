// Keycloak's OTP rules, as pure functions (no I/O, no clock: callers pass the time).
// Mirrors Keycloak 20+: HmacOTP / TimeBasedOTP (look-around window), the single-use store for
// TOTP codes (key = credentialId.code, lifespan = period x (2 x lookAround + 1)), UpdateTotp's
// checks (blank code, issued secret, code, device name required / unique) and TotpUtils'
// key URI and manual-mode key formatting.

import { createHmac, randomInt } from 'node:crypto';

/** Keycloak's English messages (messages_en.properties) used by the simulator. */
export const MESSAGES = Object.freeze({
  INVALID_USER: 'Invalid username or password.',
  INVALID_TOTP: 'Invalid authenticator code.',
  MISSING_TOTP: 'Please specify authenticator code.',
  MISSING_TOTP_DEVICE_NAME: 'Please specify device name.',
  DUPLICATE_DEVICE_NAME: 'Device already exists with the same name',
  ACCOUNT_DISABLED: 'Account is temporarily disabled; contact your administrator or retry later.',
  CONFIGURE_TOTP: 'You need to set up Mobile Authenticator to activate your account.',
  EXPIRED_ACTION: 'Action expired. Please continue with login now.',
  LOGIN_TIMEOUT: 'Your login attempt timed out. Login will start from the beginning.',
});

/**
 * @typedef {'SHA1'|'SHA256'|'SHA512'} OtpAlgorithm
 * @typedef {{
 *   type: 'totp'|'hotp', algorithm: OtpAlgorithm, digits: number, period: number,
 *   lookAround: number, initialCounter: number, codeReusable: boolean
 * }} OtpPolicy
 * @typedef {{
 *   id: string, label: string, secret: string, type: 'totp'|'hotp', algorithm: OtpAlgorithm,
 *   digits: number, period: number, counter: number, createdAt?: number,
 *   lastAcceptedStep?: number|null, lastUsedAt?: number|null, usedCodes?: Record<string, number>
 * }} OtpDevice  secret is base32 (what an authenticator app is given)
 */

/** Keycloak's realm OTP policy defaults. @type {Readonly<OtpPolicy>} */
export const DEFAULT_POLICY = Object.freeze({
  type: 'totp', algorithm: 'SHA1', digits: 6, period: 30, lookAround: 1, initialCounter: 0, codeReusable: false,
});

/** Number of consecutive wrong login codes after which the user is locked. */
export const MAX_OTP_FAILURES = 5;

/** @param {Partial<OtpPolicy>} [p] @returns {OtpPolicy} */
export function normalizePolicy(p = {}) {
  return { ...DEFAULT_POLICY, ...p };
}

const SECRET_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890';

/** Keycloak's HmacOTP.generateSecret(20): 20 random characters from [A-Za-z0-9]. */
export function generateSecret(length = 20) {
  let s = '';
  for (let i = 0; i < length; i++) s += SECRET_CHARS[randomInt(SECRET_CHARS.length)];
  return s;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding (Keycloak's Base32.encode). @param {Uint8Array|string} input */
export function base32Encode(input) {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** Tolerant base32 decoder (case, spaces, '=' ignored). @param {string} s @returns {Buffer} */
export function base32Decode(s) {
  const clean = s.toUpperCase().replace(/[\s=]/g, '');
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** TotpUtils.encode: base32 of the raw secret in groups of 4 separated by spaces. @param {string} rawSecret */
export function formatSecretForDisplay(rawSecret) {
  return (base32Encode(rawSecret).match(/.{1,4}/g) ?? []).join(' ');
}

/** java.net.URLEncoder.encode(s, UTF-8) with '+' turned into %20 (what Keycloak puts in the key URI). */
export function javaUrlEncode(/** @type {string} */ s) {
  return encodeURIComponent(s).replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * The otpauth URI Keycloak puts in the QR code (TotpUtils.qrCode).
 * @param {{policy: OtpPolicy, issuer: string, account: string, rawSecret: string, secretBase32?: string}} a
 */
export function buildKeyUri({ policy, issuer, account, rawSecret, secretBase32 }) {
  const iss = javaUrlEncode(issuer);
  let uri = `otpauth://${policy.type}/${iss}:${javaUrlEncode(account)}?secret=${secretBase32 ?? base32Encode(rawSecret)}` +
    `&digits=${policy.digits}&algorithm=${policy.algorithm}&issuer=${iss}`;
  uri += policy.type === 'hotp' ? `&counter=${policy.initialCounter}` : `&period=${policy.period}`;
  return uri;
}

/**
 * RFC 4226 HOTP.
 * @param {{secret: Uint8Array, counter: number, algorithm?: OtpAlgorithm, digits?: number}} a
 */
export function hotp({ secret, counter, algorithm = 'SHA1', digits = 6 }) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(counter)));
  const h = createHmac(algorithm.toLowerCase(), secret).update(msg).digest();
  const off = /** @type {number} */ (h[h.length - 1]) & 0xf;
  const bin = (h.readUInt32BE(off) & 0x7fffffff) % 10 ** digits;
  return String(bin).padStart(digits, '0');
}

/** The TOTP time step of a moment. @param {number} nowMs @param {number} period seconds */
export function totpStep(nowMs, period) {
  return Math.floor(nowMs / 1000 / period);
}

/** TOTP code for a moment. @param {{secret: Uint8Array, nowMs: number, algorithm?: OtpAlgorithm, digits?: number, period?: number}} a */
export function totp({ secret, nowMs, algorithm = 'SHA1', digits = 6, period = 30 }) {
  return hotp({ secret, counter: totpStep(nowMs, period), algorithm, digits });
}

/**
 * TimeBasedOTP.validateTOTP: exact string match against the current step, then steps -i/+i for
 * i = 1..lookAround. Returns the matched step or null.
 * @param {{code: string, secret: Uint8Array, nowMs: number, algorithm?: OtpAlgorithm, digits?: number, period?: number, lookAround?: number}} a
 */
export function verifyTotp({ code, secret, nowMs, algorithm = 'SHA1', digits = 6, period = 30, lookAround = 1 }) {
  if (typeof code !== 'string' || code.length !== digits) return null;
  const t = totpStep(nowMs, period);
  const steps = [t];
  for (let i = 1; i <= lookAround; i++) steps.push(t - i, t + i);
  for (const s of steps) if (s >= 0 && hotp({ secret, counter: s, algorithm, digits }) === code) return s;
  return null;
}

/**
 * HmacOTP.validateHOTP: counters counter..counter+lookAround. Returns the matched counter or -1.
 * @param {{code: string, secret: Uint8Array, counter: number, algorithm?: OtpAlgorithm, digits?: number, lookAround?: number}} a
 */
export function verifyHotp({ code, secret, counter, algorithm = 'SHA1', digits = 6, lookAround = 1 }) {
  if (typeof code !== 'string' || code.length !== digits) return -1;
  for (let c = counter; c <= counter + lookAround; c++) if (hotp({ secret, counter: c, algorithm, digits }) === code) return c;
  return -1;
}

/**
 * Checks a code against ONE device (Keycloak validates the selected credential only).
 * Does not mutate: on success returns the fields to merge into the device.
 * @param {OtpDevice} device
 * @param {string|null|undefined} code
 * @param {number} nowMs server time
 * @param {{lookAround?: number, codeReusable?: boolean}} [opts]
 * @returns {{ok: true, step?: number, counter?: number, update: Partial<OtpDevice>} | {ok: false, reason: 'invalid'|'reused'}}
 */
export function checkDeviceCode(device, code, nowMs, { lookAround = 1, codeReusable = false } = {}) {
  if (typeof code !== 'string') return { ok: false, reason: 'invalid' };
  const secret = base32Decode(device.secret);
  const { algorithm, digits } = device;
  if (device.type === 'hotp') {
    const c = verifyHotp({ code, secret, counter: device.counter, algorithm, digits, lookAround });
    if (c < 0) return { ok: false, reason: 'invalid' };
    return { ok: true, counter: c, update: { counter: c + 1, lastUsedAt: nowMs } };
  }
  const step = verifyTotp({ code, secret, nowMs, algorithm, digits, period: device.period, lookAround });
  if (step === null) return { ok: false, reason: 'invalid' };
  /** @type {Record<string, number>} */
  const usedCodes = {};
  for (const [k, until] of Object.entries(device.usedCodes ?? {})) if (until > nowMs) usedCodes[k] = until;
  if (!codeReusable && usedCodes[code] !== undefined) return { ok: false, reason: 'reused' };
  usedCodes[code] = nowMs + device.period * (2 * lookAround + 1) * 1000;
  return { ok: true, step, update: { usedCodes, lastAcceptedStep: step, lastUsedAt: nowMs } };
}

/** Validation.isBlank @param {unknown} s */
export function isBlank(s) {
  return typeof s !== 'string' || s.trim().length === 0;
}

/**
 * OTPFormAuthenticator.validateOTP for one login attempt. The caller handles lockout.
 * @param {{devices: OtpDevice[], selectedCredentialId?: string|null, code?: string|null, nowMs: number, policy: OtpPolicy}} a
 * @returns {{outcome: 'rechallenge'} | {outcome: 'invalid', message: string} | {outcome: 'ok', deviceId: string, update: Partial<OtpDevice>}}
 */
export function validateLoginOtp({ devices, selectedCredentialId, code, nowMs, policy }) {
  if (code === null || code === undefined) return { outcome: 'rechallenge' };
  const id = selectedCredentialId ? selectedCredentialId : devices[0]?.id;
  const device = devices.find((d) => d.id === id);
  if (!device) return { outcome: 'invalid', message: MESSAGES.INVALID_TOTP };
  const r = checkDeviceCode(device, code, nowMs, policy);
  if (!r.ok) return { outcome: 'invalid', message: MESSAGES.INVALID_TOTP };
  return { outcome: 'ok', deviceId: device.id, update: r.update };
}

/**
 * UpdateTotp.processAction (CONFIGURE_TOTP), in Keycloak's order.
 * @param {{code?: string|null, postedSecret?: string|null, issuedSecret?: string|null, userLabel?: string|null,
 *   existingDevices: OtpDevice[], policy: OtpPolicy, nowMs: number, newId: string}} a
 * @returns {{ok: true, device: OtpDevice} | {ok: false, field: 'totp'|'userLabel', message: string}}
 */
export function validateSetup({ code, postedSecret, issuedSecret, userLabel, existingDevices, policy, nowMs, newId }) {
  if (isBlank(code)) return { ok: false, field: 'totp', message: MESSAGES.MISSING_TOTP };
  if (!issuedSecret || postedSecret !== issuedSecret) return { ok: false, field: 'totp', message: MESSAGES.INVALID_TOTP };
  /** @type {OtpDevice} */
  const device = {
    id: newId,
    label: typeof userLabel === 'string' ? userLabel : '',
    secret: base32Encode(issuedSecret),
    type: policy.type,
    algorithm: policy.algorithm,
    digits: policy.digits,
    period: policy.period,
    counter: policy.initialCounter,
    createdAt: nowMs,
    lastAcceptedStep: null,
    lastUsedAt: null,
    usedCodes: {},
  };
  // The setup code counts as used for the new device.
  const r = checkDeviceCode(device, code, nowMs, policy);
  if (!r.ok) return { ok: false, field: 'totp', message: MESSAGES.INVALID_TOTP };
  if (existingDevices.length >= 1 && isBlank(userLabel)) {
    return { ok: false, field: 'userLabel', message: MESSAGES.MISSING_TOTP_DEVICE_NAME };
  }
  if (!isBlank(userLabel) && existingDevices.some((d) => d.label === userLabel)) {
    return { ok: false, field: 'userLabel', message: MESSAGES.DUPLICATE_DEVICE_NAME };
  }
  return { ok: true, device: { ...device, ...r.update } };
}
