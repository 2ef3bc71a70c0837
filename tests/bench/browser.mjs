/**
 * Browsers for the benchmarks: the launch recipes of tests/browsers.mjs (the e2e tests' own),
 * with or without the extension, plus the few helpers the measurements need. Plain Node ESM.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extensionDir, launchWithExtension } from '../browsers.mjs';

/** @typedef {'chromium' | 'firefox'} Kind */
/** @typedef {import('puppeteer-core').Page} Page */

/**
 * @typedef {object} BenchBrowser
 * @property {Kind} kind
 * @property {import('puppeteer-core').Browser} browser
 * @property {string} extOrigin          '' without the extension
 * @property {string} version            e.g. 'Chromium 156.0.7632.0' / 'Firefox 153.8.0'
 * @property {(path: string) => Promise<Page>} openExtPage
 * @property {(message: Record<string, unknown>) => Promise<any>} send   a protocol message from an extension page
 * @property {() => Promise<void>} close
 */

/**
 * @param {{kind: Kind, thingparkPort?: number, extension?: boolean, extensionPath?: string}} o
 *   extensionPath: another unpacked extension instead of ours (the control, tests/bench/control.mjs)
 * @returns {Promise<BenchBrowser>}
 */
export async function launchBench(o) {
  const profileDir = mkdtempSync(join(tmpdir(), `tpa-bench-${o.kind}-`));
  const { browser, extOrigin, proxy } = await launchWithExtension({
    kind: o.kind,
    profileDir,
    ...(o.thingparkPort ? { thingparkPort: o.thingparkPort } : {}),
    extension: o.extension ?? true,
    ...(o.extensionPath ? { extensionPath: o.extensionPath } : {}),
  });
  const raw = await browser.version();
  // Chromium: 'HeadlessChrome/156.0.7632.0' or 'Chrome/...'; Firefox: 'firefox/153.8.0'.
  const version = o.kind === 'chromium' ? `Chromium ${raw.split('/')[1] ?? raw}` : `Firefox ${raw.split('/')[1] ?? raw}`;

  // The extension opens its options page on install: a page running for the whole bench would
  // be noise, so it goes (it opens a moment after the install).
  if (extOrigin && !o.extensionPath) await closeTab(browser, `${extOrigin}/options.html`, 5000);

  /** @type {Page | null} */
  let helper = null;

  /** @param {string} path */
  async function openExtPage(path) {
    if (!extOrigin) throw new Error('this browser has no extension');
    const page = await browser.newPage();
    await gotoExtPage(page, `${extOrigin}/${path}`, o.kind);
    return page;
  }

  return {
    kind: o.kind,
    browser,
    extOrigin,
    version,
    openExtPage,
    async send(message) {
      // Not the popup, which would keep asking the background for codes every second.
      if (!helper || helper.isClosed()) helper = await openStaticExtPage(browser, extOrigin, o.kind);
      const reply = await helper.evaluate((m) => (/** @type {any} */ (globalThis).browser ?? /** @type {any} */ (globalThis).chrome).runtime.sendMessage(m), message);
      // Replies cross as JSON strings (lib/protocol/transport.ts, encodeReply).
      return typeof reply === 'string' ? JSON.parse(reply) : reply;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await proxy?.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/**
 * A static page of the extension's origin: the build's stylesheet, shown as text. It has the
 * extension's APIs (it can send messages, open the popup) and runs no app of its own that would
 * compete with what is measured.
 * @param {import('puppeteer-core').Browser} browser @param {string} extOrigin @param {Kind} kind
 */
export async function openStaticExtPage(browser, extOrigin, kind) {
  const css = readdirSync(join(extensionDir(kind), 'assets')).find((f) => f.endsWith('.css'));
  if (!css) throw new Error('no stylesheet in the build to host the measurements');
  const page = await browser.newPage();
  await gotoExtPage(page, `${extOrigin}/assets/${css}`, kind);
  return page;
}

/**
 * Navigates to an extension page. Firefox: goto() to a moz-extension:// page never resolves over
 * BiDi, so start it and poll the document instead (tests/e2e/harness.ts does the same).
 * @param {Page} page @param {string} url @param {Kind} kind
 */
export async function gotoExtPage(page, url, kind) {
  if (kind === 'firefox') {
    void page.goto(url).catch(() => undefined);
    await pollUntil(page, (u) => location.href === u && document.readyState === 'complete', 20_000, url);
  } else {
    await page.goto(url);
  }
}

/**
 * Polls a condition in the page (a loop of evaluate calls: Firefox's waitForFunction fails when
 * the page is replaced during the wait). Returns the first truthy value.
 * @template T, A
 * @param {Page} page @param {(arg: A) => T} fn @param {number} [timeoutMs] @param {A} [arg]
 * @returns {Promise<T>}
 */
export async function pollUntil(page, fn, timeoutMs = 15_000, arg) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = /** @type {T} */ (await page.evaluate(/** @type {any} */ (fn), arg));
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${fn.toString().slice(0, 140)}${lastError ? ` (last error: ${lastError})` : ''}`);
}

/**
 * Closes the tab showing `url` once it appears (Firefox reports about:blank as the target URL of
 * tabs an extension opened: ask the page). Gives up quietly after `timeoutMs`.
 * @param {import('puppeteer-core').Browser} browser @param {string} url @param {number} timeoutMs
 */
async function closeTab(browser, url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const page of await browser.pages()) {
      const href = page.url().startsWith(url) ? page.url() : await page.evaluate(() => location.href).catch(() => '');
      if (href.startsWith(url)) {
        await page.close().catch(() => undefined);
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
