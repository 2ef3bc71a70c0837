/**
 * What a web page can and cannot get from the extension, in a real browser (SECURITY.md,
 * "Adversaries"): a login page framed by another site gets no code; page scripts cannot reach the
 * background (no runtime API, nothing answers window.postMessage). One browser for the file.
 *
 * The pages come from a small HTTPS server here, which the browser reaches under the ThingPark
 * and self-hosted host names (as it reaches the simulator elsewhere): Keycloak's OTP page as the
 * simulator renders it, at its real URL, and a foreign site's page that frames it. Keycloak itself
 * forbids framing (X-Frame-Options: SAMEORIGIN, frame-ancestors 'self'), and then the browser
 * alone keeps its page out of a foreign frame; this server sends neither, like a platform whose
 * login pages any site may frame, so that what is tested is our own defence. (A real sign-in
 * inside the frame does not get that far in Chromium anyway: it keeps no cookie for a third-party
 * frame, and Keycloak starts the login over.)
 *
 * One file: both groups use the one HTTPS server and browser started in beforeAll.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'puppeteer-core';
import { DEFAULT_REALM } from '../simulator/server.mjs';
import { renderOtpPage } from '../simulator/pages.mjs';
import { getSelfSignedCert } from '../simulator/cert.mjs';
import * as kc from '../simulator/keycloak.mjs';
import { GECKO_ID, SELF_HOSTED_HOST } from '../browsers.mjs';
import { KIND, launch, pollUntil, type Session } from './harness';
import { BASE, PASSPHRASE } from './platform';
import { decodeReply } from '../../lib/protocol/transport';

const USER = 'framed@example.com';
const DEVICE = { id: '0d6c7a2e-6f43-4f0e-9a4e-3b1c5d7e9f01', label: 'Laptop', secretRaw: 'Fr4m3dS3cr3tK3y9Lp2Q' };
/** Keycloak's OTP page of the default realm, on the public ThingPark host (our content script runs there). */
const OTP_URL = `${BASE}/auth/realms/${DEFAULT_REALM}/login-actions/authenticate?execution=otp&client_id=tpe&tab_id=defences`;
/** A site that is not ThingPark and not granted to the extension. */
const FOREIGN = `https://${SELF_HOSTED_HOST}`;
const FRAME_PATH = '/__defences/frame';
const PLAIN_PATH = '/__defences/page';

let s: Session;
let server: https.Server;
/** One extension page for the file: it scripts frames, registers scripts and records what content scripts send. */
let ext: Page;

async function startServer(): Promise<https.Server> {
  const { key, cert } = await getSelfSignedCert();
  const srv = https.createServer({ key, cert }, (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `https://${req.headers.host}`);
    const html = (body: string) => {
      res.writeHead(200, { 'Content-Type': 'text/html;charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url.pathname === FRAME_PATH) {
      const src = (url.searchParams.get('src') ?? '').replace(/"/g, '&quot;');
      return html(`<!DOCTYPE html><html lang="en"><title>Partner portal</title><h1>Partner portal</h1>
<iframe id="login" title="Sign in" width="900" height="700" src="${src}"></iframe>`);
    }
    if (url.pathname === PLAIN_PATH) return html('<!DOCTYPE html><html lang="en"><title>Partner portal</title><h1>Partner portal</h1>');
    if (url.pathname === new URL(OTP_URL).pathname) {
      return html(
        renderOtpPage({
          theme: 'classic',
          realmDisplayName: 'ThingPark Enterprise',
          actionUrl: OTP_URL,
          attemptedUsername: USER,
          restartUrl: `${BASE}/auth/realms/${DEFAULT_REALM}/login-actions/restart`,
          credentials: [{ id: DEVICE.id, label: DEVICE.label }],
        }),
      );
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

beforeAll(async () => {
  server = await startServer();
  const address = server.address();
  s = await launch({ thingparkPort: typeof address === 'object' && address ? address.port : 0 });
  expect(await s.send({ type: 'vault.create', passphrase: PASSPHRASE, confirm: PASSPHRASE })).toMatchObject({ ok: true });
  const uri = `otpauth://totp/ThingPark%20Enterprise:${encodeURIComponent(USER)}?secret=${kc.base32Encode(DEVICE.secretRaw)}&issuer=ThingPark%20Enterprise`;
  const added = await s.send({
    type: 'accounts.add',
    accounts: [{ uri, origin: BASE, realm: DEFAULT_REALM, deviceName: DEVICE.label }],
    dryRun: false,
  });
  expect(added).toMatchObject({ ok: true, value: [{ status: 'added' }] });
  ext = await s.openExtPage('popup.html');
  await ext.evaluate(() => {
    const api = (globalThis as any).browser ?? (globalThis as any).chrome;
    const heard: unknown[] = ((globalThis as any).__heard = []);
    api.runtime.onMessage.addListener((m: { type?: string }, sender: { tab?: { id?: number }; frameId?: number; url?: string }) => {
      // Content scripts only (our own pages opened in a tab have a tab too).
      if (sender.tab && !sender.url?.startsWith(location.origin)) heard.push({ type: String(m?.type), tabId: sender.tab.id ?? null, frameId: sender.frameId ?? null, url: sender.url ?? null });
      return undefined; // not an answer: the background replies
    });
  });
});

afterAll(async () => {
  await s?.close();
  await new Promise((r) => server?.close(r));
});

/**
 * Runs a probe in our content-script world of one frame of a tab, as a content script there
 * would: 'fill' sends the page.fill our content script sends (returns the background's reply),
 * 'otp' reads the OTP field.
 */
async function inFrame(tabId: number, frameId: number, probe: 'fill' | 'otp'): Promise<unknown> {
  return ext.evaluate(
    async (tabId, frameId, probe) => {
      const api = (globalThis as any).browser ?? (globalThis as any).chrome;
      const fill = () =>
        ((globalThis as any).browser ?? (globalThis as any).chrome).runtime.sendMessage({
          type: 'page.fill',
          attemptedUsername: null,
          devices: [],
          chosenAccountId: null,
          clockOffsetMs: null,
          pageError: null,
        });
      const otp = () => (document.getElementById('otp') as HTMLInputElement | null)?.value ?? null;
      const [result] = await api.scripting.executeScript({ target: { tabId, frameIds: [frameId] }, func: probe === 'fill' ? fill : otp });
      return result?.result;
    },
    tabId,
    frameId,
    probe,
  ).then((result) => (probe === 'fill' ? decodeReply(result) : result)); // replies cross as JSON strings (lib/protocol/transport.ts)
}

/** A request of one of our content scripts, with what the browser says about its sender. */
interface Heard {
  type: string;
  tabId: number | null;
  frameId: number | null;
  url: string | null;
}

/** Every request our content scripts sent since the start, as the extension's pages hear it. */
const heard = () => ext.evaluate(() => (globalThis as any).__heard as Heard[]);

/** Our own content script (the file the manifest declares for ThingPark pages), registered for every frame of the host: what if it ran inside a frame? */
async function ourScriptInFrames(on: boolean): Promise<void> {
  await ext.evaluate(
    async (on, pattern) => {
      const api = (globalThis as any).browser ?? (globalThis as any).chrome;
      const id = 'defences-all-frames';
      if (!on) return api.scripting.unregisterContentScripts({ ids: [id] });
      // Chromium lists the manifest's files as paths, Firefox as URLs.
      // The entry that runs on every ThingPark page (the other one is the QR reader of setup pages).
      const entries: { js: string[] }[] = api.runtime.getManifest().content_scripts;
      const page = entries.find((c) => c.js.some((f) => f.endsWith('thingpark.js')))!;
      const js = page.js.map((f: string) => new URL(f, location.href).pathname);
      const script = { id, matches: [pattern], js, runAt: 'document_end', allFrames: true, persistAcrossSessions: false };
      return api.scripting.registerContentScripts([script]);
    },
    on,
    `${BASE}/*`,
  );
}

/** Opens the foreign site's page that frames `src`; resolves once the frame has loaded. */
async function openFramingPage(src: string): Promise<{ page: Page; frame: Frame }> {
  const page = await s.browser.newPage();
  await page.goto(`${FOREIGN}${FRAME_PATH}?src=${encodeURIComponent(src)}`);
  const frame = await waitForFrame(page, (f) => f.url() === src);
  return { page, frame };
}

async function waitForFrame(page: Page, match: (f: Frame) => boolean): Promise<Frame> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const frame = page.frames().find((f) => f !== page.mainFrame() && match(f));
    if (frame && (await frame.evaluate(() => document.readyState).catch(() => '')) === 'complete') return frame;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no such frame');
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The OTP field's value in a page or frame (null: no field). */
const otpValue = (f: Page | Frame) => f.evaluate(() => (document.getElementById('otp') as HTMLInputElement | null)?.value ?? null);

describe(`a framed login page, in ${KIND}`, () => {
  it('the OTP page in a frame of another site gets no code, even with our content script inside; the same page as the top frame does', async () => {
    const since = (await heard()).length; // a retry starts afresh
    const heardNow = async () => (await heard()).slice(since);
    // As shipped: our content scripts run in top frames only.
    const shipped = await openFramingPage(OTP_URL);
    expect(await otpValue(shipped.frame)).toBe('');

    // Our own content script inside the frame (as if the manifest said all_frames): it asks, the
    // background refuses by the browser's frame id (sender.frameId), and the field stays empty.
    await ourScriptInFrames(true);
    let probeTab: number | null = null;
    try {
      const probe = await openFramingPage(OTP_URL);
      const framed = await until('page.fill from the frame', async () => (await heardNow()).find((h) => h.type === 'page.fill' && h.frameId !== 0));
      probeTab = framed.tabId;
      expect(framed).toMatchObject({ url: OTP_URL });
      expect(framed.frameId).toBeGreaterThan(0);
      // Its request came first: after this later round trip through the background it has had
      // its answer, and the field is still empty.
      expect(await s.send({ type: 'vault.status' })).toMatchObject({ ok: true, value: { state: 'unlocked' } });
      expect(await otpValue(probe.frame)).toBe('');
      // The same request from that frame's content-script world: refused.
      expect(await inFrame(framed.tabId!, framed.frameId!, 'fill')).toEqual({ ok: false, error: { code: 'forbidden' } });
      expect(await inFrame(framed.tabId!, framed.frameId!, 'otp')).toBe('');
      await probe.page.close();
    } finally {
      await ourScriptInFrames(false);
    }
    // The page framed before had no content script of ours at all: not one request from a frame of another tab.
    const all = await heardNow();
    expect(all.filter((h) => h.tabId !== probeTab && h.frameId !== 0), JSON.stringify(all)).toEqual([]);
    expect(await otpValue(shipped.frame)).toBe('');
    await shipped.page.close();

    // The same page as the top frame: the code is filled, and the same request is answered.
    const top = await s.browser.newPage();
    await top.goto(OTP_URL);
    expect(await pollUntil(top, () => (document.getElementById('otp') as HTMLInputElement).value)).toMatch(/^\d{6}$/);
    const topTab = await s.tabIdOf(OTP_URL);
    expect(await inFrame(topTab, 0, 'fill')).toMatchObject({ ok: true, value: { kind: 'fill', accountName: USER } });
    await top.close();
  });
});

/** The requests a page script posts to the window, shaped like our protocol's. */
const POSTED = [
  { type: 'accounts.list' },
  { type: 'accounts.codes', ids: ['id-1'] },
  { type: 'vault.lock' },
  { type: 'backup.exportPlain', vaultPassphrase: 'a guess' },
  { type: 'tab.fillOtp', tabId: 1, accountId: null },
  { type: 'page.fill', attemptedUsername: USER, devices: [], chosenAccountId: null, clockOffsetMs: null, pageError: null, origin: BASE, url: OTP_URL },
  { type: 'page.enroll', evidence: { qrText: null, qrUnreadable: false, hiddenSecret: 'JBSWY3DPEHPK3PXP', manual: null, keycloakError: null } },
];

describe(`web pages cannot reach the extension, in ${KIND}`, () => {
  const pages = [
    ['a ThingPark login page (our content script runs there)', OTP_URL],
    ['a foreign page', `${FOREIGN}${PLAIN_PATH}`],
  ] as const;

  async function open(url: string): Promise<Page> {
    const page = await s.browser.newPage();
    await page.goto(url);
    // On the ThingPark page, once our content script has done its work.
    if (url === OTP_URL) await pollUntil(page, () => (document.getElementById('otp') as HTMLInputElement).value);
    return page;
  }

  it.each(pages)('%s: no extension API in page scripts, and sending to our id reaches nothing', async (_name, url) => {
    const page = await open(url);
    const id = KIND === 'firefox' ? GECKO_ID : new URL(s.extOrigin).host;
    const probe = await page.evaluate(async (id) => {
      const g = globalThis as any;
      const tries: string[] = [];
      for (const runtime of [g.chrome?.runtime, g.browser?.runtime].filter(Boolean)) {
        try {
          tries.push(`sendMessage answered ${JSON.stringify(await runtime.sendMessage?.(id, { type: 'vault.lock' }))}`);
        } catch (e) {
          tries.push(`sendMessage threw ${String(e)}`);
        }
        try {
          runtime.connect?.(id)?.postMessage({ type: 'vault.lock' });
          tries.push('connect did not throw');
        } catch (e) {
          tries.push(`connect threw ${String(e)}`);
        }
      }
      return { browser: typeof g.browser, chromeRuntime: typeof g.chrome?.runtime, tries };
    }, id);
    expect(probe).toEqual({ browser: 'undefined', chromeRuntime: 'undefined', tries: [] });
    // Had anything arrived, the vault would be locked.
    expect(await s.send({ type: 'vault.status' })).toMatchObject({ ok: true, value: { state: 'unlocked', accounts: 1 } });
    await page.close();
  });

  it.each(pages)('%s: protocol messages posted to the window change nothing and get no answer', async (_name, url) => {
    const stored = JSON.stringify(await s.storageLocal());
    const page = await open(url);
    const before = (await heard()).length;
    await page.evaluate((posted) => {
      const g = window as any;
      const own = new Set(posted.map((m) => JSON.stringify(m)));
      g.__answers = [];
      window.addEventListener('message', (e) => {
        if (!own.has(JSON.stringify(e.data))) g.__answers.push(e.data);
      });
      for (const m of posted) {
        window.postMessage(m, '*');
        window.postMessage(m, location.origin);
      }
    }, POSTED);
    // A round trip through the background that starts after the posts: whatever a listener of
    // ours might have forwarded would have been answered by now.
    expect(await s.send({ type: 'vault.status' })).toMatchObject({ ok: true, value: { state: 'unlocked', accounts: 1 } });
    expect(await page.evaluate(() => (window as any).__answers)).toEqual([]);
    // Nothing our content script sent since then came from the posts (it may refresh its own code).
    const forwarded = (await heard()).slice(before).filter((h) => h.type !== 'page.fill' && h.type !== 'page.seen');
    expect(forwarded).toEqual([]);
    expect(JSON.stringify(await s.storageLocal())).toBe(stored);
    await page.close();
  });
});
