import http from 'node:http';
import * as kc from './keycloak.mjs';
export { MESSAGES } from './keycloak.mjs';
export declare const DEFAULT_REALM = "tpw-users-actility-tpe-ope";
export declare const DEMO_PASSWORD = "demo-password";
export declare const CLIENT_ID = "tpe";
export declare const CONFIGURE_TOTP = "CONFIGURE_TOTP";
/** Keycloak's authentication-session ("login") timeout. */
export declare const LOGIN_TIMEOUT_MS: number;
/** Execution ids of the browser flow's steps (Keycloak uses the flow's execution UUIDs). */
export declare const EXECUTIONS: Readonly<{
    password: "0d1e7a4c-6a51-4d6f-9b2e-5c3f8a7d1e01";
    otp: "7b9c2e5f-1d3a-4c8b-a6e4-2f0d9c8b7a02";
}>;
export type Theme = 'classic' | 'v2';
export type Realm = {
    name: string;
    displayName: string;
    theme: Theme;
    otpRequired: boolean;
    otpPolicy: kc.OtpPolicy;
};
export type RealmSpec = {
    name?: string;
    displayName?: string;
    theme?: Theme;
    otpRequired?: boolean;
    otpPolicy?: Partial<kc.OtpPolicy>;
};
export type DeviceSpec = {
    id?: string;
    label?: string;
    secret?: string;
    secretRaw?: string;
    type?: 'totp' | 'hotp';
    algorithm?: kc.OtpAlgorithm;
    digits?: number;
    period?: number;
    counter?: number;
};
export type UserSpec = {
    username: string;
    password?: string;
    realm?: string;
    theme?: Theme;
    devices?: DeviceSpec[];
    requiredActions?: string[];
    setupQuirk?: 'noise-qr' | 'mismatch-qr' | null;
    purpose?: string;
};
export type Device = kc.OtpDevice & {
    secretRaw?: string;
};
export type User = {
    username: string;
    password: string;
    realm: string;
    theme: Theme;
    devices: Device[];
    requiredActions: string[];
    setupQuirk: 'noise-qr' | 'mismatch-qr' | null;
    purpose: string;
    locked: boolean;
    failedOtp: number;
};
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
export declare const DEFAULT_REALMS: Readonly<Record<string, RealmSpec>>;
/** Fixed secrets of the pre-existing devices, so tests can compute codes. */
export declare const FIXED_DEVICES: Readonly<{
    patPixel7: Readonly<{
        id: string;
        label: string;
        secretRaw: string;
        secretBase32: string;
    }>;
    multiPixel7: Readonly<{
        id: string;
        label: string;
        secretRaw: string;
        secretBase32: string;
    }>;
    multiWorkPhone: Readonly<{
        id: string;
        label: string;
        secretRaw: string;
        secretBase32: string;
    }>;
    multiV2Pixel7: Readonly<{
        id: string;
        label: string;
        secretRaw: string;
        secretBase32: string;
    }>;
    multiV2WorkPhone: Readonly<{
        id: string;
        label: string;
        secretRaw: string;
        secretBase32: string;
    }>;
}>;
/** The default users (all with password DEMO_PASSWORD). @type {ReadonlyArray<UserSpec>} */
export declare const DEFAULT_USERS: ReadonlyArray<UserSpec>;
export type Tab = {
    tabId: string;
    rootId: string;
    realm: string;
    kcPath: string;
    clientId: string;
    redirectUri: string;
    state: string | null;
    nonce: string | null;
    createdAt: number;
    step: 'login' | 'otp' | 'required-action';
    username: string | null;
    attemptedUsername: string | null;
    sessionCode: string;
    loginTheme: Theme;
    issuedSecret: string | null;
    selectedCredentialId: string | null;
    appInitiated: boolean;
};
export type SsoSession = {
    id: string;
    realm: string;
    username: string;
    kcPath: string;
    createdAt: number;
};
export type LogEntry = {
    method: string;
    path: string;
    host: string;
    at: number;
    headers: http.IncomingHttpHeaders;
    status: number;
    location: string | null;
};
export type HeldSetupAnswer = {
    outcome: 'registered' | 'refused' | 'cancelled';
    realm: string;
    username: string;
    deviceLabel: string | null;
    release: () => Promise<void>;
    drop: () => void;
    settled: boolean;
};
export type SetupHold = {
    next: () => Promise<HeldSetupAnswer>;
    held: HeldSetupAnswer[];
    stop: () => Promise<void>;
};
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
export declare function createSimulator(options?: {
    port?: number;
    https?: boolean;
    host?: string;
    users?: UserSpec[];
    realms?: Record<string, RealmSpec>;
    clockOffsetMs?: number;
    lateDelayMs?: number;
}): Promise<{
    /** When true, OTP pages omit the attempted user name (as some custom themes do). */
    hideAttemptedUsername: boolean;
    origin: string;
    port: number;
    https: boolean;
    /** PEM key/cert and SPKI hash in https mode, else null. */
    cert: import("./cert.mjs").SelfSignedCert | null;
    realms: Record<string, Realm>;
    loginUrl: (realm?: string, o?: {
        base?: string;
        kcPath?: string;
        theme?: Theme;
        redirectUri?: string;
        extra?: Record<string, string>;
    }) => string;
    /** Live user records (mutated by logins and enrollments). */
    readonly users: User[];
    /**
     * Every request: method, path (with query), host, at (real ms), the request's headers (lower
     * case, as Node gives them), and once answered its status and Location (redirects).
     */
    readonly log: LogEntry[];
    readonly clockOffsetMs: number;
    /** Server time in ms (Date.now() + offset). */
    now: () => number;
    /** @param {string} realm @param {string} username */
    devices(realm: string, username: string): {
        id: string;
        label: string;
        secretBase32: string;
        algorithm: kc.OtpAlgorithm;
        digits: number;
        period: number;
        type: "hotp" | "totp";
        counter: number;
    }[];
    /** @param {number} ms */
    setClockOffset(ms: number): void;
    /** @param {string} username @param {Theme} theme @param {string} [realm] */
    setTheme(username: string, theme: Theme, realm?: string): void;
    /** Unlocks a user locked by too many wrong codes (what a password reset does). @param {string} username @param {string} [realm] */
    unlock(username: string, realm?: string): void;
    /**
     * Holds the answers to setup forms' POSTs (Keycloak's CONFIGURE_TOTP required action) from
     * now on, each after the POST was handled: a device it registers is in `devices()` while its
     * answer is held, as Keycloak registers it before it answers. The test then sends the answer
     * (`release`) or never does (`drop`: the connection closes). One hold at a time; a new one
     * ends the last (sending what it still held).
     * @returns {SetupHold}
     */
    holdSetupAnswers(): SetupHold;
    /** Restores the initial users and clock offset; drops all sessions and the request log. */
    reset(): void;
    close(): Promise<void>;
}>;
