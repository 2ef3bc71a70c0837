/**
 * The packages `npm run zip` makes for the stores, read as a store's checks would read them: the
 * manifest's icons exist at every declared size and are PNGs of that size, every __MSG_…__ of the
 * manifest exists in both languages' catalogues inside the package, and nothing that is not the
 * extension ships (no source maps, tests, sources or dotfiles). Its size is reported. (Firefox's
 * own checks, `web-ext lint`, run on the same files in `npm test`.)
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { KIND } from './harness';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
const zipPath = join(process.env.TPA_OUT_DIR || '.output', `${pkg.name}-${pkg.version}-${KIND === 'chromium' ? 'chrome' : 'firefox'}.zip`);

/** Width and height from a PNG's IHDR chunk (bytes 16–23), or null when it is no PNG. */
function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe(`the store package for ${KIND}`, async () => {
  const zip = await JSZip.loadAsync(readFileSync(zipPath));
  const files = Object.keys(zip.files).filter((f) => !zip.files[f]!.dir);
  const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));

  it('holds the icon at every size the manifest declares, and the toolbar and locked looks', async () => {
    const declared: Record<string, string> = { ...manifest.icons, ...manifest.action.default_icon };
    expect(Object.keys(manifest.icons).map(Number).sort((a, b) => a - b)).toEqual([16, 32, 48, 96, 128]);
    for (const [size, path] of [...Object.entries(declared), ['16', 'icons/locked-16.png'], ['32', 'icons/locked-32.png']] as [string, string][]) {
      const file = zip.file(path.replace(/^\//, ''));
      expect(file, path).not.toBeNull();
      expect(pngSize(await file!.async('uint8array')), path).toEqual({ width: Number(size), height: Number(size) });
    }
  });

  it("every __MSG_…__ of the manifest is in both languages' catalogues in the package", async () => {
    const keys = [...JSON.stringify(manifest).matchAll(/__MSG_(\w+)__/g)].map((m) => m[1]!);
    expect(keys).toEqual(expect.arrayContaining(['extName', 'extDescription', 'openPopup', 'fillOneTimeCode']));
    for (const lang of ['en', 'fr']) {
      const catalogue = JSON.parse(await zip.file(`_locales/${lang}/messages.json`)!.async('string')) as Record<string, { message: string }>;
      for (const key of keys) expect(catalogue[key]?.message, `${lang}: ${key}`).toBeTruthy();
      // Chrome's limits: the store's summary is the description (132), the name at most 75.
      expect(catalogue.extDescription!.message.length, `${lang}: extDescription`).toBeLessThanOrEqual(132);
      expect(catalogue.extName!.message.length, `${lang}: extName`).toBeLessThanOrEqual(75);
    }
    expect(manifest.default_locale).toBe('en');
  });

  it('ships only the extension: no source maps, tests, sources or dotfiles; size reported', () => {
    for (const f of files) {
      expect(f, f).not.toMatch(/\.map$|\.ts$|\.tsx$|(^|\/)\.|(^|\/)tests?\/|node_modules|\.e2e\.|\.test\./);
    }
    // Every file the manifest names is in the package.
    const named = [
      manifest.background.service_worker ?? manifest.background.scripts?.[0],
      manifest.action.default_popup,
      manifest.options_ui?.page ?? manifest.options_page,
      ...manifest.content_scripts.flatMap((c: { js: string[] }) => c.js),
    ].filter(Boolean);
    for (const f of named) expect(files, f).toContain(f);
    const kb = (statSync(zipPath).size / 1024).toFixed(1);
    const unpacked = Object.values(zip.files).reduce((n, f) => n + ((f as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize ?? 0), 0);
    console.log(`[measure] ${KIND}: ${zipPath}: ${kb} kB, ${files.length} files, ${(unpacked / 1024).toFixed(1)} kB unpacked`);
  });
});
