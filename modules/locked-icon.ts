/**
 * The toolbar button's "locked" look: the same mark as the extension's icon (assets/icon.svg,
 * which @wxt-dev/auto-icons turns into the manifest's sizes), in grey, rendered at build time
 * with sharp at the two sizes a toolbar draws (16 px, and 32 px on high-density screens).
 * Nothing is drawn by hand and nothing is drawn at run time.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp from 'sharp';
import 'wxt';
import { defineWxtModule } from 'wxt/modules';

const LOCKED_ICON_SIZES = [16, 32] as const;
const lockedIconPath = (size: number) => `icons/locked-${size}.png` as const;

export default defineWxtModule({
  name: 'locked-icon',
  setup(wxt) {
    const source = resolve(wxt.config.root, 'assets/icon.svg');
    wxt.hooks.hook('build:done', async (wxt, output) => {
      await mkdir(resolve(wxt.config.outDir, 'icons'), { recursive: true });
      for (const size of LOCKED_ICON_SIZES) {
        // Grey and a little faded: "not ready to fill" on light and on dark toolbars alike.
        await sharp(source)
          .resize(size)
          .grayscale()
          .linear(0.85, 40)
          .png()
          .toFile(resolve(wxt.config.outDir, lockedIconPath(size)));
        output.publicAssets.push({ type: 'asset', fileName: lockedIconPath(size) });
      }
    });
    wxt.hooks.hook('prepare:publicPaths', (_wxt, paths) => {
      for (const size of LOCKED_ICON_SIZES) paths.push(lockedIconPath(size));
    });
  },
});
