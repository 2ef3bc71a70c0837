import { resolve } from 'node:path';
import { defineConfig } from 'wxt';
import { OTP_PAGE_MATCHES, SETUP_PAGE_MATCHES, THINGPARK_MATCHES } from './lib/platforms/saas-hosts';

/**
 * When the page scripts run (issue 7's fill latency and page-load overhead, measured with
 * `npm run bench`). Chromium: document_end, right after DOMContentLoaded; its document_idle made
 * pages load no faster and fills later. Firefox: document_idle (after the load event), which
 * takes our work out of the page's load at the same fill latency. entrypoints/background/index.ts mirrors
 * this for the scripts registered at run time for self-hosted platforms.
 */
function pageScriptsRunAt(browser: string): 'document_end' | 'document_idle' {
  return browser === 'firefox' ? 'document_idle' : 'document_end';
}

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  // Every import is written out, so that a reader follows it in one hop (no auto-imports from
  // components/ and utils/).
  imports: false,
  // TPA_OUT_DIR: a separate build directory (tests/browsers.mjs reads it too).
  outDir: process.env.TPA_OUT_DIR || '.output',
  manifestVersion: 3,
  hooks: {
    // Scripts that run inside web pages use the browser's own promise-based API (Firefox's
    // `browser`, Chrome MV3's `chrome`) instead of webextension-polyfill: they load on every
    // ThingPark page, and the polyfill would be a third of their size (issue 7's budget).
    'vite:build:extendConfig': (entrypoints, config) => {
      const inPage = new Set(['content-script', 'unlisted-script']);
      if (!entrypoints.every((e) => inPage.has(e.type))) return;
      const alias = config.resolve?.alias;
      const entries = Array.isArray(alias) ? alias : Object.entries(alias ?? {}).map(([find, replacement]) => ({ find, replacement }));
      config.resolve = {
        ...config.resolve,
        // First match wins: ours goes before the polyfill module's.
        alias: [{ find: /^wxt\/browser$/, replacement: resolve('utils/page/native-browser.ts') }, ...entries],
      };
    },
  },
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    // activeTab: the "Fill one-time code" shortcut and menu reach the page the user points at.
    permissions: ['storage', 'alarms', 'scripting', 'contextMenus', 'activeTab'],
    commands: {
      'fill-one-time-code': {
        suggested_key: { default: 'Alt+Shift+O' },
        description: '__MSG_fillOneTimeCode__',
      },
    },
    host_permissions: THINGPARK_MATCHES,
    // The page scripts are unlisted scripts declared here, not WXT content scripts: see why in
    // entrypoints/thingpark/index.ts. When they run: see pageScriptsRunAt. Keycloak's required-action pages (TOTP
    // setup) also get the QR reader, first, so that it is there when thingpark.js looks for it
    // (no round trip to have it injected); every other page gets thingpark.js alone (no jsQR).
    // Keycloak's OTP pages ask for their code as they start loading (otp-prefetch.js, a few
    // hundred bytes; lib/keycloak/prefetch.ts says why).
    content_scripts: [
      { matches: OTP_PAGE_MATCHES, js: ['otp-prefetch.js'], run_at: 'document_start' },
      { matches: SETUP_PAGE_MATCHES, js: ['qr-reader.js'], run_at: pageScriptsRunAt(browser) },
      { matches: THINGPARK_MATCHES, js: ['thingpark.js'], run_at: pageScriptsRunAt(browser) },
    ],
    // Self-hosted platforms: the options page asks for one exact host at a time (lib/platforms/self-hosted.ts).
    optional_host_permissions: ['https://*/*', 'http://localhost/*', 'http://127.0.0.1/*'],
    action: { default_title: '__MSG_extName__' },
    content_security_policy: {
      extension_pages: "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    },
    // Policies for support teams (lib/settings/policy.ts). Firefox reads managed storage from a
    // "storage" native manifest or enterprise policies and needs no schema.
    ...(browser === 'firefox' ? {} : { storage: { managed_schema: 'managed_schema.json' } }),
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'thingpark-autofill@thingpark-autofill.dev',
              strict_min_version: '140.0',
              data_collection_permissions: { required: ['none'] },
            },
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : {}),
  }),
});
