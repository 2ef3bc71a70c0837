/** Keycloak's English messages (messages_en.properties) used by the simulator. */
export declare const MESSAGES: Readonly<{
    INVALID_USER: "Invalid username or password.";
    INVALID_TOTP: "Invalid authenticator code.";
    MISSING_TOTP: "Please specify authenticator code.";
    MISSING_TOTP_DEVICE_NAME: "Please specify device name.";
    DUPLICATE_DEVICE_NAME: "Device already exists with the same name";
    ACCOUNT_DISABLED: "Account is temporarily disabled; contact your administrator or retry later.";
    CONFIGURE_TOTP: "You need to set up Mobile Authenticator to activate your account.";
    EXPIRED_ACTION: "Action expired. Please continue with login now.";
    LOGIN_TIMEOUT: "Your login attempt timed out. Login will start from the beginning.";
}>;
export type OtpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';
export type OtpPolicy = {
    type: 'totp' | 'hotp';
    algorithm: OtpAlgorithm;
    digits: number;
    period: number;
    lookAround: number;
    initialCounter: number;
    codeReusable: boolean;
};
export type OtpDevice = {
    id: string;
    label: string;
    secret: string;
    type: 'totp' | 'hotp';
    algorithm: OtpAlgorithm;
    digits: number;
    period: number;
    counter: number;
    createdAt?: number;
    lastAcceptedStep?: number | null;
    lastUsedAt?: number | null;
    usedCodes?: Record<string, number>;
};
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
export declare const DEFAULT_POLICY: Readonly<OtpPolicy>;
/** Number of consecutive wrong login codes after which the user is locked. */
export declare const MAX_OTP_FAILURES = 5;
/** @param {Partial<OtpPolicy>} [p] @returns {OtpPolicy} */
export declare function normalizePolicy(p?: Partial<OtpPolicy>): OtpPolicy;
/** Keycloak's HmacOTP.generateSecret(20): 20 random characters from [A-Za-z0-9]. */
export declare function generateSecret(length?: number): string;
/** RFC 4648 base32 without padding (Keycloak's Base32.encode). @param {Uint8Array|string} input */
export declare function base32Encode(input: Uint8Array | string): string;
/** Tolerant base32 decoder (case, spaces, '=' ignored). @param {string} s @returns {Buffer} */
export declare function base32Decode(s: string): Buffer;
/** TotpUtils.encode: base32 of the raw secret in groups of 4 separated by spaces. @param {string} rawSecret */
export declare function formatSecretForDisplay(rawSecret: string): string;
/** java.net.URLEncoder.encode(s, UTF-8) with '+' turned into %20 (what Keycloak puts in the key URI). */
export declare function javaUrlEncode(/** @type {string} */ s: string): string;
/**
 * The otpauth URI Keycloak puts in the QR code (TotpUtils.qrCode).
 * @param {{policy: OtpPolicy, issuer: string, account: string, rawSecret: string, secretBase32?: string}} a
 */
export declare function buildKeyUri({ policy, issuer, account, rawSecret, secretBase32 }: {
    policy: OtpPolicy;
    issuer: string;
    account: string;
    rawSecret: string;
    secretBase32?: string;
}): string;
/**
 * RFC 4226 HOTP.
 * @param {{secret: Uint8Array, counter: number, algorithm?: OtpAlgorithm, digits?: number}} a
 */
export declare function hotp({ secret, counter, algorithm, digits }: {
    secret: Uint8Array;
    counter: number;
    algorithm?: OtpAlgorithm;
    digits?: number;
}): string;
/** The TOTP time step of a moment. @param {number} nowMs @param {number} period seconds */
export declare function totpStep(nowMs: number, period: number): number;
/** TOTP code for a moment. @param {{secret: Uint8Array, nowMs: number, algorithm?: OtpAlgorithm, digits?: number, period?: number}} a */
export declare function totp({ secret, nowMs, algorithm, digits, period }: {
    secret: Uint8Array;
    nowMs: number;
    algorithm?: OtpAlgorithm;
    digits?: number;
    period?: number;
}): string;
/**
 * TimeBasedOTP.validateTOTP: exact string match against the current step, then steps -i/+i for
 * i = 1..lookAround. Returns the matched step or null.
 * @param {{code: string, secret: Uint8Array, nowMs: number, algorithm?: OtpAlgorithm, digits?: number, period?: number, lookAround?: number}} a
 */
export declare function verifyTotp({ code, secret, nowMs, algorithm, digits, period, lookAround }: {
    code: string;
    secret: Uint8Array;
    nowMs: number;
    algorithm?: OtpAlgorithm;
    digits?: number;
    period?: number;
    lookAround?: number;
}): number | null;
/**
 * HmacOTP.validateHOTP: counters counter..counter+lookAround. Returns the matched counter or -1.
 * @param {{code: string, secret: Uint8Array, counter: number, algorithm?: OtpAlgorithm, digits?: number, lookAround?: number}} a
 */
export declare function verifyHotp({ code, secret, counter, algorithm, digits, lookAround }: {
    code: string;
    secret: Uint8Array;
    counter: number;
    algorithm?: OtpAlgorithm;
    digits?: number;
    lookAround?: number;
}): number;
/**
 * Checks a code against ONE device (Keycloak validates the selected credential only).
 * Does not mutate: on success returns the fields to merge into the device.
 * @param {OtpDevice} device
 * @param {string|null|undefined} code
 * @param {number} nowMs server time
 * @param {{lookAround?: number, codeReusable?: boolean}} [opts]
 * @returns {{ok: true, step?: number, counter?: number, update: Partial<OtpDevice>} | {ok: false, reason: 'invalid'|'reused'}}
 */
export declare function checkDeviceCode(device: OtpDevice, code: string | null | undefined, nowMs: number, { lookAround, codeReusable }?: {
    lookAround?: number;
    codeReusable?: boolean;
}): {
    ok: true;
    step?: number;
    counter?: number;
    update: Partial<OtpDevice>;
} | {
    ok: false;
    reason: 'invalid' | 'reused';
};
/** Validation.isBlank @param {unknown} s */
export declare function isBlank(s: unknown): boolean;
/**
 * OTPFormAuthenticator.validateOTP for one login attempt. The caller handles lockout.
 * @param {{devices: OtpDevice[], selectedCredentialId?: string|null, code?: string|null, nowMs: number, policy: OtpPolicy}} a
 * @returns {{outcome: 'rechallenge'} | {outcome: 'invalid', message: string} | {outcome: 'ok', deviceId: string, update: Partial<OtpDevice>}}
 */
export declare function validateLoginOtp({ devices, selectedCredentialId, code, nowMs, policy }: {
    devices: OtpDevice[];
    selectedCredentialId?: string | null;
    code?: string | null;
    nowMs: number;
    policy: OtpPolicy;
}): {
    outcome: 'rechallenge';
} | {
    outcome: 'invalid';
    message: string;
} | {
    outcome: 'ok';
    deviceId: string;
    update: Partial<OtpDevice>;
};
/**
 * UpdateTotp.processAction (CONFIGURE_TOTP), in Keycloak's order.
 * @param {{code?: string|null, postedSecret?: string|null, issuedSecret?: string|null, userLabel?: string|null,
 *   existingDevices: OtpDevice[], policy: OtpPolicy, nowMs: number, newId: string}} a
 * @returns {{ok: true, device: OtpDevice} | {ok: false, field: 'totp'|'userLabel', message: string}}
 */
export declare function validateSetup({ code, postedSecret, issuedSecret, userLabel, existingDevices, policy, nowMs, newId }: {
    code?: string | null;
    postedSecret?: string | null;
    issuedSecret?: string | null;
    userLabel?: string | null;
    existingDevices: OtpDevice[];
    policy: OtpPolicy;
    nowMs: number;
    newId: string;
}): {
    ok: true;
    device: OtpDevice;
} | {
    ok: false;
    field: 'totp' | 'userLabel';
    message: string;
};
