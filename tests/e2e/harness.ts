/**
 * Launches real Chromium or Firefox (system browsers, headless) with the built extension, the
 * recipes in ../shared/reference/browser-testing.md. One browser per test file run, chosen by
 * E2E_BROWSER; tests/e2e/run.mjs runs the suite once per browser.
 *
 * One file because `launch` builds one Session whose methods (logs, errors, network log, close)
 * are closures over the launched browser; page helpers are in ui.ts, the simulated platform in
 * platform.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Browser, Page, Target } from 'puppeteer-core';
import { launchWithExtension } from '../browsers.mjs';
import { decodeReply } from '../../lib/protocol/transport';

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
  /** Record every request the browser makes (see Session.network). */
  recordNetwork?: boolean;
}

/** One request the browser made, as its network record shows it (see Session.network). */
export interface NetRequest {
  url: string;
  method: string;
  /**
   * Chromium: the origin that caused the request, or 'not an origin' when the browser itself did
   * (its own services, an address typed or opened by the test). Firefox: null (the proxy sees none).
   */
  initiator: string | null;
  /** Chromium: 'main frame', 'sub frame' or 'other'; Firefox: 'tunnel' (CONNECT) or 'http'. */
  type: string;
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
  /** What the toolbar button says: for one tab (its own badge and title), or for every tab. */
  toolbar(tabId?: number): Promise<{ title: string; badge: string }>;
  /**
   * Stops the background without waking it again. Chromium: the service worker's target is
   * closed (what chrome://serviceworker-internals' Stop does) and we wait until it is gone, so
   * that no message of ours reaches a worker on its way out. Firefox: its event page cannot be
   * stopped from outside; it suspends after the idle timeout (launch with FIREFOX_FAST_SUSPEND),
   * so we wait past it.
   */
  stopBackground(): Promise<void>;
  /** stopBackground, then proves with the boot id that a new background answers. */
  restartBackground(): Promise<void>;
  /**
   * Console output, to prove no secret is logged. Chromium: every page target (its main world and
   * the content scripts' isolated worlds; extension pages too) and the service worker, i.e. every
   * context. Firefox: the web pages and their content scripts, over BiDi; see `everything`.
   */
  logs: string[];
  /**
   * Uncaught errors. Chromium: of every page target (all its worlds) and the service worker.
   * Firefox: its "JavaScript error: <file>, line <n>: <error>" lines, of every context.
   */
  errors: string[];
  /**
   * All that was captured, for leak scans: `logs`, `errors`, and in Firefox every line it printed
   * on its standard output and error. `devtools.console.stdout.content` sends there the console
   * of every content context: web pages, content scripts, extension pages and the background
   * page, the last two of which BiDi does not report (a message with line breaks goes on over
   * several lines). Firefox's own diagnostics are there too, so this is no place to look for
   * errors of ours.
   */
  everything(): string[];
  /**
   * With `recordNetwork`: every request the browser made. Chromium: every URL request (http(s),
   * ws(s)) of its net log, redirects included; Chromium writes the log out when it exits, so
   * this closes the browser first. Firefox: every connection through the test proxy, which is
   * all its HTTP(S) traffic (a CONNECT tunnel per connection: the requests inside reach the
   * simulator, see its log).
   */
  network(): Promise<NetRequest[]>;
  /** Firefox: every connection the browser tried through the test proxy (null in Chromium). */
  proxyConnections: { host: string; port: number; allowed: boolean; method?: string; url?: string }[] | null;
  close(): Promise<void>;
}

export async function launch(opts: LaunchOptions = {}): Promise<Session> {
  const ownProfile = !opts.profileDir;
  const profileDir = opts.profileDir ?? mkdtempSync(join(tmpdir(), `tpa-${KIND}-`));
  const netLogDir = opts.recordNetwork && KIND === 'chromium' ? mkdtempSync(join(tmpdir(), 'tpa-netlog-')) : null;
  const netLog = netLogDir ? join(netLogDir, 'net.json') : null;
  const { browser, extOrigin, proxy } = await launchWithExtension({
    kind: KIND,
    profileDir,
    ...opts,
    chromiumArgs: [...(netLog ? [`--log-net-log=${netLog}`] : []), ...(opts.chromiumArgs ?? [])],
    // Firefox prints every content console message (pages, content scripts, extension pages and
    // the background page) on its standard output: the one place they all meet.
    firefoxPrefs: { 'devtools.console.stdout.content': true, ...(opts.firefoxPrefs ?? {}) },
  });
  const logs: string[] = [];
  const errors: string[] = [];
  const output: string[] = [];
  const listen = async (target: Target) => {
    if (target.type() === 'page') {
      const page = await target.page().catch(() => null);
      page?.on('console', (m) => logs.push(m.text()));
      if (KIND === 'chromium') page?.on('pageerror', (e) => errors.push(String((e as Error)?.stack ?? e)));
    }
    if (target.type() === 'service_worker') {
      const worker = await target.worker().catch(() => null);
      worker?.on('console', (m) => logs.push(m.text()));
      worker?.client.on('Runtime.exceptionThrown', (e) => errors.push(e.exceptionDetails.exception?.description ?? e.exceptionDetails.text));
    }
  };
  browser.on('targetcreated', (t) => void listen(t));
  for (const t of browser.targets()) void listen(t);
  const lines = (stream: Readable | null | undefined, take: (line: string) => void) => {
    if (stream) createInterface({ input: stream }).on('line', take);
  };
  if (KIND === 'firefox') {
    lines(browser.process()?.stdout, (l) => output.push(l));
    lines(browser.process()?.stderr, (l) => {
      output.push(l);
      if (l.startsWith('JavaScript error:')) errors.push(l);
    });
  }

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
      const ask = async () => {
        const page = await helperPage();
        // Replies cross as JSON strings (lib/protocol/transport.ts, encodeReply).
        return decodeReply(await page.evaluate((m) => ((globalThis as any).browser ?? (globalThis as any).chrome).runtime.sendMessage(m), message));
      };
      try {
        return await ask();
      } catch (e) {
        // Firefox has been seen (once in many runs) to evaluate in a realm of the helper page
        // without the extension APIs ("can't access property "runtime" of undefined"). Nothing
        // was sent then, so asking again through a fresh helper page is safe; any other error
        // (the message may have been delivered) is the test's to see.
        if (!/can't access property "runtime"|reading 'runtime'/.test(String(e))) throw e;
        await helper?.close().catch(() => undefined);
        helper = null;
        return ask();
      }
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
    async toolbar(tabId) {
      const page = await helperPage();
      return page.evaluate(async (id) => {
        const action = ((globalThis as any).browser ?? (globalThis as any).chrome).action;
        const details = id == null ? {} : { tabId: id };
        return { title: await action.getTitle(details), badge: await action.getBadgeText(details) };
      }, tabId ?? null);
    },
    async storageLocal() {
      const page = await helperPage();
      return page.evaluate(() => ((globalThis as any).browser ?? (globalThis as any).chrome).storage.local.get(null));
    },
    async stopBackground() {
      if (KIND === 'firefox') {
        await new Promise((r) => setTimeout(r, 2500));
        return;
      }
      // Chromium: close the worker's target and detach our DevTools session from it, which would
      // keep it alive (puppeteer's WebWorker.close, what chrome://serviceworker-internals' Stop
      // does), and wait until the target is gone. Callers prove the restart with the boot id.
      const target = browser.targets().find((t) => t.type() === 'service_worker' && t.url().startsWith(extOrigin));
      if (!target) return; // stopped already
      const gone = new Promise<void>((resolve) => {
        const off = (t: unknown) => {
          if (t !== target) return;
          browser.off('targetdestroyed', off);
          resolve();
        };
        browser.on('targetdestroyed', off);
      });
      await within(15_000, 'the service worker to stop', (async () => (await target.worker())?.close())());
      await within(15_000, 'the service worker target to go', gone);
    },
    async restartBackground() {
      const before = (await session.send({ type: 'vault.status' })).value.bootId;
      await session.stopBackground();
      // The first message wakes a new background. On a loaded machine Chromium has been seen to
      // leave it unanswered (the test timed out); ask again rather than wait forever.
      let after: string | undefined;
      for (let attempt = 0; after === undefined; attempt++) {
        try {
          after = (await within(15_000, 'the restarted background to answer', session.send({ type: 'vault.status' }))).value.bootId;
        } catch (e) {
          if (attempt >= 2) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      if (after === before) throw new Error('the background did not restart');
    },
    proxyConnections: proxy?.connections ?? null,
    errors,
    everything: () => [...logs, ...errors, ...output],
    async network() {
      if (!opts.recordNetwork) throw new Error('launch with recordNetwork to record the network');
      if (netLog) {
        await browser.close();
        return readNetLog(netLog);
      }
      return (proxy?.connections ?? []).map((c) =>
        c.method && c.method !== 'CONNECT'
          ? { url: c.url ?? `http://${c.host}/`, method: c.method, initiator: null, type: 'http' }
          : { url: `https://${c.host}:${c.port}/`, method: 'CONNECT', initiator: null, type: 'tunnel' },
      );
    },
    async close() {
      await browser.close().catch(() => undefined);
      await proxy?.close();
      if (ownProfile) rmSync(profileDir, { recursive: true, force: true });
      if (netLogDir) rmSync(netLogDir, { recursive: true, force: true });
    },
  };
  return session;
}

/**
 * Every URL request in a Chromium net log (https://www.chromium.org/developers/design-documents/network-stack/netlog/):
 * one entry per URL_REQUEST_START_JOB event, so a redirect's next hop is an entry too.
 */
function readNetLog(file: string): NetRequest[] {
  const log = JSON.parse(readFileSync(file, 'utf8')) as {
    constants: { logEventTypes: Record<string, number> };
    events: { type: number; params?: Record<string, unknown> }[];
  };
  const startJob = log.constants.logEventTypes.URL_REQUEST_START_JOB;
  return log.events
    .filter((e) => e.type === startJob && typeof e.params?.url === 'string')
    .map(({ params: p }) => ({
      url: p!.url as string,
      method: String(p!.method ?? ''),
      initiator: typeof p!.initiator === 'string' ? p!.initiator : 'not an origin',
      type: String(p!.request_type ?? ''),
    }));
}

/** `promise`, or an error naming what did not happen within `ms` (instead of a silent test timeout). */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms / 1000} s for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
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
