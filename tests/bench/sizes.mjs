/**
 * Content script size: the bytes a ThingPark page loads from the extension, as built (minified),
 * and gzipped (level 9, what a compressed download would be; the browser reads the minified
 * bytes from the extension's package).
 * - OTP pages: what the manifest's content_scripts inject on ThingPark hosts: thingpark.js, and
 *   on Keycloak's login-actions/authenticate pages otp-prefetch.js (the early request for the
 *   code), plus any CSS they list. Each is one self-contained bundle (no imports); the check
 *   below fails loudly if a later build makes one pull chunks.
 * - Setup pages: the same plus qr-reader.js (the setup page's script; the QR image is read in the
 *   background since jsQR left the page scripts), which the manifest loads on Keycloak's
 *   required-action pages only (and the background injects into a setup page found elsewhere).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { extensionDir } from '../browsers.mjs';
import { figure } from './stats.mjs';

/** @typedef {import('./browser.mjs').Kind} Kind */

/** @param {Kind} kind @returns {import('./stats.mjs').Figure[]} */
export function measureSizes(kind) {
  const dir = extensionDir(kind);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  /** @type {string[]} */
  const injected = [];
  // Every ThingPark page: the entries not limited to Keycloak's required-action pages (those add
  // qr-reader.js on setup pages, counted below).
  const setupOnly = (/** @type {{matches: string[]}} */ cs) => cs.matches.every((m) => m.endsWith('/*/login-actions/required-action*'));
  for (const cs of manifest.content_scripts ?? []) if (!setupOnly(cs)) injected.push(...(cs.js ?? []), ...(cs.css ?? []));
  const files = [...new Set(injected)];
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    // A content script is a classic script: a static import or a chunk reference would be a
    // second download the figure must count.
    if (/\bimport\s*\(|^import\s|chunks\//m.test(text)) throw new Error(`${f} pulls other files: count them in tests/bench/sizes.mjs`);
  }
  const bytes = (/** @type {string[]} */ list) => {
    const buffers = list.map((f) => readFileSync(join(dir, f)));
    return {
      min: buffers.reduce((n, b) => n + b.length, 0),
      // Each file is its own download: gzip them one by one.
      gzip: buffers.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0),
    };
  };
  const otp = bytes(files);
  // Setup pages do not get the OTP pages' early request (otp-prefetch.js, on Keycloak's
  // login-actions/authenticate pages only).
  const otpOnly = new Set((manifest.content_scripts ?? []).filter((/** @type {{matches: string[]}} */ cs) => cs.matches.every((m) => m.endsWith('/*/login-actions/authenticate*'))).flatMap((/** @type {{js?: string[]}} */ cs) => cs.js ?? []));
  const setupFiles = [...files.filter((f) => !otpOnly.has(f)), 'qr-reader.js'];
  const setup = bytes(setupFiles);
  const build = kind === 'chromium' ? 'chrome-mv3' : 'firefox-mv3';
  return [
    figure({ id: 'size.otp.min', figure: 'content script size', browser: build, metric: `OTP page, minified (${files.join(' + ')})`, unit: 'bytes', value: otp.min, budget: { max: 15_000 } }),
    figure({ id: 'size.otp.gzip', figure: 'content script size', browser: build, metric: 'OTP page, gzipped', unit: 'bytes', value: otp.gzip }),
    figure({ id: 'size.setup.min', figure: 'content script size', browser: build, metric: `setup page, minified (${setupFiles.join(' + ')})`, unit: 'bytes', value: setup.min }),
    figure({ id: 'size.setup.gzip', figure: 'content script size', browser: build, metric: 'setup page, gzipped', unit: 'bytes', value: setup.gzip }),
  ];
}
