/**
 * Launches real Chromium or Firefox (system browsers, headless) with the built extension, the
 * recipes in ../shared/reference/browser-testing.md. One browser per test file run, chosen by
 * E2E_BROWSER; tests/e2e/run.mjs runs the suite once per browser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Target } from 'puppeteer-core';
import { launchWithExtension } from '../browsers.mjs';

export type BrowserKind = 'chromium' | 'firefox';
export const KIND: BrowserKind = process.env.E2E_BROWSER === 'firefox' ? 'firefox' : 'chromium';


export interface LaunchOptions {
  /** Reuse a profile (browser-restart tests); a fresh temp profile otherwise. */
  profileDir?: string;
  /** UI language, e.g. 'fr'. */
  lang?: string;
  /** Extra Firefox prefs (e.g. a short background idle timeout). */
  firefoxPrefs?: Record<string, unknown>;
  /** Extra Chromium arguments. */
  chromiumArgs?: string[];
  /** Serve the ThingPark hosts (https://community.thingpark.io, ...) from this local port. */
  thingparkPort?: number;
  /** Extra environment variables for the browser (e.g. HOME for Firefox's managed storage). */
  env?: Record<string, string>;
}

export interface Session {
  kind: BrowserKind;
  browser: Browser;
  profileDir: string;
  /** `chrome-extension://<id>` or `moz-extension://<uuid>`. */
  extOrigin: string;
  openExtPage(path: string): Promise<Page>;
  /** A tab the extension opened by itself (e.g. options on install), by path. */
  findExtTab(path: string, timeoutMs?: number): Promise<Page>;
  /** Sends a protocol message to the background from an extension page, returns the reply. */
  send(message: Record<string, unknown>): Promise<any>;
  /** The browser's id of the tab showing `url` (a page on a host the extension may access). */
  tabIdOf(url: string): Promise<number>;
  /** Everything in the extension's storage.local. */
  storageLocal(): Promise<Record<string, unknown>>;
  /** Stops the background (Chromium: the service worker; Firefox: waits for the idle suspend). */
  restartBackground(): Promise<void>;
  /** Console output of every page and (Chromium) the service worker, to prove no secret is logged. */
  logs: string[];
  /** Firefox: every connection the browser tried through the test proxy (null in Chromium). */
  proxyConnections: { host: string; port: number; allowed: boolean }[] | null;
  close(): Promise<void>;
}

export async function launch(opts: LaunchOptions = {}): Promise<Session> {
  const ownProfile = !opts.profileDir;
  const profileDir = opts.profileDir ?? mkdtempSync(join(tmpdir(), `tpa-${KIND}-`));
  const { browser, extOrigin, proxy } = await launchWithExtension({ kind: KIND, profileDir, ...opts });
  const logs: string[] = [];
  const listen = async (target: Target) => {
    if (target.type() === 'page') (await target.page().catch(() => null))?.on('console', (m) => logs.push(m.text()));
    if (target.type() === 'service_worker') (await target.worker().catch(() => null))?.on('console', (m) => logs.push(m.text()));
  };
  browser.on('targetcreated', (t) => void listen(t));
  for (const t of browser.targets()) void listen(t);

  let helper: Page | null = null;
  const helperPage = async () => {
    if (!helper || helper.isClosed()) helper = await openExtPage('popup.html');
    return helper;
  };

  async function openExtPage(path: string): Promise<Page> {
    const page = await browser.newPage();
    const url = `${extOrigin}/${path}`;
    if (KIND === 'firefox') {
      // goto() to a moz-extension:// page never resolves over BiDi: start it and poll the DOM.
      void page.goto(url).catch(() => undefined);
      await pollUntil(page, () => document.readyState === 'complete' && !!document.querySelector('#app > *'));
    } else {
      await page.goto(url);
      await page.waitForSelector('#app > *');
    }
    return page;
  }

  const session: Session = {
    kind: KIND,
    browser,
    profileDir,
    extOrigin,
    logs,
    openExtPage,
    async findExtTab(path, timeoutMs = 10_000) {
      const wanted = `${extOrigin}/${path}`;
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        for (const page of await browser.pages()) {
          // Firefox's targets keep 'about:blank' as url for tabs an extension opened: ask the page.
          const href = await page.evaluate(() => location.href).catch(() => '');
          if (href.startsWith(wanted)) return page;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the extension did not open ${path}`);
    },
    async send(message) {
      const page = await helperPage();
      return page.evaluate((m) => ((globalThis as any).browser ?? (globalThis as any).chrome).runtime.sendMessage(m), message);
    },
    async tabIdOf(url) {
      const page = await helperPage();
      const id = await page.evaluate(async (u) => {
        const tabs = await ((globalThis as any).browser ?? (globalThis as any).chrome).tabs.query({});
        return tabs.find((t: { url?: string; id?: number }) => t.url === u)?.id ?? null;
      }, url);
      if (id == null) throw new Error(`no tab shows ${url}`);
      return id;
    },
    async storageLocal() {
      const page = await helperPage();
      return page.evaluate(() => ((globalThis as any).browser ?? (globalThis as any).chrome).storage.local.get(null));
    },
    async restartBackground() {
      const before = (await session.send({ type: 'vault.status' })).value.bootId;
      if (KIND === 'chromium') {
        const target = await browser.waitForTarget(
          (t) => t.type() === 'service_worker' && t.url().startsWith(extOrigin),
        );
        const worker = await target.worker();
        await worker?.close();
      } else {
        // Firefox suspends an idle event page after extensions.background.idle.timeout; launch
        // with a short timeout (see FIREFOX_FAST_SUSPEND) and wait until it happened.
        await new Promise((r) => setTimeout(r, 2500));
      }
      const after = (await session.send({ type: 'vault.status' })).value.bootId;
      if (after === before) throw new Error('the background did not restart');
    },
    proxyConnections: proxy?.connections ?? null,
    async close() {
      await browser.close().catch(() => undefined);
      await proxy?.close();
      if (ownProfile) rmSync(profileDir, { recursive: true, force: true });
    },
  };
  return session;
}

/** Firefox prefs that make the event page suspend after 1 s idle, for restart tests. */
export const FIREFOX_FAST_SUSPEND = { 'extensions.background.idle.timeout': 1000 };

/**
 * Polls a condition in the page. Firefox's waitForFunction fails when the page is replaced
 * during the wait; a loop of evaluate() calls is reliable in both browsers.
 */
export async function pollUntil<T>(page: Page, fn: () => T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = (await page.evaluate(fn)) as T;
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${fn.toString().slice(0, 120)} ${lastError ? `(last error: ${lastError})` : ''}`);
}
