import { resolve } from 'node:path';
import { defineConfig } from 'wxt';
import { THINGPARK_MATCHES } from './lib/platforms/saas-hosts';
import { manifestContentScripts } from './lib/platforms/page-scripts';

export default defineConfig({
  // auto-icons: every size of the extension's icon from one drawing (assets/icon.svg); the
  // toolbar's locked look comes from the same drawing (modules/locked-icon.ts, loaded by WXT).
  modules: ['@wxt-dev/webextension-polyfill', '@wxt-dev/auto-icons'],
  autoIcons: {
    baseIconPath: 'assets/icon.svg',
    sizes: [128, 96, 48, 32, 16],
    // Grey means "locked" on our toolbar button: a development build keeps its colours.
    developmentIndicator: false,
  },
  // Every import is written out, so that a reader follows it in one hop (no auto-imports from
  // components/ and utils/).
  imports: false,
  // TPA_OUT_DIR: a separate build directory (tests/browsers.mjs reads it too).
  outDir: process.env.TPA_OUT_DIR || '.output',
  manifestVersion: 3,
  hooks: {
    // Scripts that run inside web pages use the browser's own promise-based API (Firefox's
    // `browser`, Chrome MV3's `chrome`) instead of webextension-polyfill: they load on every
    // ThingPark page, and the polyfill would be a third of their size.
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
      // Opens the popup: its list of codes, or its unlock form, without reaching for the mouse.
      _execute_action: {
        suggested_key: { default: 'Alt+Shift+T' },
        description: '__MSG_openPopup__',
      },
      'fill-one-time-code': {
        suggested_key: { default: 'Alt+Shift+O' },
        description: '__MSG_fillOneTimeCode__',
      },
    },
    host_permissions: THINGPARK_MATCHES,
    // The page scripts are unlisted scripts declared here, not WXT content scripts: see why in
    // entrypoints/thingpark/index.ts. Which pages get which, and when: lib/platforms/page-scripts.ts.
    content_scripts: manifestContentScripts(THINGPARK_MATCHES, browser === 'firefox' ? 'firefox' : 'chrome'),
    // Self-hosted platforms: the options page asks for one exact host at a time (lib/platforms/self-hosted.ts).
    optional_host_permissions: ['https://*/*', 'http://localhost/*', 'http://127.0.0.1/*'],
    // The toolbar's sizes of the icon auto-icons generates (it fills only `icons`).
    action: { default_title: '__MSG_extName__', default_icon: { 16: 'icons/16.png', 32: 'icons/32.png' } },
    content_security_policy: {
      extension_pages: "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    },
    // Policies for support teams (lib/settings/policy.ts). Firefox reads managed storage from a
    // "storage" native manifest or enterprise policies and needs no schema.
    ...(browser === 'firefox' ? {} : { storage: { managed_schema: 'managed_schema.json' } }),
    // The oldest Chrome the built code runs in: Vite builds for its "Baseline widely available"
    // target, Chrome 111, above what the APIs need (Chrome 102: storage.session, kept from content
    // scripts by default; optional_host_permissions; scripting's injectImmediately).
    ...(browser === 'firefox' ? {} : { minimum_chrome_version: '111' }),
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'thingpark-autofill@thingpark-autofill.dev',
              // data_collection_permissions (the store's data declaration) needs Firefox 140,
              // above what the code needs (Vite's target, Firefox 114; storage.session, 115).
              strict_min_version: '140.0',
              data_collection_permissions: { required: ['none'] },
            },
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : {}),
  }),
});
