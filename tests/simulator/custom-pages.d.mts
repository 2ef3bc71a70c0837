import * as kc from './keycloak.mjs';
export type CustomVariant = 'single' | 'segmented' | 'named';
export type CustomUser = {
    devices: kc.OtpDevice[];
    locked: boolean;
    failedOtp: number;
};
export type CustomContext = {
    send: (res: import('node:http').ServerResponse, status: number, body: string) => void;
    now: () => number;
    realms: Record<string, {
        otpPolicy: kc.OtpPolicy;
    }>;
    findUser: (realm: string, username: string) => CustomUser | null;
    defaultRealm: string;
};
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
export declare const CUSTOM_VARIANTS: ReadonlyArray<CustomVariant>;
/**
 * The custom OTP page.
 * @param {{username: string, variant: CustomVariant, realm?: string|null}} a
 */
export declare function renderCustomOtpPage({ username, variant, realm }: {
    username: string;
    variant: CustomVariant;
    realm?: string | null;
}): string;
/** @param {boolean} ok */
export declare function renderCustomResult(ok: boolean): string;
/**
 * Checks a posted code like the Keycloak OTP login, against each of the user's devices.
 * @param {CustomContext} ctx @param {URLSearchParams} form @returns {boolean}
 */
export declare function verifyCustomCode(ctx: CustomContext, form: URLSearchParams): boolean;
/**
 * Routes a '/custom/...' request; answers 404/405 for anything else under '/custom/'.
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
 * @param {URL} url @param {CustomContext} ctx
 */
export declare function handleCustom(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL, ctx: CustomContext): Promise<void>;
