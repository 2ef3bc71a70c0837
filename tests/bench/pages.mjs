/**
 * The figures measured on ThingPark pages served by the simulator: fill latency (OTP page, and a
 * late-inserted OTP form), enrollment latency (setup page) and page-load overhead (with vs without
 * the extension).
 *
 * How a fill is seen (inside the page, no round trip to the bench counts):
 * - A script installed with evaluateOnNewDocument runs in every document of the tab before the
 *   page's own scripts. It listens for `input` events in the capture phase on `window`. The
 *   extension fills a field by calling the native value setter and dispatching `input` at once, in
 *   the same task (utils/page/fill.ts), so the listener runs right after the value changed:
 *   `performance.now()` there is the fill time. (Patching `HTMLInputElement.prototype.value`
 *   would not work: the content script runs in an isolated world (Chromium) or through Xray
 *   wrappers (Firefox) and never sees the page's prototype; DOM events cross that boundary.)
 * - As a cross-check that nothing is filled without an event, a requestAnimationFrame loop polls
 *   the fields' values; its time (first frame that shows the value) is kept as `polled` in the
 *   JSON. It is later than the event by up to a frame.
 * - DOMContentLoaded is the navigation timing's `domContentLoadedEventStart`.
 * - A late form: a MutationObserver (registered before parsing, on the whole document) records
 *   when `#otp` enters the DOM; for the simulator's `late=1` page that is the inline script's
 *   insertion (the observer runs at the end of that script's task).
 *
 * One file per group of figures (`--only pages`): they share the in-page instrumentation
 * described above.
 */
import { createSimulator, DEFAULT_REALM, DEMO_PASSWORD } from '../simulator/server.mjs';
import { launchBench, pollUntil } from './browser.mjs';
import { figure, median, ratioInterval, summarize } from './stats.mjs';
import { controlDir, writeControlExtension } from './control.mjs';

export const BASE = 'https://community.thingpark.io';
export const PASSPHRASE = 'correct horse battery staple';
const BENCH_USER = 'bench@example.com';
const SETUP_USER = 'sam@example.com';
/** A fixed key for the bench user's device (base32), shared by the simulator and the vault. */
const BENCH_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const DEVICE_NAME = 'ThingPark Autofill';
/**
 * The late OTP form arrives 600 ms after parsing: after the content script's own "page seen"
 * report (load + 300 ms), so that the figure is the extension's reaction to the new form alone.
 */
const LATE_DELAY_MS = 600;

/** @typedef {import('./browser.mjs').Kind} Kind */
/** @typedef {import('./browser.mjs').BenchBrowser} BenchBrowser */
/** @typedef {import('./stats.mjs').Figure} Figure */

export const BENCH_ACCOUNT = {
  uri: `otpauth://totp/ThingPark%20Enterprise:${encodeURIComponent(BENCH_USER)}?secret=${BENCH_SECRET}&issuer=ThingPark%20Enterprise`,
  origin: BASE,
  realm: DEFAULT_REALM,
  deviceName: DEVICE_NAME,
};

/** Runs in every document of an instrumented tab, before the page's scripts (see top of file). */
function instrument() {
  const w = /** @type {any} */ (window);
  const t = (w.__bench = { filled: /** @type {Record<string, number>} */ ({}), polled: /** @type {Record<string, number>} */ ({}), inserted: /** @type {number | null} */ (null) });
  const ids = ['otp', 'totp', 'userLabel'];
  window.addEventListener(
    'input',
    (e) => {
      const el = /** @type {HTMLInputElement} */ (e.target);
      if (el && ids.includes(el.id) && el.value && t.filled[el.id] == null) t.filled[el.id] = performance.now();
    },
    true,
  );
  new MutationObserver((_, obs) => {
    if (t.inserted == null && document.getElementById('otp')) {
      t.inserted = performance.now();
      obs.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
  const until = performance.now() + 15_000;
  const poll = () => {
    for (const id of ids) {
      const el = /** @type {HTMLInputElement | null} */ (document.getElementById(id));
      if (el?.value && t.polled[id] == null) t.polled[id] = performance.now();
    }
    if (performance.now() < until && ids.some((id) => t.polled[id] == null)) requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
}

/** What the instrumented page recorded, once `done` holds. */
function readBench() {
  const w = /** @type {any} */ (window);
  const nav = /** @type {PerformanceNavigationTiming | undefined} */ (performance.getEntriesByType('navigation')[0]);
  return { ...w.__bench, dcl: nav?.domContentLoadedEventStart ?? null, load: nav?.loadEventStart ?? null };
}

/**
 * Signs in with user name and password on a fresh login page; returns the URL of the page that
 * follows (OTP page: the password form's POST target, which a GET shows again; setup page: the
 * required-action URL after the redirect).
 * @param {import('puppeteer-core').Page} page @param {{loginUrl: Function}} sim @param {string} username
 */
async function signIn(page, sim, username) {
  await page.goto(sim.loginUrl(DEFAULT_REALM, { base: BASE }));
  await page.waitForSelector('#username');
  await page.type('#username', username);
  await page.type('#password', DEMO_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('#kc-login')]);
  return page.url();
}

/**
 * Loads `url` in the instrumented tab and waits until the page recorded what `until` names.
 * @param {import('puppeteer-core').Page} page @param {string} url @param {'otp' | 'late' | 'setup'} until
 */
async function loadAndWait(page, url, until) {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await pollUntil(
    page,
    (u) => {
      const b = /** @type {any} */ (window).__bench;
      if (!b) return false;
      if (u === 'otp') return b.filled.otp != null && b.polled.otp != null;
      if (u === 'late') return b.filled.otp != null && b.inserted != null;
      return b.filled.totp != null && b.filled.userLabel != null;
    },
    15_000,
    until,
  );
  return page.evaluate(readBench);
}

/**
 * Everything measured on simulator pages in one browser.
 * @param {Kind} kind
 * @param {{n: {fill: number, late: number, enroll: number, overhead: number}, warmup: number, log: (s: string) => void, pages?: boolean}} o
 *   `pages: false`: only sets up the browser and the vault (for the extension's figures)
 * @returns {Promise<{figures: Figure[], ext: BenchBrowser, sim: Awaited<ReturnType<typeof createSimulator>>}>}
 *   the browser with the extension and the simulator stay open for the next measurements
 */
export async function measurePages(kind, o) {
  const sim = await createSimulator({
    https: true,
    port: 0,
    lateDelayMs: LATE_DELAY_MS,
    users: [{ username: BENCH_USER, devices: [{ secret: BENCH_SECRET, label: DEVICE_NAME }] }],
  });
  const ext = await launchBench({ kind, thingparkPort: sim.port });
  /** @type {Figure[]} */
  const figures = [];
  const budgetFill = kind === 'chromium' ? 30 : 50;
  /** @type {BenchBrowser | null} */
  let control = null;
  try {
    const created = await ext.send({ type: 'vault.create', passphrase: PASSPHRASE, confirm: PASSPHRASE });
    if (!created?.ok) throw new Error(`vault.create failed: ${JSON.stringify(created)}`);
    const added = await ext.send({ type: 'accounts.add', dryRun: false, accounts: [BENCH_ACCOUNT] });
    if (!added?.ok) throw new Error(`accounts.add failed: ${JSON.stringify(added)}`);
    if (o.pages === false) return { figures, ext, sim };

    // ---- fill latency, ours and the control extension's (tests/bench/control.mjs), alternating
    control = await launchBench({ kind, thingparkPort: sim.port, extensionPath: writeControlExtension(kind, controlDir(kind)) });
    const page = await ext.browser.newPage();
    await page.evaluateOnNewDocument(instrument);
    await page.bringToFront();
    const otpUrl = await signIn(page, sim, BENCH_USER);
    const controlPage = await control.browser.newPage();
    await controlPage.evaluateOnNewDocument(instrument);
    const controlOtpUrl = await signIn(controlPage, sim, BENCH_USER);
    o.log(`  fill latency: ${o.warmup} + ${o.n.fill} OTP page loads, each with ours and with the control extension`);
    const fill = [];
    const fillPolled = [];
    const controlFill = [];
    let missed = 0;
    for (let i = 0; i < o.warmup + o.n.fill; i++) {
      for (const which of i % 2 ? ['control', 'ours'] : ['ours', 'control']) {
        const [tab, url] = which === 'ours' ? [page, otpUrl] : [controlPage, controlOtpUrl];
        const b = await loadAndWait(tab, url, 'otp').catch((e) => void (missed++, o.log(`    no fill (${which}): ${e.message.slice(0, 100)}`)));
        if (i < o.warmup || !b) continue;
        if (which === 'control') {
          controlFill.push(b.filled.otp - b.dcl);
          continue;
        }
        fill.push(b.filled.otp - b.dcl);
        fillPolled.push(b.polled.otp - b.dcl);
      }
    }
    await controlPage.close();
    const controlMedian = median(controlFill);
    figures.push(
      figure({
        id: 'fill.dcl', figure: 'fill latency', browser: kind, metric: 'DOMContentLoaded → #otp filled', unit: 'ms',
        samples: fill, budget: { max: budgetFill }, extra: { polledMedianMs: median(fillPolled), missed, controlMedianMs: controlMedian },
        note: controlMedian != null ? `the control extension (one message to its background, no work) in the same run: median ${fmtMs(controlMedian)}` : undefined,
      }),
      figure({
        id: 'fill.control', figure: 'fill latency', browser: kind, metric: 'control extension: DOMContentLoaded → #otp filled', unit: 'ms',
        samples: controlFill,
      }),
    );

    o.log(`  fill latency (late form): ${o.warmup} + ${o.n.late} loads, form inserted ${LATE_DELAY_MS} ms after parsing`);
    const late = [];
    missed = 0;
    for (let i = 0; i < o.warmup + o.n.late; i++) {
      const b = await loadAndWait(page, `${otpUrl}&late=1`, 'late').catch((e) => void (missed++, o.log(`    no fill: ${e.message.slice(0, 100)}`)));
      if (i < o.warmup || !b) continue;
      late.push(b.filled.otp - b.inserted);
    }
    figures.push(
      figure({
        id: 'fill.late', figure: 'fill latency', browser: kind, metric: 'late #otp inserted → filled', unit: 'ms',
        samples: late, budget: { max: budgetFill }, extra: { lateDelayMs: LATE_DELAY_MS, missed },
      }),
    );

    // ---- enrollment latency (a user with no device: every load of the step is a setup page)
    const setupTab = await ext.browser.newPage();
    await setupTab.evaluateOnNewDocument(instrument);
    await setupTab.bringToFront();
    const setupUrl = await signIn(setupTab, sim, SETUP_USER);
    if (!setupUrl.includes('required-action')) throw new Error(`expected the setup page, got ${setupUrl}`);
    o.log(`  enrollment latency: ${o.warmup} + ${o.n.enroll} setup page loads`);
    const enroll = [];
    missed = 0;
    for (let i = 0; i < o.warmup + o.n.enroll; i++) {
      const b = await loadAndWait(setupTab, setupUrl, 'setup').catch((e) => void (missed++, o.log(`    no fill: ${e.message.slice(0, 100)}`)));
      if (i < o.warmup || !b) continue;
      enroll.push(Math.max(b.filled.totp, b.filled.userLabel) - b.dcl);
    }
    figures.push(
      figure({
        id: 'enroll.dcl', figure: 'enrollment latency', browser: kind, metric: 'DOMContentLoaded → #totp and #userLabel filled (QR read)', unit: 'ms',
        samples: enroll, budget: { max: 100 }, extra: { missed },
      }),
    );
    await setupTab.close();
    await page.close();

    // ---- page-load overhead: the same pages in a second browser without the extension
    figures.push(...(await measureOverhead(kind, ext, control, sim, o)));
    return { figures, ext, sim };
  } catch (e) {
    await ext.close();
    await sim.close();
    throw e;
  } finally {
    await control?.close();
  }
}

/**
 * Load event time (navigation timing `loadEventStart`, ms from navigation start) of the password
 * page and of the OTP page, in the browser with the extension (vault unlocked, the page's account
 * in it: the OTP page gets filled), in the browser with the control extension (a content script
 * that does next to nothing, tests/bench/control.mjs) and in the same browser without any
 * extension, in turn (forwards, then backwards).
 * @param {Kind} kind @param {BenchBrowser} ext @param {BenchBrowser} control @param {{loginUrl: Function, port: number}} sim
 * @param {{n: {overhead: number}, warmup: number, log: (s: string) => void}} o
 */
async function measureOverhead(kind, ext, control, sim, o) {
  const bare = await launchBench({ kind, thingparkPort: sim.port, extension: false });
  try {
    const tabs = { with: await ext.browser.newPage(), control: await control.browser.newPage(), without: await bare.browser.newPage() };
    const otpUrls = {
      with: await signIn(tabs.with, sim, BENCH_USER),
      control: await signIn(tabs.control, sim, BENCH_USER),
      without: await signIn(tabs.without, sim, BENCH_USER),
    };
    const loginUrl = sim.loginUrl(DEFAULT_REALM, { base: BASE });
    /** @type {Figure[]} */
    const figures = [];
    for (const [pageName, urlOf] of /** @type {const} */ ([
      ['password page', () => loginUrl],
      ['OTP page', (/** @type {'with' | 'control' | 'without'} */ w) => otpUrls[w]],
    ])) {
      o.log(`  page-load overhead, ${pageName}: ${o.warmup} + ${o.n.overhead} loads with the extension, with the control and without, in turn`);
      /** @type {{with: number[], control: number[], without: number[]}} */
      const load = { with: [], control: [], without: [] };
      /** @type {{with: number[], control: number[], without: number[]}} */
      const dcl = { with: [], control: [], without: [] };
      for (let i = 0; i < o.warmup + o.n.overhead; i++) {
        const order = /** @type {const} */ (i % 2 ? ['without', 'control', 'with'] : ['with', 'control', 'without']);
        for (const which of order) {
          const tab = tabs[which];
          await tab.bringToFront();
          await tab.goto(urlOf(which), { waitUntil: 'load' });
          const t = await pollUntil(tab, () => {
            const nav = /** @type {PerformanceNavigationTiming | undefined} */ (performance.getEntriesByType('navigation')[0]);
            return nav && nav.loadEventEnd > 0 ? { load: nav.loadEventStart, dcl: nav.domContentLoadedEventStart } : null;
          });
          if (i < o.warmup) continue;
          load[which].push(t.load);
          dcl[which].push(t.dcl);
        }
      }
      const id = `overhead.${pageName === 'OTP page' ? 'otp' : 'password'}`;
      /** A ratio of medians: n is the number of pairs; min and max do not apply (the per-pair ratios' spread is in `extra.pairRatios`). */
      const ratioFigure = (/** @type {Omit<Figure, 'median' | 'min' | 'max' | 'n' | 'pass'> & {value: number | null, budget?: {max: number}}} */ f, /** @type {number[]} */ a, /** @type {number[]} */ b) => ({
        ...figure({ ...f, extra: { ...f.extra, pairRatios: summarize(a.map((x, k) => x / /** @type {number} */ (b[k]))) } }),
        n: a.length,
        min: null,
        max: null,
      });
      const ci = ratioInterval(load.with, load.without);
      const controlCi = ratioInterval(load.control, load.without);
      figures.push(
        ratioFigure(
          {
            id, figure: 'page-load overhead', browser: kind,
            metric: `${pageName}: load event with / without extension`, unit: 'ratio', value: ratioOfMedians(load.with, load.without), budget: { max: 1.05 },
            note:
              `load event median ${fmtMs(median(load.with))} with, ${fmtMs(median(load.control))} with the control, ${fmtMs(median(load.without))} without` +
              (ci ? `; 95 % bootstrap interval of the ratio ${ci[0].toFixed(2)}–${ci[1].toFixed(2)}` : ''),
            extra: {
              loadWithMs: median(load.with), loadControlMs: median(load.control), loadWithoutMs: median(load.without),
              dclWithMs: median(dcl.with), dclControlMs: median(dcl.control), dclWithoutMs: median(dcl.without),
              ratioInterval95: ci,
              dclRatio: ratioOfMedians(dcl.with, dcl.without),
              loadWith: load.with, loadControl: load.control, loadWithout: load.without,
            },
          },
          load.with,
          load.without,
        ),
        ratioFigure(
          {
            id: `${id}.control`, figure: 'page-load overhead', browser: kind,
            metric: `${pageName}: load event with the control extension / without`, unit: 'ratio', value: ratioOfMedians(load.control, load.without),
            extra: { ratioInterval95: controlCi },
          },
          load.control,
          load.without,
        ),
        ratioFigure(
          {
            id: `${id}.vs-control`, figure: 'page-load overhead', browser: kind,
            metric: `${pageName}: load event with the extension / with the control`, unit: 'ratio', value: ratioOfMedians(load.with, load.control),
            extra: { ratioInterval95: ratioInterval(load.with, load.control) },
          },
          load.with,
          load.control,
        ),
      );
    }
    return figures;
  } finally {
    await bare.close();
  }
}

/** @param {number[]} a @param {number[]} b */
function ratioOfMedians(a, b) {
  const ma = median(a);
  const mb = median(b);
  return ma != null && mb ? ma / mb : null;
}

/** @param {number | null} v */
const fmtMs = (v) => (v == null ? '–' : `${v.toFixed(1)} ms`);
