/**
 * Launching the system's Chromium and Firefox with the built extension, shared by the e2e tests
 * and `npm start`. The recipes are those proven on these machines
 * (../shared/reference/browser-testing.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import puppeteer from 'puppeteer-core';
import { startProxy } from './simulator/proxy.mjs';

export const GECKO_ID = 'thingpark-autofill@thingpark-autofill.dev';
// A fixed internal UUID makes moz-extension://<uuid>/popup.html predictable.
export const FIREFOX_UUID = '3f6d2a4e-8b1c-4e7a-9c2d-5a6b7c8d9e0f';

/** A self-hosted platform's address (not built in: the user adds it in the options page). */
export const SELF_HOSTED_HOST = 'tpe.integrator.example';

/** The public ThingPark hosts (and one self-hosted one) that tests serve from the local simulator. */
export const THINGPARK_HOSTS = [
  'community.thingpark.io',
  'thingparkenterprise.eu.actility.com',
  'thingparkenterprise.us.actility.com',
  'other.thingpark.com',
  SELF_HOSTED_HOST,
];

const CANDIDATES = {
  // The real binary avoids the Debian wrapper's extra flags.
  chromium: ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'],
  firefox: ['/usr/bin/firefox-esr', '/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox'],
};

/**
 * The browser binary: CHROME_PATH / FIREFOX_PATH, else the usual install paths, else an error
 * that names what to install.
 * @param {'chromium' | 'firefox'} kind
 */
export function findBrowser(kind) {
  const variable = kind === 'chromium' ? 'CHROME_PATH' : 'FIREFOX_PATH';
  const fromEnv = process.env[variable];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${variable}=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = CANDIDATES[kind].find((p) => existsSync(p));
  if (found) return found;
  const pkg = kind === 'chromium' ? 'chromium' : 'firefox-esr';
  throw new Error(
    `No ${kind} found (looked in ${CANDIDATES[kind].join(', ')}). Install it with ` +
      `"sudo apt-get install -y ${pkg}" or set ${variable} to the browser's executable.`,
  );
}

/** @param {'chromium' | 'firefox'} kind */
/** The add-on id in an unpacked extension's manifest (ours when it names none). @param {string} dir */
function geckoIdOf(dir) {
  const file = resolve(dir, 'manifest.json');
  if (!existsSync(file)) return GECKO_ID;
  return JSON.parse(readFileSync(file, 'utf8')).browser_specific_settings?.gecko?.id ?? GECKO_ID;
}

export const extensionDir = (kind) =>
  // TPA_OUT_DIR: a separate build (wxt.config.ts reads it too), so parallel work cannot swap the
  // extension under a running test.
  resolve(process.env.TPA_OUT_DIR || '.output', kind === 'chromium' ? 'chrome-mv3' : 'firefox-mv3');

/**
 * @typedef {object} LaunchOptions
 * @property {'chromium' | 'firefox'} kind
 * @property {string} profileDir
 * @property {boolean} [headless]
 * @property {string} [lang]                        UI language, e.g. 'fr'
 * @property {Record<string, unknown>} [firefoxPrefs]
 * @property {string[]} [chromiumArgs]
 * @property {number} [thingparkPort]               serve the ThingPark hosts (https) from this local port
 * @property {boolean} [extension]                  false: the same browser and flags without the extension (benchmarks' baseline)
 * @property {string} [extensionPath]              another unpacked extension instead of ours (benchmarks' control)
 * @property {Record<string, string>} [env]         extra environment variables for the browser (e.g. HOME, where
 *                                                  Firefox looks for ~/.mozilla/managed-storage)
 */

/**
 * Launches the browser and installs the built extension.
 * @param {LaunchOptions} o
 * @returns {Promise<{ browser: import('puppeteer-core').Browser, extOrigin: string, proxy: Awaited<ReturnType<typeof startProxy>> | null }>}
 */
export async function launchWithExtension(o) {
  const dir = o.extensionPath ?? extensionDir(o.kind);
  if (o.extension !== false && !existsSync(resolve(dir, 'manifest.json'))) throw new Error(`${dir} is missing: run "npm run build" first.`);
  const headless = o.headless ?? true;
  let proxy = null;
  let browser;
  if (o.kind === 'chromium') {
    const hostRules = o.thingparkPort
      ? // Every ThingPark host goes to the simulator; everything else fails to resolve.
        [`--host-resolver-rules=${THINGPARK_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${o.thingparkPort}`).join(', ')}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1`]
      : [];
    browser = await puppeteer.launch({
      executablePath: findBrowser('chromium'),
      headless,
      pipe: true,
      enableExtensions: true,
      userDataDir: o.profileDir,
      acceptInsecureCerts: true,
      defaultViewport: headless ? { width: 1200, height: 900 } : null,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
        ...hostRules,
        ...(o.lang ? [`--lang=${o.lang}`] : []),
        ...(o.chromiumArgs ?? []),
      ],
      env: { ...process.env, ...(o.lang ? { LANGUAGE: o.lang } : {}), ...(o.env ?? {}) },
    });
  } else {
    if (o.thingparkPort) proxy = await startProxy({ targetPort: o.thingparkPort });
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: findBrowser('firefox'),
      headless,
      userDataDir: o.profileDir,
      acceptInsecureCerts: true,
      args: ['--remote-allow-system-access'],
      // Release builds ignore puppeteer's pref and keep polling remote settings without this.
      env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1', ...(o.env ?? {}) },
      extraPrefsFirefox: {
        // The control extension of the benchmarks, when installed instead of ours, gets the same UUID.
        'extensions.webextensions.uuids': JSON.stringify({ [geckoIdOf(dir)]: FIREFOX_UUID }),
        // A temporary add-on is uninstalled when Firefox quits; keep its data so that a
        // relaunch on the same profile behaves like a browser restart.
        'extensions.webextensions.keepStorageOnUninstall': true,
        'extensions.webextensions.keepUuidOnUninstall': true,
        ...(proxy
          ? {
              'network.proxy.type': 1,
              'network.proxy.ssl': '127.0.0.1',
              'network.proxy.ssl_port': proxy.port,
              'network.proxy.http': '127.0.0.1',
              'network.proxy.http_port': proxy.port,
              'network.proxy.no_proxies_on': '',
              'network.proxy.allow_hijacking_localhost': true,
              'network.trr.mode': 5,
            }
          : {}),
        ...(o.lang ? { 'intl.locale.requested': o.lang, 'intl.accept_languages': o.lang } : {}),
        ...(o.firefoxPrefs ?? {}),
      },
    });
  }
  if (o.extension === false) return { browser, extOrigin: '', proxy };
  try {
    const id = await browser.installExtension(dir);
    const extOrigin = o.kind === 'chromium' ? `chrome-extension://${id}` : `moz-extension://${FIREFOX_UUID}`;
    return { browser, extOrigin, proxy };
  } catch (e) {
    await browser.close();
    await proxy?.close();
    throw e;
  }
}
