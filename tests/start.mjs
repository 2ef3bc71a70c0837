#!/usr/bin/env node
/**
 * `npm start`: builds the extension, starts the ThingPark/Keycloak simulator over HTTPS and opens
 * a browser with the extension, on https://community.thingpark.io served by the simulator.
 *
 *   npm start                         Chromium, visible if there is a display
 *   BROWSER=firefox npm start         Firefox ESR instead
 *   HEADLESS=1 npm start              no window: runs the enrollment walk-through and reports it
 *
 * With a display, the browser stays open for you to try the extension until you close it or
 * press Ctrl-C. Without one (or with HEADLESS=1), the same walk-through runs headless, step by
 * step, and the exit code says whether it worked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBrowser, launchWithExtension } from './browsers.mjs';
import { createSimulator, DEFAULT_REALM, DEMO_PASSWORD, FIXED_DEVICES } from './simulator/server.mjs';
import { runWalkthrough } from './start-walkthrough.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT); // browsers.mjs finds .output/ relative to the working directory

const BASE = 'https://community.thingpark.io';
const SHA_REALM = 'tpw-users-sha256-ope';
const KIND = /firefox/i.test(process.env.BROWSER ?? '') ? 'firefox' : 'chromium';
const BROWSER_NAME = KIND === 'firefox' ? 'Firefox' : 'Chromium';
const HAS_DISPLAY = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const HEADLESS = process.env.HEADLESS === '1' || !HAS_DISPLAY;

const started = performance.now();
const secs = (from) => `${((performance.now() - from) / 1000).toFixed(1)} s`;
const say = (line = '') => process.stdout.write(`${line}\n`);

/** Everything to undo on the way out; `cleanupSync` also runs from process 'exit'. */
const state = { sim: null, browser: null, proxy: null, profileDir: null, closing: null };

function cleanupSync() {
  if (state.profileDir) {
    rmSync(state.profileDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    state.profileDir = null;
  }
}
process.on('exit', cleanupSync);

/** Closes the browser, the Firefox proxy and the simulator, then removes the profile. Idempotent. */
function closeAll() {
  state.closing ??= (async () => {
    const { browser, proxy, sim } = state;
    if (browser) {
      const closed = browser.close().catch(() => undefined);
      const timedOut = await Promise.race([closed.then(() => false), delay(10_000).then(() => true)]);
      if (timedOut) browser.process()?.kill('SIGKILL');
    }
    await proxy?.close().catch(() => undefined);
    await sim?.close().catch(() => undefined);
    cleanupSync();
  })();
  return state.closing;
}

function delay(ms) {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function fail(message, code = 1) {
  process.stderr.write(`\n✗ ${message}\n`);
  return closeAll().then(() => process.exit(code));
}

// Ctrl-C: puppeteer also listens and, for SIGINT, kills the browser and exits at once (130);
// the 'exit' handler above still removes the temporary profile.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    say('\nStopping…');
    void closeAll().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

// ---------------------------------------------------------------------------------------------

/** 1. The browser must exist (checked first: no point building for a browser that is missing). */
try {
  findBrowser(KIND);
} catch (e) {
  await fail(`${BROWSER_NAME} is needed for npm start. ${e instanceof Error ? e.message : e}`);
}

/** 2. Build both targets. */
say(`Building the extension (npm run build)…`);
const buildStart = performance.now();
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
if (build.error || build.status !== 0) {
  if (build.error) await fail(`Could not run "npm run build": ${build.error.message}. Is npm on the PATH?`);
  const why = build.signal ? `killed by ${build.signal}` : `exit code ${build.status}`;
  await fail(`The build failed (npm run build: ${why}). Fix the errors above, then run npm start again.`);
}
const buildTime = secs(buildStart);

/** 3. Simulator, then the browser with a fresh profile. */
try {
  const simStart = performance.now();
  state.sim = await createSimulator({ https: true, port: 0 });
  const simTime = secs(simStart);

  const launchStart = performance.now();
  state.profileDir = mkdtempSync(join(tmpdir(), `thingpark-autofill-start-${KIND}-`));
  const launched = await launchWithExtension({ kind: KIND, profileDir: state.profileDir, headless: HEADLESS, thingparkPort: state.sim.port });
  state.browser = launched.browser;
  state.proxy = launched.proxy;
  const version = (await state.browser.version().catch(() => '')).match(/\d+(\.\d+)*/)?.[0] ?? '';
  const browserLabel = `${BROWSER_NAME}${version ? ` ${version}` : ''}`;
  const launchTime = secs(launchStart);

  const intro = [
    `✓ build done (${buildTime})`,
    `✓ simulator at ${BASE} (→ 127.0.0.1:${state.sim.port}) (${simTime})`,
    `✓ ${browserLabel} started with the extension (${launchTime})`,
  ];

  if (HEADLESS) {
    say();
    say(`${HAS_DISPLAY ? 'HEADLESS=1' : 'No display'}: running the enrollment walk-through headless in ${browserLabel}.`);
    for (const line of intro) say(line);
    const result = await runWalkthrough({
      kind: KIND,
      browser: state.browser,
      extOrigin: launched.extOrigin,
      sim: state.sim,
      base: BASE,
      say,
    });
    if (!result.ok) {
      await fail(`Step "${result.step}" failed: ${result.error}`);
    } else {
      say();
      say(`✓ All done in ${secs(started)}: ${browserLabel} read the QR code, filled code and device name "${result.label}", ` +
        `saved ${result.username} as it filled them, and confirmed it once ThingPark accepted it.`);
      await closeAll();
      process.exit(0);
    }
  } else {
    for (const line of intro) say(line);
    await interactive(launched.extOrigin, browserLabel);
  }
} catch (e) {
  await fail(e instanceof Error ? e.message : String(e));
}

/** With a display: open the login page, explain what to try, wait until the browser is closed. */
async function interactive(extOrigin, browserLabel) {
  const { browser, sim } = state;
  const loginUrl = sim.loginUrl(DEFAULT_REALM, { base: BASE });

  const closed = new Promise((r) => browser.once('disconnected', r));

  // The extension opens its options page on install; find that tab to put it in front again.
  const optionsTab = await findTab(browser, `${extOrigin}/options.html`, 5000);
  const loginTab = await browser.newPage();
  void loginTab.goto(loginUrl).catch(() => undefined);
  // Puppeteer's initial empty tab is of no use.
  for (const page of await browser.pages()) {
    if (page === loginTab || page === optionsTab) continue;
    const href = await page.evaluate(() => location.href).catch(() => '');
    if (href === 'about:blank' && optionsTab) await page.close().catch(() => undefined);
  }
  await optionsTab?.bringToFront().catch(() => undefined);

  const pixel7Command = `node -e "import('otpauth').then((o) => console.log(new o.TOTP({ secret: '${FIXED_DEVICES.patPixel7.secretBase32}' }).generate()))"`;
  const users = [
    ['jane.doe@example.com', 'first enrollment: the QR code is read, code and device name are filled'],
    ['v2.user@example.com', 'first enrollment on Keycloak’s newer "v2" theme'],
    ['pat@example.com', 'already has "Pixel 7": log in with its code, then add a second device (the name must differ);\n' +
      `${' '.repeat(28)}Pixel 7's code now: ${pixel7Command}`],
    ['sha@example.com', `SHA256, 8 digits, 60 s — in realm ${SHA_REALM}, log in at:\n${' '.repeat(28)}${sim.loginUrl(SHA_REALM, { base: BASE })}`],
    ['badqr@example.com', 'the setup QR code is unreadable: the extension says so and fills nothing'],
  ];
  const others = sim.users.map((u) => u.username).filter((u) => !users.some(([n]) => n === u));
  say(`
ThingPark Autofill is running in ${browserLabel} (a fresh temporary profile).

  ThingPark login page:  ${loginUrl}
                         (served by the local simulator; already open in a tab)

  Demo users — password for all: ${DEMO_PASSWORD}
${users.map(([name, what]) => `    ${name.padEnd(24)}${what}`).join('\n')}
    Also: ${others.join(', ')}

  Try it:
    1. In the tab the extension opened (ThingPark Autofill settings), create your vault:
       choose a passphrase of at least 8 characters.
    2. Switch to the ThingPark tab and sign in as jane.doe@example.com / ${DEMO_PASSWORD}.
    3. On "Mobile Authenticator Setup", watch the code and the device name being filled.
    4. Press Submit: you land on the ThingPark dashboard and the extension saves the account.
       The ThingPark Autofill button in the toolbar lists it.

Close the browser or press Ctrl-C to stop.`);

  await closed;
  say('\nThe browser was closed; stopping the simulator.');
  await closeAll();
  process.exit(0);
}

/** A tab whose page is at `prefix` (Firefox reports about:blank for tabs an extension opened). */
async function findTab(browser, prefix, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const page of await browser.pages().catch(() => [])) {
      const href = await page.evaluate(() => location.href).catch(() => '');
      if (href.startsWith(prefix)) return page;
    }
    await delay(100);
  }
  return null;
}
