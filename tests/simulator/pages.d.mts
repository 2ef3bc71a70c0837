export type Theme = 'classic' | 'v2';
export type PageMessage = {
    type: 'error' | 'warning' | 'info' | 'success';
    text: string;
};
export type OtpPolicy = import('./keycloak.mjs').OtpPolicy;
/** @typedef {'classic'|'v2'} Theme */
/** @typedef {{type: 'error'|'warning'|'info'|'success', text: string}} PageMessage */
/** @typedef {import('./keycloak.mjs').OtpPolicy} OtpPolicy */
/** Keycloak English texts used in the templates. */
export declare const TEXT: Readonly<{
    loginAccountTitle: "Sign in to your account";
    usernameOrEmail: "Username or email";
    password: "Password";
    doLogIn: "Sign In";
    doSubmit: "Submit";
    doCancel: "Cancel";
    showPassword: "Show password";
    restartLoginTooltip: "Restart login";
    loginOtpOneTime: "One-time code";
    authenticatorCode: "One-time code";
    loginTotpTitle: "Mobile Authenticator Setup";
    loginTotpStep1: "Install one of the following applications on your mobile:";
    loginTotpStep2: "Open the application and scan the barcode:";
    loginTotpStep3: "Enter the one-time code provided by the application and click Submit to finish the setup.";
    loginTotpStep3DeviceName: "Provide a Device Name to help you manage your OTP devices.";
    loginTotpManualStep2: "Open the application and enter the key:";
    loginTotpManualStep3: "Use the following configuration values if the application allows setting them:";
    loginTotpUnableToScan: "Unable to scan?";
    loginTotpScanBarcode: "Scan barcode?";
    loginTotpDeviceName: "Device Name";
    loginTotpType: "Type";
    loginTotpAlgorithm: "Algorithm";
    loginTotpDigits: "Digits";
    loginTotpInterval: "Interval";
    loginTotpCounter: "Counter";
    'loginTotp.totp': "Time-based";
    'loginTotp.hotp': "Counter-based";
    logoutOtherSessions: "Sign out from other devices";
    unnamed: "unnamed";
    supportedApps: string[];
}>;
/** @param {unknown} s */
export declare function escapeHtml(s: unknown): string;
export declare const QR_SIZE = 246;
/**
 * Keycloak's QR: a 246x246 PNG of the key URI, as `data:image/png;base64, <b64>` (with the SPACE
 * Keycloak's template puts after the comma).
 * @param {string} text
 */
export declare function qrDataUrl(text: string): Promise<string>;
/** A valid 246x246 PNG that is NOT a readable QR code (random noise), same data-URL shape. */
export declare function noiseQrDataUrl(): string;
export type LayoutArgs = {
    realmDisplayName: string;
    header: string;
    body: string;
    message?: PageMessage | null;
    attemptedUsername?: string | null;
    restartUrl?: string | null;
};
/**
 * @typedef {{
 *   realmDisplayName: string, header: string, body: string, message?: PageMessage|null,
 *   attemptedUsername?: string|null, restartUrl?: string|null
 * }} LayoutArgs
 */
/** base/keycloak template.ftl @param {LayoutArgs} a */
export declare function classicLayout(a: LayoutArgs): string;
/** keycloak.v2 template.ftl @param {LayoutArgs} a */
export declare function v2Layout(a: LayoutArgs): string;
/**
 * Username/password page (login.ftl).
 * @param {{theme: Theme, realmDisplayName: string, actionUrl: string, username?: string,
 *   error?: string|null, message?: PageMessage|null}} a
 */
export declare function renderLoginPage(a: {
    theme: Theme;
    realmDisplayName: string;
    actionUrl: string;
    username?: string;
    error?: string | null;
    message?: PageMessage | null;
}): string;
/**
 * OTP login page (login-otp.ftl).
 * @param {{theme: Theme, realmDisplayName: string, actionUrl: string, attemptedUsername: string|null,
 *   restartUrl: string, credentials: {id: string, label: string}[], selectedCredentialId?: string|null,
 *   error?: string|null, message?: PageMessage|null, late?: boolean, lateDelayMs?: number}} a
 *   late: the form is inserted by an inline script after lateDelayMs (default 300), as on the setup page
 */
export declare function renderOtpPage(a: {
    theme: Theme;
    realmDisplayName: string;
    actionUrl: string;
    attemptedUsername: string | null;
    restartUrl: string;
    credentials: {
        id: string;
        label: string;
    }[];
    selectedCredentialId?: string | null;
    error?: string | null;
    message?: PageMessage | null;
    late?: boolean;
    lateDelayMs?: number;
}): string;
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
export declare function renderTotpSetupPage(a: {
    theme: Theme;
    realmDisplayName: string;
    actionUrl: string;
    attemptedUsername?: string | null;
    restartUrl?: string | null;
    qrDataUrl: string;
    totpSecret: string;
    totpSecretEncoded: string;
    policy: OtpPolicy;
    mode?: string | null;
    manualUrl: string;
    qrUrl: string;
    hasDevices: boolean;
    errors?: {
        totp?: string | null;
        userLabel?: string | null;
    };
    message?: PageMessage | null;
    late?: false | 'form' | 'all';
    lateDelayMs?: number;
    appInitiated?: boolean;
}): string;
/**
 * The ThingPark Enterprise app after login (not Keycloak).
 * @param {{username: string, realm: string, realmDisplayName: string, logoutUrl: string}} a
 */
export declare function renderDashboard(a: {
    username: string;
    realm: string;
    realmDisplayName: string;
    logoutUrl: string;
}): string;
/**
 * Keycloak's error.ftl.
 * @param {{theme?: Theme, realmDisplayName?: string, message: string}} a
 */
export declare function renderErrorPage(a: {
    theme?: Theme;
    realmDisplayName?: string;
    message: string;
}): string;
