/**
 * The headless walk-through of `npm start` (tests/start.mjs): create the vault, sign in as jane,
 * let the extension fill the TOTP setup page, submit, check what the simulator and the vault hold,
 * log out. Each step prints a ✓ line with its timing; the first failure stops the run.
 *
 * Waits poll with page.evaluate() in a loop: Firefox's waitForFunction fails when the page is
 * replaced during the wait (../shared/reference/browser-testing.md).
 */
import { DEFAULT_REALM, DEMO_PASSWORD } from './simulator/server.mjs';

export const PASSPHRASE = 'correct horse battery staple';
export const USERNAME = 'jane.doe@example.com';
const STEP_TIMEOUT_MS = 15_000;

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `fn` in the page until it returns something truthy.
 * @template T
 * @param {import('puppeteer-core').Page} page
 * @param {(arg: any) => T} fn
 * @param {{ arg?: unknown, what: string, timeoutMs?: number }} o
 * @returns {Promise<T>}
 */
async function poll(page, fn, o) {
  const deadline = Date.now() + (o.timeoutMs ?? STEP_TIMEOUT_MS);
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await page.evaluate(fn, o.arg);
      if (value) return value;
      lastError = undefined;
    } catch (e) {
      lastError = e; // e.g. the page is navigating
    }
    await delay(50);
  }
  const where = await page.evaluate(() => location.href).catch(() => '?');
  throw new Error(`timed out after ${(o.timeoutMs ?? STEP_TIMEOUT_MS) / 1000} s waiting for ${o.what} (page: ${where})` +
    (lastError ? ` — last error: ${lastError instanceof Error ? lastError.message : lastError}` : ''));
}

/** Clicks and waits for the navigation it starts, with a bounded wait. */
async function clickAndNavigate(page, selector) {
  await Promise.all([
    page.waitForNavigation({ timeout: STEP_TIMEOUT_MS }),
    page.click(selector),
  ]);
}

/**
 * @param {{ kind: 'chromium'|'firefox', browser: import('puppeteer-core').Browser, extOrigin: string,
 *   sim: any, base: string, say: (line: string) => void }} o
 * @returns {Promise<{ ok: true, username: string, label: string } | { ok: false, step: string, error: string }>}
 */
export async function runWalkthrough({ kind, browser, extOrigin, sim, base, say }) {
  let step = '';
  /** Runs one step; its function returns the ✓ line. */
  const run = async (name, fn) => {
    step = name;
    const t = performance.now();
    const line = await fn();
    say(`✓ ${line} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  };

  try {
    /** An extension page to talk to the background from. */
    let helper;
    // Replies cross as JSON strings (lib/protocol/transport.ts, encodeReply).
    const send = async (message) => {
      const reply = await helper.evaluate((m) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage(m), message);
      return typeof reply === 'string' ? JSON.parse(reply) : reply;
    };

    await run('create the vault', async () => {
      helper = await browser.newPage();
      const url = `${extOrigin}/popup.html`;
      if (kind === 'firefox') {
        // goto() to a moz-extension:// page never resolves over BiDi: start it and poll.
        void helper.goto(url).catch(() => undefined);
      } else {
        await helper.goto(url, { timeout: STEP_TIMEOUT_MS });
      }
      await poll(helper, (origin) => location.href.startsWith(origin) && document.readyState === 'complete' &&
        Boolean((globalThis.browser ?? globalThis.chrome)?.runtime?.sendMessage), { arg: extOrigin, what: 'the extension page popup.html' });
      const reply = await send({ type: 'vault.create', passphrase: PASSPHRASE, confirm: PASSPHRASE });
      if (!reply?.ok || reply.value?.state !== 'unlocked') throw new Error(`vault.create answered ${JSON.stringify(reply)}`);
      return `vault created and unlocked (passphrase "${PASSPHRASE}")`;
    });

    const page = await browser.newPage();
    await run(`sign in as ${USERNAME}`, async () => {
      await page.bringToFront().catch(() => undefined);
      const url = sim.loginUrl(DEFAULT_REALM, { base });
      await page.goto(url, { timeout: STEP_TIMEOUT_MS });
      await poll(page, () => Boolean(document.querySelector('#username') && document.querySelector('#kc-login')), { what: 'the login form' });
      await page.type('#username', USERNAME);
      await page.type('#password', DEMO_PASSWORD);
      await clickAndNavigate(page, '#kc-login');
      await poll(page, () => Boolean(document.getElementById('totp')), { what: 'the TOTP setup page' });
      const title = await page.evaluate(() => document.getElementById('kc-page-title')?.textContent?.trim() ?? '');
      return `signed in as ${USERNAME} → setup page${title ? ` "${title}"` : ''}`;
    });

    let filled = { totp: '', label: '' };
    await run('let the extension fill the setup page', async () => {
      filled = await poll(page, () => {
        const totp = document.getElementById('totp')?.value ?? '';
        const label = document.getElementById('userLabel')?.value ?? '';
        return /^\d{6,10}$/.test(totp) && label ? { totp, label } : null;
      }, { what: 'the extension to fill #totp and #userLabel' });
      // Kept from the moment it is filled (unconfirmed until ThingPark shows it accepted it).
      const kept = await send({ type: 'accounts.list' });
      const unconfirmed = kept?.ok && kept.value.length === 1 && kept.value[0].unconfirmed !== null;
      if (!unconfirmed) throw new Error(`right after the fill the vault lists ${JSON.stringify(kept)}, expected one unconfirmed account`);
      return `QR read; code ${filled.totp} and device name "${filled.label}" filled; the account is in the vault, not yet confirmed`;
    });

    await run('submit the setup form', async () => {
      const onDashboard = () => location.pathname.startsWith('/tpe/') && document.querySelector('h1')?.textContent === 'ThingPark Enterprise';
      if (!(await page.evaluate(onDashboard).catch(() => false))) await clickAndNavigate(page, '#saveTOTPBtn');
      await poll(page, onDashboard, { what: 'the ThingPark dashboard' });
      const notice = await poll(page, () => {
        const text = document.querySelector('thingpark-autofill-notice')?.getAttribute('data-text') ?? '';
        return /^Saved /.test(text) ? text : null;
      }, { what: 'the extension\'s "Saved …" notice' });
      return `submitted → dashboard; the extension says: "${notice}"`;
    });

    await run('check the simulator and the vault', async () => {
      const labels = sim.devices(DEFAULT_REALM, USERNAME).map((d) => d.label);
      if (labels.length !== 1 || labels[0] !== filled.label) {
        throw new Error(`the simulator has devices ${JSON.stringify(labels)} for ${USERNAME}, expected ["${filled.label}"]`);
      }
      const reply = await send({ type: 'accounts.list' });
      if (!reply?.ok) throw new Error(`accounts.list answered ${JSON.stringify(reply)}`);
      const accounts = reply.value;
      if (accounts.length !== 1 || accounts[0].accountName !== USERNAME || accounts[0].deviceName !== filled.label || accounts[0].unconfirmed !== null) {
        throw new Error(`the vault lists ${JSON.stringify(accounts)}`);
      }
      const a = accounts[0];
      return `the simulator has device "${labels[0]}" for jane; the extension's vault lists 1 confirmed account ` +
        `(${a.accountName}, ${a.issuer}, ${a.algorithm}/${a.digits} digits/${a.period} s)`;
    });

    await run('log out', async () => {
      // The extension's notice lets clicks through to the page: the link works as it is.
      await clickAndNavigate(page, '#tpe-logout');
      await poll(page, () => Boolean(document.querySelector('#username')), { what: 'the login page after logout' });
      return 'logged out (#tpe-logout) → back on the login page';
    });

    return { ok: true, username: USERNAME, label: filled.label };
  } catch (e) {
    return { ok: false, step, error: e instanceof Error ? e.message : String(e) };
  }
}
