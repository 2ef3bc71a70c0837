/**
 * Figures measured on the extension's own pages and background: unlock, popup at scale, memory.
 *
 * Popup timing: the popup is opened as a real popup window (`window.open(..., 'popup')`) by a
 * static extension page (a stylesheet of the build, shown as text: no app of its own runs
 * there), which attaches a MutationObserver to the popup's document as soon as that document
 * exists. The popup's first rows need answers from the background (the vault's state and, once
 * the current tab is known, the first screen's accounts), so the observer is always in place
 * before them; a sample where it was not is dropped.
 * (An iframe is not possible: the extension pages' CSP says frame-ancestors 'none'; and Firefox
 * does not run puppeteer's evaluateOnNewDocument in moz-extension:// pages.)
 * - render: navigation start of the popup (its `performance.now()` origin) → the first `.code-row`
 *   in the DOM, style and layout forced (offsetHeight) in the observer callback;
 * - keystroke: the `input` event (capture phase on the popup window, before the popup's own
 *   handler) → the list's DOM updated (Preact renders in a microtask right after the handler;
 *   the observer callback runs after that render) with style and layout forced.
 * Both also record the next animation frame and a task after it (≈ painted) in the JSON.
 * The keystroke is a real key press where puppeteer reaches the popup window (Chromium); in
 * Firefox puppeteer does not expose windows opened by pages, so the opener sets the value and
 * dispatches the `input` event itself (the part the popup reacts to; the figure starts there in
 * both browsers).
 *
 * One file per group of figures (`--only extension`): they are measured in turn in one browser,
 * from the static extension page described above.
 */
import { randomBytes } from 'node:crypto';
import { base32Encode } from '../simulator/keycloak.mjs';
import { DEFAULT_REALM } from '../simulator/server.mjs';
import { gotoExtPage, launchBench, openStaticExtPage, pollUntil } from './browser.mjs';
import { controlDir, writeControlExtension } from './control.mjs';
import { BASE, PASSPHRASE } from './pages.mjs';
import { figure, median } from './stats.mjs';

/** @typedef {import('./browser.mjs').Kind} Kind */
/** @typedef {import('./browser.mjs').BenchBrowser} BenchBrowser */
/** @typedef {import('./stats.mjs').Figure} Figure */
/** @typedef {import('puppeteer-core').Page} Page */

/** The search keystroke: filters user0001..user0999 to those with a 9 (and the bench account out). */
const KEY = '9';

/**
 * @param {Kind} kind @param {BenchBrowser} ext  a browser whose vault is unlocked with one account
 * @param {{n: {unlock: number, unlockLarge: number, popup: number}, warmup: number, log: (s: string) => void}} o
 * @returns {Promise<Figure[]>}
 */
export async function measureExtension(kind, ext, o) {
  /** @type {Figure[]} */
  const figures = [];
  const host = await openStaticExtPage(ext.browser, ext.extOrigin, kind);

  // ---- unlock (one account)
  const iterations = await host.evaluate(async () => {
    const api = /** @type {any} */ (globalThis).browser ?? /** @type {any} */ (globalThis).chrome;
    const { vault } = await api.storage.local.get('vault');
    const v = typeof vault === 'string' ? JSON.parse(vault) : vault;
    return v?.kdf?.iterations ?? null;
  });
  o.log(`  unlock: ${o.n.unlock} unlocks (PBKDF2 ${iterations} iterations), 1 account`);
  figures.push(
    figure({
      id: 'unlock', figure: 'unlock', browser: kind, metric: `vault.unlock round trip, PBKDF2 ${iterations?.toLocaleString('en')} iterations`, unit: 'ms',
      samples: await timeUnlocks(host, o.n.unlock), budget: { max: 1500 }, extra: { iterations, accounts: 1 },
    }),
  );
  figures.push(await measureMemory(kind, ext, 1));

  // ---- popup at scale; with one account, alternating with the control extension's popup
  // (tests/bench/control.mjs: one script that inserts one row), the floor of any popup here
  const control = await launchBench({ kind, extensionPath: writeControlExtension(kind, controlDir(kind)) });
  const controlHost = await control.browser.newPage();
  await gotoExtPage(controlHost, `${control.extOrigin}/host.html`, kind);
  const controlRender = [];
  let accounts = 1;
  for (const count of [1, 100, 1000]) {
    if (count > accounts) {
      await addAccounts(ext, accounts, count);
      accounts = count;
    }
    o.log(`  popup with ${count} account${count > 1 ? 's' : ''}: ${o.warmup} + ${o.n.popup} opens, one keystroke each${count === 1 ? ', each with the control popup' : ''}`);
    const render = [];
    const keys = [];
    const extra = { rowsPainted: /** @type {number[]} */ ([]), codesShown: /** @type {number[]} */ ([]), keyPainted: /** @type {number[]} */ ([]), keydownToRendered: /** @type {number[]} */ ([]), dropped: 0, keyMethod: '' };
    for (let i = 0; i < o.warmup + o.n.popup; i++) {
      if (count === 1) {
        const c = await openPopupOnce(control, controlHost, kind);
        if (i >= o.warmup && !c.tooLate) controlRender.push(c.rowsAt);
      }
      const r = await openPopupOnce(ext, host, kind);
      if (i < o.warmup) continue;
      if (r.tooLate) {
        extra.dropped++;
        continue;
      }
      render.push(r.rowsAt);
      extra.rowsPainted.push(r.rowsPaintedAt);
      extra.codesShown.push(r.codesAt);
      keys.push(r.key.renderedAt - r.key.inputAt);
      extra.keyPainted.push(r.key.paintedAt - r.key.inputAt);
      if (r.key.keydownAt != null) extra.keydownToRendered.push(r.key.renderedAt - r.key.keydownAt);
      extra.keyMethod = r.keyMethod;
    }
    const big = count === 1000;
    figures.push(
      figure({
        id: `popup.render.${count}`, figure: 'popup at scale', browser: kind, metric: `first render, ${count} account${count > 1 ? 's' : ''} (navigation → rows)`, unit: 'ms',
        samples: render, budget: big ? { max: 100 } : null,
        extra: { paintedMedianMs: median(extra.rowsPainted), codesShownMedianMs: median(extra.codesShown), dropped: extra.dropped },
      }),
      figure({
        id: `popup.key.${count}`, figure: 'popup at scale', browser: kind, metric: `search keystroke, ${count} account${count > 1 ? 's' : ''} (input → rows)`, unit: 'ms',
        samples: keys, budget: big ? { max: 16 } : null,
        extra: { paintedMedianMs: median(extra.keyPainted), keydownToRenderedMedianMs: median(extra.keydownToRendered), method: extra.keyMethod },
      }),
    );
    if (count === 1) {
      await control.close();
      figures.push(
        figure({
          id: 'popup.render.control', figure: 'popup at scale', browser: kind, metric: 'control extension: first render (navigation → its one row)', unit: 'ms',
          samples: controlRender,
        }),
      );
    }
  }

  // ---- memory, then unlock with 1,000 accounts (a bigger vault to decrypt)
  figures.push(await measureMemory(kind, ext, 1000));
  o.log(`  unlock: ${o.n.unlockLarge} unlocks, 1,000 accounts`);
  figures.push(
    figure({
      id: 'unlock.1000', figure: 'unlock', browser: kind, metric: 'vault.unlock round trip, 1,000 accounts', unit: 'ms',
      samples: await timeUnlocks(host, o.n.unlockLarge), budget: { max: 1500 }, extra: { iterations, accounts: 1000 },
    }),
  );
  await host.close();
  return figures;
}

/** Locks, then times `vault.unlock` from the page (message out, reply back). @param {Page} host @param {number} n */
async function timeUnlocks(host, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const r = await host.evaluate(async (passphrase) => {
      const api = /** @type {any} */ (globalThis).browser ?? /** @type {any} */ (globalThis).chrome;
      await api.runtime.sendMessage({ type: 'vault.lock' });
      const t0 = performance.now();
      const raw = await api.runtime.sendMessage({ type: 'vault.unlock', passphrase });
      const reply = typeof raw === 'string' ? JSON.parse(raw) : raw; // a JSON string (lib/protocol/transport.ts)
      return { ms: performance.now() - t0, ok: !!reply?.ok };
    }, PASSPHRASE);
    if (!r.ok) throw new Error('vault.unlock failed');
    times.push(r.ms);
  }
  return times;
}

/** Adds accounts user0002.. up to `to` in all (one accounts.add write). @param {BenchBrowser} ext @param {number} from @param {number} to */
async function addAccounts(ext, from, to) {
  const accounts = [];
  for (let i = from + 1; i <= to; i++) {
    const user = `user${String(i).padStart(4, '0')}`;
    accounts.push({
      uri: `otpauth://totp/ThingPark:${user}?secret=${base32Encode(randomBytes(20))}&issuer=ThingPark`,
      origin: BASE,
      realm: DEFAULT_REALM,
      deviceName: '',
    });
  }
  const reply = await ext.send({ type: 'accounts.add', dryRun: false, accounts });
  if (!reply?.ok || reply.value.filter((/** @type {{status: string}} */ x) => x.status === 'added').length !== accounts.length) {
    throw new Error(`accounts.add failed: ${JSON.stringify(reply).slice(0, 300)}`);
  }
}

/**
 * Opens the popup once from the host, records its first render, types one key, closes it.
 * @param {BenchBrowser} ext @param {Page} host @param {Kind} kind
 */
async function openPopupOnce(ext, host, kind) {
  await host.bringToFront();
  await host.evaluate((url) => {
    const w = /** @type {any} */ (window);
    const r = (w.__popup = /** @type {Record<string, any>} */ ({ tooLate: false }));
    const child = window.open(url, '', 'popup,width=400,height=600');
    if (!child) throw new Error('window.open was refused');
    w.__child = child;
    // The popup window's document replaces about:blank once its navigation commits: look for it
    // at every turn of the event loop (cheap; stops at once).
    const attach = () => {
      let d;
      try {
        d = child.document;
      } catch {
        d = null;
      }
      if (!d || !d.URL.endsWith('/popup.html')) return void setTimeout(attach, 0);
      const perf = child.performance;
      r.attachedAt = perf.now();
      r.tooLate = !!d.querySelector('.code-row');
      const mo = new MutationObserver(() => {
        if (r.rowsAt == null && d.querySelector('.code-row')) {
          void (/** @type {HTMLElement} */ (d.body).offsetHeight); // style and layout
          r.rowsAt = perf.now();
          child.requestAnimationFrame(() => {
            const ch = new child.MessageChannel();
            ch.port1.onmessage = () => (r.rowsPaintedAt = perf.now());
            ch.port2.postMessage(0);
          });
        }
        if (r.rowsAt != null && d.querySelector('.code-row .digits:not(.pending)')) {
          r.codesAt = perf.now();
          mo.disconnect();
        }
      });
      mo.observe(d, { childList: true, subtree: true, characterData: true });
    };
    attach();
  }, `${ext.extOrigin}/popup.html`);
  const rendered = await pollUntil(host, () => {
    const r = /** @type {any} */ (window).__popup;
    return r.tooLate || (r.codesAt != null && r.rowsPaintedAt != null) ? r : null;
  });
  // Let the popup settle (focus, first code tick) before the keystroke.
  await new Promise((res) => setTimeout(res, 150));
  await host.evaluate(() => {
    const w = /** @type {any} */ (window);
    const child = w.__child;
    const d = child.document;
    const perf = child.performance;
    const k = (w.__key = /** @type {Record<string, number | null>} */ ({ keydownAt: null }));
    child.addEventListener('keydown', () => (k.keydownAt ??= perf.now()), { capture: true, once: true });
    child.addEventListener(
      'input',
      () => {
        k.inputAt = perf.now();
        const mo = new MutationObserver(() => {
          mo.disconnect();
          void d.body.offsetHeight; // style and layout
          k.renderedAt = perf.now();
          child.requestAnimationFrame(() => {
            const ch = new child.MessageChannel();
            ch.port1.onmessage = () => (k.paintedAt = perf.now());
            ch.port2.postMessage(0);
          });
        });
        mo.observe(d.body, { childList: true, subtree: true, characterData: true });
      },
      { capture: true, once: true },
    );
  });
  let keyMethod = 'key press (puppeteer)';
  const popupPage = kind === 'chromium' ? await findPopupPage(ext) : null;
  if (popupPage) {
    await popupPage.focus('#account-search');
    await popupPage.keyboard.type(KEY);
  } else {
    keyMethod = 'input event dispatched by the opener';
    await host.evaluate((key) => {
      const child = /** @type {any} */ (window).__child;
      const input = /** @type {HTMLInputElement} */ (child.document.getElementById('account-search'));
      input.focus();
      input.value += key;
      input.dispatchEvent(new child.InputEvent('input', { bubbles: true, composed: true, inputType: 'insertText', data: key }));
    }, KEY);
  }
  const key = await pollUntil(host, () => {
    const k = /** @type {any} */ (window).__key;
    return k.paintedAt != null ? k : null;
  });
  await host.evaluate(() => /** @type {any} */ (window).__child.close());
  return { ...rendered, key, keyMethod };
}

/** The popup window the host opened, as a puppeteer page (Chromium only). @param {BenchBrowser} ext */
async function findPopupPage(ext) {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    for (const page of await ext.browser.pages()) {
      if (!page.url().endsWith('/popup.html')) continue;
      if (await page.evaluate(() => !!window.opener).catch(() => false)) return page;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

/**
 * The background's JS heap, after a garbage collection, with the vault unlocked and loaded
 * (an `accounts.list` first: the background decrypts lazily after a restart).
 * Chromium: the service worker's V8 heap (`Runtime.getHeapUsage` over CDP, after
 * `HeapProfiler.collectGarbage`). Firefox: about:memory after "Minimize memory usage": the
 * background page's JS realm (`js-realm(moz-extension://…/_generated_background_page.html)`).
 * @param {Kind} kind @param {BenchBrowser} ext @param {number} accounts
 * @returns {Promise<Figure>}
 */
async function measureMemory(kind, ext, accounts) {
  const listed = await ext.send({ type: 'accounts.list' });
  if (!listed?.ok || listed.value.length !== accounts) throw new Error(`expected ${accounts} accounts, got ${JSON.stringify(listed).slice(0, 200)}`);
  const base = { id: `memory.${accounts}`, figure: 'memory', browser: kind, unit: 'MB' };
  const label = `${accounts.toLocaleString('en')} account${accounts > 1 ? 's' : ''} unlocked`;
  if (kind === 'chromium') {
    const target = await ext.browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(ext.extOrigin), { timeout: 10_000 });
    const cdp = await target.createCDPSession();
    try {
      await cdp.send('HeapProfiler.enable');
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize, totalSize } = await cdp.send('Runtime.getHeapUsage');
      return figure({ ...base, metric: `service worker JS heap used, ${label}`, value: usedSize / 1e6, extra: { usedBytes: usedSize, totalBytes: totalSize, method: 'CDP Runtime.getHeapUsage after HeapProfiler.collectGarbage' } });
    } finally {
      await cdp.detach().catch(() => undefined);
    }
  }
  try {
    const bytes = await firefoxBackgroundRealmBytes(ext);
    return figure({ ...base, metric: `background page JS realm, ${label}`, value: bytes / 1e6, extra: { bytes, method: 'about:memory (verbose) after Minimize memory usage' } });
  } catch (e) {
    return figure({ ...base, metric: `background JS heap, ${label}`, value: null, note: `not available in Firefox (${String(/** @type {Error} */ (e).message).slice(0, 120)})` });
  }
}

/** Reads about:memory in Firefox: bytes of the background page's JS realm. @param {BenchBrowser} ext */
async function firefoxBackgroundRealmBytes(ext) {
  const page = await ext.browser.newPage();
  try {
    void page.goto('about:memory?verbose').catch(() => undefined);
    await pollUntil(page, () => location.href.startsWith('about:memory') && document.readyState === 'complete' && !!document.querySelector('button'));
    const clickButton = (/** @type {RegExp} */ re) =>
      page.evaluate((src) => {
        const b = [...document.querySelectorAll('button')].find((x) => new RegExp(src, 'i').test(x.textContent ?? ''));
        b?.click();
        return !!b;
      }, re.source);
    if (!(await clickButton(/Minimize memory usage/))) throw new Error('no "Minimize memory usage" button');
    await new Promise((r) => setTimeout(r, 3000));
    await page.evaluate(() => {
      const v = /** @type {HTMLInputElement | null} */ (document.getElementById('verbose'));
      if (v && !v.checked) v.click();
    });
    if (!(await clickButton(/^Measure$/))) throw new Error('no "Measure" button');
    const realm = `js-realm(${ext.extOrigin}/_generated_background_page.html)`;
    const line = await pollUntil(
      page,
      (needle) => (document.body.innerText.split('\n').find((l) => l.includes(needle)) ?? null),
      30_000,
      realm,
    );
    const m = /([\d,.]+) (B|KB|MB|GB)\b/.exec(line);
    if (!m) throw new Error(`cannot read "${line.slice(0, 100)}"`);
    const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2]] ?? 1;
    return Math.round(Number(m[1].replace(/,/g, '')) * unit);
  } finally {
    await page.close().catch(() => undefined);
  }
}
