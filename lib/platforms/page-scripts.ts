/**
 * The scripts that run in ThingPark's pages, where and when: one table that both the manifest
 * (wxt.config.ts, for the SaaS hosts) and the background's registration for self-hosted platforms
 * read, so that a self-hosted platform gets exactly what a SaaS host gets.
 *
 * The file names are part of the contract: registered scripts persist across updates and name
 * these files, so they never change (`qr-reader.js` is named for the QR reader it once carried).
 */
import { otpPagesOf, setupPagesOf } from './saas-hosts';
import { otpScriptIdOf, setupScriptIdOf } from './self-hosted';

export type Browser = 'chrome' | 'firefox';
export type RunAt = 'document_start' | 'document_end' | 'document_idle';

export interface PageScript {
  /** The built file, at the extension's root. */
  file: 'otp-prefetch.js' | 'qr-reader.js' | 'thingpark.js';
  /** The pages of a host that get it, from the host's `scheme://host/*` pattern. */
  pagesOf: (hostPattern: string) => string;
  /** Its registered id for a self-hosted platform, from the platform's page-script id. */
  idOf: (scriptId: string) => string;
  /** 'start': as the page starts loading; 'page': with the page (pageScriptsRunAt). */
  when: 'start' | 'page';
}

/**
 * In injection order. Keycloak's OTP pages ask for their code as they start loading
 * (otp-prefetch.js, a few hundred bytes; lib/keycloak/prefetch.ts says why). Keycloak's
 * required-action pages (TOTP setup) get the setup page's script first, so that it is there when
 * thingpark.js looks for it (no round trip to have it injected); every other page gets
 * thingpark.js alone (no QR code handling).
 */
export const PAGE_SCRIPTS: readonly PageScript[] = [
  { file: 'otp-prefetch.js', pagesOf: otpPagesOf, idOf: otpScriptIdOf, when: 'start' },
  { file: 'qr-reader.js', pagesOf: setupPagesOf, idOf: setupScriptIdOf, when: 'page' },
  { file: 'thingpark.js', pagesOf: (hostPattern) => hostPattern, idOf: (scriptId) => scriptId, when: 'page' },
];

/**
 * When the page scripts run, from the fill latency and page-load overhead `npm run bench`
 * measures. Chromium: document_end, right after DOMContentLoaded; its document_idle made pages
 * load no faster and fills later. Firefox: document_idle (after the load event), which takes our
 * work out of the page's load at the same fill latency.
 */
export function pageScriptsRunAt(browser: Browser): 'document_end' | 'document_idle' {
  return browser === 'firefox' ? 'document_idle' : 'document_end';
}

export const runAtOf = (script: PageScript, browser: Browser): RunAt =>
  script.when === 'start' ? 'document_start' : pageScriptsRunAt(browser);

/** The manifest's `content_scripts` for the given host patterns. */
export function manifestContentScripts(hostPatterns: readonly string[], browser: Browser) {
  return PAGE_SCRIPTS.map((s) => ({ matches: hostPatterns.map(s.pagesOf), js: [s.file], run_at: runAtOf(s, browser) }));
}

/**
 * What `scripting.registerContentScripts` gets for one self-hosted platform: the scripts that run
 * with the page first (setup page's, then the page script: their order matters), then the early
 * request, the order in which earlier versions registered them (the browser lists them so).
 */
export function registeredScripts(scriptId: string, hostPattern: string, browser: Browser) {
  const inOrder = [...PAGE_SCRIPTS.filter((s) => s.when === 'page'), ...PAGE_SCRIPTS.filter((s) => s.when === 'start')];
  return inOrder.map((s) => ({
    id: s.idOf(scriptId),
    matches: [s.pagesOf(hostPattern)],
    js: [`/${s.file}`],
    runAt: runAtOf(s, browser),
    persistAcrossSessions: true,
  }));
}
