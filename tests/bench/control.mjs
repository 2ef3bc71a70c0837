/**
 * The control extension: the least any extension can do to fill an OTP page, measured the same
 * way as ours, so that a figure can be told apart from the browser's own floor on this machine.
 * Its page script runs where ours does (the same match patterns and timing, read from our built
 * manifest) and, when the page has an `#otp` field, sends one message to its background, which
 * answers at once with a fixed code, and fills it. No vault, no page detection, no clock check.
 * - fill latency: DOMContentLoaded → filled, as for ours: the floor of "one round trip to the
 *   background and a fill";
 * - page-load overhead: load event with the control / without any extension: what the existence
 *   of a content script (and a background) costs on its own.
 * Written to a directory at run time; plain JavaScript, no build.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  // Filled as ours fills (components/page/fill.ts): the value, then an input event.
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
  return dir;
}
