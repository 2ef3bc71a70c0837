/**
 * QR reading: our reader vs zbarimg on a generated corpus.
 *
 * Corpus: the simulator's enrollment QR images (tests/simulator/pages.mjs `qrDataUrl`, the same
 * 246x246 PNG Keycloak inlines) of real otpauth:// key URIs (Keycloak's format, built by the
 * simulator, fixed secrets), then every combination of
 *   scale 0.5, 0.75, 1, 1.5, 2, 3  (area average down, bilinear up, like a browser's zoom)
 *   blur  gaussian sigma 0, 1, 2 px (at the final size)
 *   noise gaussian sigma 0, 24, 48 grey levels (per pixel, seeded: the corpus is the same every run)
 *   inverted colours or not
 * = 108 images per URI, for 2 URIs (SHA1/6/30 and SHA256/8/60: two QR versions) = 216 PNGs.
 *
 * Our reader is the shipped code: lib/otp/qr.ts `decodeQr` + jsQR, built and minified by vite as the
 * extension's build does (the extension runs it in its background), run in Node and fed the PNG's
 * RGBA pixels (what getImageData gives the background; PNG decoding is not timed, the browser
 * does it). zbarimg (Debian zbar-tools, `ZBARIMG_ARGS`: QR
 * only, both polarities) runs once per image; its wall time includes process start-up and PNG
 * decoding, so it is also reported net of the start-up (a 1x1 blank PNG read right before each
 * image). A read counts only if the text is exactly the URI.
 *
 * One file per group of figures (`--only qr`): the corpus, both readers and the breakdown.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-ignore -- pngjs ships no type declarations
import { PNG } from 'pngjs';
import { qrDataUrl } from '../simulator/pages.mjs';
import { buildKeyUri, normalizePolicy } from '../simulator/keycloak.mjs';
import { figure, fmt, median } from './stats.mjs';

export const SCALES = [0.5, 0.75, 1, 1.5, 2, 3];
export const BLURS = [0, 1, 2];
export const NOISES = [0, 24, 48];
export const INVERTS = [false, true];

/** @typedef {{file: string, uri: string, scale: number, blur: number, noise: number, invert: boolean, uriKind: string}} CorpusImage */
/** @typedef {{data: Uint8Array, width: number, height: number}} Img  RGBA */

/** mulberry32: a small seeded PRNG, so the corpus is identical on every run. @param {number} seed */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Grey levels of an RGBA image (the QR is black and white; the corpus stays grey). @param {Img} img */
function toGrey(img) {
  const g = new Float64Array(img.width * img.height);
  for (let i = 0; i < g.length; i++) g[i] = (img.data[i * 4] + img.data[i * 4 + 1] + img.data[i * 4 + 2]) / 3;
  return { g, width: img.width, height: img.height };
}

/**
 * Resize: area average when shrinking (each output pixel is the mean of the source area it
 * covers, fractional edges weighted), bilinear when enlarging.
 * @param {{g: Float64Array, width: number, height: number}} src @param {number} s
 */
function resize(src, s) {
  const w = Math.max(1, Math.round(src.width * s));
  const h = Math.max(1, Math.round(src.height * s));
  const out = new Float64Array(w * h);
  const sx = src.width / w;
  const sy = src.height / h;
  if (s < 1) {
    for (let y = 0; y < h; y++) {
      const y0 = y * sy;
      const y1 = y0 + sy;
      for (let x = 0; x < w; x++) {
        const x0 = x * sx;
        const x1 = x0 + sx;
        let sum = 0;
        let area = 0;
        for (let yy = Math.floor(y0); yy < Math.ceil(y1); yy++) {
          const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
          for (let xx = Math.floor(x0); xx < Math.ceil(x1); xx++) {
            const wx = Math.min(x1, xx + 1) - Math.max(x0, xx);
            sum += src.g[yy * src.width + xx] * wx * wy;
            area += wx * wy;
          }
        }
        out[y * w + x] = sum / area;
      }
    }
  } else {
    for (let y = 0; y < h; y++) {
      const fy = Math.min(src.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
      const y0 = Math.floor(fy);
      const y1 = Math.min(src.height - 1, y0 + 1);
      const dy = fy - y0;
      for (let x = 0; x < w; x++) {
        const fx = Math.min(src.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
        const x0 = Math.floor(fx);
        const x1 = Math.min(src.width - 1, x0 + 1);
        const dx = fx - x0;
        const top = src.g[y0 * src.width + x0] * (1 - dx) + src.g[y0 * src.width + x1] * dx;
        const bottom = src.g[y1 * src.width + x0] * (1 - dx) + src.g[y1 * src.width + x1] * dx;
        out[y * w + x] = top * (1 - dy) + bottom * dy;
      }
    }
  }
  return { g: out, width: w, height: h };
}

/** Separable gaussian blur (edges clamped). @param {{g: Float64Array, width: number, height: number}} img @param {number} sigma */
function blur(img, sigma) {
  if (!sigma) return img;
  const r = Math.ceil(sigma * 3);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const kernel = k.map((v) => v / sum);
  const { width: w, height: h } = img;
  const tmp = new Float64Array(w * h);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += img.g[y * w + Math.min(w - 1, Math.max(0, x + i))] * kernel[i + r];
      tmp[y * w + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x] * kernel[i + r];
      out[y * w + x] = acc;
    }
  }
  return { g: out, width: w, height: h };
}

/** Gaussian noise (Box-Muller) of `sigma` grey levels. @param {{g: Float64Array}} img @param {number} sigma @param {() => number} rand */
function addNoise(img, sigma, rand) {
  if (!sigma) return img;
  const g = new Float64Array(img.g.length);
  for (let i = 0; i < g.length; i++) {
    const n = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    g[i] = img.g[i] + n * sigma;
  }
  return { ...img, g };
}

/** @param {{g: Float64Array, width: number, height: number}} img @param {boolean} invert */
function toPng(img, invert) {
  const png = new PNG({ width: img.width, height: img.height });
  for (let i = 0; i < img.g.length; i++) {
    const v = Math.max(0, Math.min(255, Math.round(img.g[i])));
    const c = invert ? 255 - v : v;
    png.data[i * 4] = c;
    png.data[i * 4 + 1] = c;
    png.data[i * 4 + 2] = c;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

/**
 * Writes the corpus into `dir` (emptied first). @param {string} dir
 * @returns {Promise<CorpusImage[]>}
 */
export async function makeCorpus(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const uris = [
    // Fixed secrets (20 characters, as Keycloak generates them): the same symbols on every run.
    { uriKind: 'sha1-6-30', uri: buildKeyUri({ policy: normalizePolicy({}), issuer: 'ThingPark Enterprise', account: 'jane.doe@example.com', rawSecret: 'Q2xCv8TnR4pWz7Ld0sKj' }) },
    {
      uriKind: 'sha256-8-60',
      uri: buildKeyUri({ policy: normalizePolicy({ algorithm: 'SHA256', digits: 8, period: 60 }), issuer: 'ThingPark SHA256', account: 'integrator.support@customer-example.com', rawSecret: 'm5HyT0aVe9RkB3wQx6Zc' }),
    },
  ];
  /** @type {CorpusImage[]} */
  const corpus = [];
  const rand = prng(20260707);
  for (const [u, { uri, uriKind }] of uris.entries()) {
    const dataUrl = await qrDataUrl(uri);
    const base = toGrey(PNG.sync.read(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1).trim(), 'base64')));
    for (const scale of SCALES) {
      const scaled = scale === 1 ? base : resize(base, scale);
      for (const b of BLURS) {
        const blurred = blur(scaled, b);
        for (const noise of NOISES) {
          const noisy = addNoise(blurred, noise, rand);
          for (const invert of INVERTS) {
            const file = join(dir, `u${u}-s${scale}-b${b}-n${noise}-${invert ? 'inv' : 'pos'}.png`);
            writeFileSync(file, toPng(noisy, invert));
            corpus.push({ file, uri, uriKind, scale, blur: b, noise, invert });
          }
        }
      }
    }
  }
  return corpus;
}

/**
 * Our reader: lib/otp/qr.ts built and minified by vite, as in the extension's background (which
 * cannot be loaded outside a browser), then imported into this realm (a `vm` context would make
 * every global lookup of jsQR's hot loops, `Math` included, several times slower).
 * @param {string} outDir where to write the build
 */
async function loadOurReader(outDir) {
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, minify: true, lib: { entry: resolve('lib/otp/qr.ts'), formats: ['es'], fileName: 'qr' } },
  });
  const { decodeQr } = await import(pathToFileURL(join(outDir, 'qr.js')).href);
  if (typeof decodeQr !== 'function') throw new Error(`${outDir}/qr.js does not export the decoder`);
  return /** @type {(p: {data: Uint8ClampedArray, width: number, height: number}) => {ok: boolean, value?: string}} */ (decodeQr);
}

/** zbarimg's path, or null when it is not installed. */
export function findZbarimg() {
  const r = spawnSync('zbarimg', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? { version: r.stdout.trim() } : null;
}

/**
 * QR codes only, and both polarities (zbar reads only dark-on-light unless told to test the
 * inverted image too; our reader tries both, so zbarimg gets the same chance).
 */
export const ZBARIMG_ARGS = ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', '-Stest-inverted'];

/** @param {string} file */
function zbarimg(file) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('zbarimg', ZBARIMG_ARGS.concat(file), { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // --raw: the symbol's text and a newline; exit 4 when nothing was found.
  return { text: r.status === 0 ? r.stdout.replace(/\n$/, '') : null, ms };
}

/**
 * @param {{readerDir: string, corpusDir: string, repeat: number, every?: number, log: (s: string) => void}} o
 *   repeat: timings per image (its median counts); every: use every n-th image only (--quick)
 * @returns {Promise<{figures: import('./stats.mjs').Figure[], details: Record<string, unknown>}>}
 */
export async function measureQr(o) {
  const corpus = (await makeCorpus(o.corpusDir)).filter((_, i) => i % (o.every ?? 1) === 0);
  o.log(`  QR reading: ${corpus.length} images in ${o.corpusDir}, our reader then zbarimg`);
  const decode = await loadOurReader(o.readerDir);
  const pixels = corpus.map((c) => {
    const png = PNG.sync.read(readFileSync(c.file));
    return { data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
  });
  // Warm up the JIT on a few images, then time each image `repeat` times (its median counts).
  for (let i = 0; i < Math.min(10, pixels.length); i++) decode(pixels[i]);
  const ours = corpus.map((c, i) => {
    const times = [];
    let text = null;
    for (let k = 0; k < o.repeat; k++) {
      const t0 = performance.now();
      const r = decode(pixels[i]);
      times.push(performance.now() - t0);
      text = r.ok ? r.value : null;
    }
    return { ok: text === c.uri, ms: /** @type {number} */ (median(times)) };
  });

  const zbar = findZbarimg();
  /** @type {{ok: boolean, ms: number, net: number}[] | null} */
  let theirs = null;
  let startupMs = null;
  if (zbar) {
    const blank = join(o.corpusDir, 'blank-1x1.png');
    const png = new PNG({ width: 1, height: 1 });
    png.data.fill(255);
    writeFileSync(blank, PNG.sync.write(png));
    // Start-up is timed right before each image (the machine's load drifts during a run).
    const startups = [];
    theirs = corpus.map((c) => {
      const startup = zbarimg(blank).ms;
      startups.push(startup);
      const r = zbarimg(c.file);
      return { ok: r.text === c.uri, ms: r.ms, net: Math.max(0, r.ms - startup) };
    });
    startupMs = median(startups);
  } else {
    o.log('  zbarimg not found (Debian package zbar-tools): the comparison is skipped');
  }

  const rate = (/** @type {{ok: boolean}[]} */ xs) => (100 * xs.filter((x) => x.ok).length) / xs.length;
  const oursRate = rate(ours);
  const theirRate = theirs ? rate(theirs) : null;
  const oursMs = ours.map((x) => x.ms);
  const theirMs = theirs?.map((x) => x.ms) ?? [];
  const theirNet = theirs?.map((x) => /** @type {{net: number}} */ (x).net) ?? [];

  // Success by transformation, for both readers: where ours fails, what it fails on.
  /** @type {Record<string, Record<string, {n: number, ours: number, zbarimg: number | null}>>} */
  const byTransform = {};
  for (const [key, values] of /** @type {const} */ ([
    ['scale', SCALES],
    ['blur', BLURS],
    ['noise', NOISES],
    ['invert', INVERTS],
    ['uriKind', ['sha1-6-30', 'sha256-8-60']],
  ])) {
    byTransform[key] = {};
    for (const v of values) {
      const idx = corpus.map((c, i) => (c[key] === v ? i : -1)).filter((i) => i >= 0);
      byTransform[key][String(v)] = {
        n: idx.length,
        ours: idx.filter((i) => ours[i].ok).length,
        zbarimg: theirs ? idx.filter((i) => /** @type {any} */ (theirs)[i].ok).length : null,
      };
    }
  }
  const name = (/** @type {CorpusImage} */ c) => `${c.uriKind} x${c.scale} blur ${c.blur} noise ${c.noise}${c.invert ? ' inverted' : ''}`;
  const failedOurs = corpus.filter((_, i) => !ours[i].ok).map(name);
  const failedOursReadByZbar = theirs ? corpus.filter((_, i) => !ours[i].ok && theirs?.[i].ok).map(name) : null;
  const failedZbarReadByOurs = theirs ? corpus.filter((_, i) => ours[i].ok && !theirs?.[i].ok).map(name) : null;

  const skipped = theirs ? undefined : 'skipped: zbarimg not installed (apt-get install zbar-tools)';
  const figures = [
    figure({
      id: 'qr.success', figure: 'QR reading', browser: 'node', metric: `our success rate (${corpus.length} images)`, unit: '%',
      value: oursRate,
      budget: theirRate == null ? null : { min: theirRate, text: `≥ zbarimg (${theirRate.toFixed(1)} %)` },
      ...(skipped ? { note: skipped } : {}),
    }),
    figure({ id: 'qr.success.zbarimg', figure: 'QR reading', browser: 'node', metric: 'zbarimg success rate', unit: '%', value: theirRate, ...(skipped ? { note: skipped } : {}) }),
    figure({
      id: 'qr.ms', figure: 'QR reading', browser: 'node', metric: 'our time per image', unit: 'ms', samples: oursMs,
      extra: { medianReadMs: median(ours.filter((x) => x.ok).map((x) => x.ms)), medianNotReadMs: median(ours.filter((x) => !x.ok).map((x) => x.ms)) },
      note: `median ${fmt(median(ours.filter((x) => x.ok).map((x) => x.ms)), 'ms')} when read, ${fmt(median(ours.filter((x) => !x.ok).map((x) => x.ms)), 'ms')} when not`,
    }),
    figure({ id: 'qr.ms.zbarimg', figure: 'QR reading', browser: 'node', metric: 'zbarimg time per image (process)', unit: 'ms', samples: theirMs, ...(skipped ? { note: skipped } : {}) }),
    figure({
      id: 'qr.ms.zbarimg.net', figure: 'QR reading', browser: 'node', metric: `zbarimg net of start-up (median ${startupMs?.toFixed(1) ?? '–'} ms)`, unit: 'ms',
      samples: theirNet, ...(skipped ? { note: skipped } : {}),
    }),
    figure({
      id: 'qr.ms.ratio', figure: 'QR reading', browser: 'node', metric: 'time ratio ours / zbarimg net (medians)', unit: 'ratio',
      value: theirNet.length ? /** @type {number} */ (median(oursMs)) / /** @type {number} */ (median(theirNet)) : null,
      ...(skipped ? { note: skipped } : {}),
    }),
  ];
  return {
    figures,
    details: {
      images: corpus.length,
      transforms: { scales: SCALES, blurSigmaPx: BLURS, noiseSigmaGrey: NOISES, invert: INVERTS },
      zbarimg: zbar ? `${zbar.version} ${ZBARIMG_ARGS.join(' ')}` : null,
      zbarimgStartupMs: startupMs,
      byTransform,
      failedOurs,
      failedOursReadByZbar,
      failedZbarReadByOurs,
    },
  };
}

/** Prints the per-transformation success table. @param {Record<string, unknown>} details */
export function qrBreakdown(details) {
  const by = /** @type {Record<string, Record<string, {n: number, ours: number, zbarimg: number | null}>>} */ (details.byTransform);
  const lines = ['QR success by transformation (ours / zbarimg, of n):'];
  for (const [key, values] of Object.entries(by)) {
    lines.push(`  ${key.padEnd(8)} ${Object.entries(values).map(([v, r]) => `${v}: ${r.ours}/${r.zbarimg ?? '–'} of ${r.n}`).join('   ')}`);
  }
  const failed = /** @type {string[] | null} */ (details.failedOursReadByZbar);
  if (failed?.length) lines.push(`  read by zbarimg, not by ours (${failed.length}): ${failed.join('; ')}`);
  const theirs = /** @type {string[] | null} */ (details.failedZbarReadByOurs);
  if (theirs?.length) lines.push(`  read by ours, not by zbarimg (${theirs.length}): ${theirs.join('; ')}`);
  return lines.join('\n');
}
