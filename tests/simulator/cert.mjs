// Throwaway self-signed certificate for the simulator's HTTPS mode, made with the openssl CLI in
// a temporary directory (removed right after reading). Cached for the life of the process.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHash, X509Certificate } from 'node:crypto';

const run = promisify(execFile);

// A wildcard covers ONE label only, so '*.actility.com' does not match the SaaS hosts
// 'thingparkenterprise.eu.actility.com' etc.: the regional wildcards are added for them.
export const CERT_SUBJECT_ALT_NAMES =
  'DNS:community.thingpark.io,DNS:*.thingpark.io,DNS:*.thingpark.com,DNS:*.actility.com,' +
  'DNS:*.eu.actility.com,DNS:*.us.actility.com,DNS:*.au.actility.com,DNS:localhost,IP:127.0.0.1,' +
  // A self-hosted platform (an integrator's own address), for the options page's platforms.
  'DNS:tpe.integrator.example';

/** @typedef {{key: string, cert: string, spkiSha256: string, fingerprint256: string}} SelfSignedCert */

/** @type {Promise<SelfSignedCert>|null} */
let cached = null;

/**
 * A 2-day RSA 2048 self-signed cert covering the ThingPark hosts, localhost and 127.0.0.1.
 * `spkiSha256` (base64) is what Chrome's --ignore-certificate-errors-spki-list expects.
 * @returns {Promise<SelfSignedCert>}
 */
export function getSelfSignedCert() {
  if (!cached) {
    cached = generate().catch((err) => {
      cached = null;
      throw err;
    });
  }
  return cached;
}

async function generate() {
  const dir = await mkdtemp(join(tmpdir(), 'tpe-sim-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
      '-subj', '/CN=ThingPark login simulator',
      '-addext', `subjectAltName=${CERT_SUBJECT_ALT_NAMES}`,
      '-keyout', keyPath, '-out', certPath,
    ]);
    const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
    const x509 = new X509Certificate(cert);
    const spki = x509.publicKey.export({ type: 'spki', format: 'der' });
    return {
      key,
      cert,
      spkiSha256: createHash('sha256').update(spki).digest('base64'),
      fingerprint256: x509.fingerprint256,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
