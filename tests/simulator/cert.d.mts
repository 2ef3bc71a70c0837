export declare const CERT_SUBJECT_ALT_NAMES: string;
export type SelfSignedCert = {
    key: string;
    cert: string;
    spkiSha256: string;
    fingerprint256: string;
};
/**
 * A 2-day RSA 2048 self-signed cert covering the ThingPark hosts, localhost and 127.0.0.1.
 * `spkiSha256` (base64) is what Chrome's --ignore-certificate-errors-spki-list expects.
 * @returns {Promise<SelfSignedCert>}
 */
export declare function getSelfSignedCert(): Promise<SelfSignedCert>;
