/**
 * Real downloads in the test browsers, saved into a folder of the test's own without asking:
 * Chromium through the DevTools protocol (Browser.setDownloadBehavior), Firefox through its own
 * download prefs (puppeteer has no such call over BiDi for the default context).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from './harness';

/** Firefox prefs that save every download into `dir` (pass them to `launch`). */
export const firefoxDownloadPrefs = (dir: string) => ({
  'browser.download.dir': dir,
  'browser.download.folderList': 2,
  'browser.download.useDownloadDir': true,
  'browser.download.always_ask_before_handling_new_types': false,
  'browser.download.start_downloads_in_tmp_dir': false,
  'browser.download.alwaysOpenPanel': false,
});

/** Chromium: saves every download into `dir` (Firefox: done by firefoxDownloadPrefs at launch). */
export async function allowDownloads(s: Session, dir: string): Promise<void> {
  if (s.kind !== 'chromium') return;
  const cdp = await s.browser.target().createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
}

/** The finished download called `name` in `dir` (no partial file left), read and removed. */
export async function downloaded(dir: string, name: string, timeoutMs = 15_000): Promise<string> {
  const path = join(dir, name);
  const deadline = Date.now() + timeoutMs;
  let lastSize = -1;
  while (Date.now() < deadline) {
    const partial = readdirSync(dir).some((f) => f.endsWith('.part') || f.endsWith('.crdownload'));
    if (!partial && existsSync(path)) {
      const size = statSync(path).size;
      if (size > 0 && size === lastSize) {
        const text = readFileSync(path, 'utf8');
        rmSync(path);
        return text;
      }
      lastSize = size;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no download ${name} in ${dir} (found: ${readdirSync(dir).join(', ') || 'nothing'})`);
}
