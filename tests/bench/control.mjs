/**
 * The control extension: the least any extension can do to fill an OTP page, measured the same
 * way as ours, so that a figure can be told apart from the browser's own floor on this machine.
 * Its page script runs where ours does (the same match patterns and timing, read from our built
 * manifest) and, when the page has an `#otp` field, sends one message to its background, which
 * answers at once with a fixed code, and fills it. No vault, no page detection, no clock check.
 * - fill latency: DOMContentLoaded → filled, as for ours: the floor of "one round trip to the
 *   background and a fill";
 * - page-load overhead: load event with the control / without any extension: what the existence
 *   of a content script (and a background) costs on its own;
 * - popup first render: its popup (`popup.html`, opened the way the bench opens ours) has one
 *   script that inserts one row (`.code-row`, with a code) and filters it on input: the floor of
 *   opening an extension page in a popup window and running a script there.
 * Written to a directory at run time; plain JavaScript, no build.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extensionDir } from '../browsers.mjs';

/** What the control fills: any six digits (the bench reads the fill time, not the code). */
export const CONTROL_CODE = '000000';

/**
 * Writes the control extension for `kind` into `dir` (replaced) and returns `dir`.
 * @param {'chromium' | 'firefox'} kind @param {string} dir
 */
export function writeControlExtension(kind, dir) {
  const ours = JSON.parse(readFileSync(join(extensionDir(kind), 'manifest.json'), 'utf8'));
  /** @type {{matches: string[], js: string[], run_at?: string}[]} */
  const scripts = ours.content_scripts;
  // Ours on every ThingPark page (not the setup pages' extra script): same matches and timing.
  const pageScript = scripts.find((c) => c.js.includes('thingpark.js'));
  if (!pageScript) throw new Error('our manifest has no thingpark.js content script');
  const manifest = {
    manifest_version: 3,
    name: 'Bench control',
    version: '1.0',
    host_permissions: ours.host_permissions,
    background: kind === 'chromium' ? { service_worker: 'background.js' } : { scripts: ['background.js'] },
    content_scripts: [{ matches: pageScript.matches, js: ['page.js'], run_at: pageScript.run_at ?? 'document_idle' }],
    ...(kind === 'firefox' ? { browser_specific_settings: { gecko: { id: 'bench-control@thingpark-autofill.dev' } } } : {}),
  };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    join(dir, 'background.js'),
    `(globalThis.browser ?? globalThis.chrome).runtime.onMessage.addListener((_message, _sender, reply) => {
  reply(${JSON.stringify(CONTROL_CODE)});
});
`,
  );
  // Filled as ours fills (utils/page/fill.ts): the value, then an input event.
  writeFileSync(
    join(dir, 'page.js'),
    `(() => {
  const otp = document.getElementById('otp');
  if (!otp) return;
  (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type: 'code' }).then((code) => {
    otp.value = code;
    otp.dispatchEvent(new Event('input', { bubbles: true }));
  });
})();
`,
  );
  // The popup: the same element names the bench looks for in ours (#account-search, .code-row,
  // .digits), no framework, no message to the background. host.html: the page that opens it.
  writeFileSync(
    join(dir, 'popup.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>Control</title></head><body><input id="account-search" aria-label="Search"><ul id="rows"></ul><script src="popup.js"></script></body></html>\n',
  );
  writeFileSync(
    join(dir, 'popup.js'),
    `const rows = document.getElementById('rows');
const render = (filter) => {
  const row = document.createElement('li');
  row.className = 'code-row';
  const digits = document.createElement('span');
  digits.className = 'digits';
  digits.textContent = ${JSON.stringify(CONTROL_CODE)};
  row.append(filter ? filter + ' ' : '', digits);
  rows.replaceChildren(row);
};
render('');
document.getElementById('account-search').addEventListener('input', (e) => render(e.target.value));
`,
  );
  writeFileSync(join(dir, 'host.html'), '<!doctype html><html><head><meta charset="utf-8"><title>Host</title></head><body></body></html>\n');
  return dir;
}

/** Where `writeControlExtension` writes the control for `kind`. @param {'chromium' | 'firefox'} kind */
export const controlDir = (kind) => join(tmpdir(), `tpa-bench-control-${kind}`);
