#!/usr/bin/env node
/**
 * npm run bench -- [--out bench.json] [--browsers chromium,firefox] [--only pages,extension,sizes,qr] [--quick] [--no-build]
 *
 * Builds the extension into its own directory (TPA_OUT_DIR, default .bench-output), measures the
 * performance figures of tests/bench/README.md in real browsers and in Node, prints a table and
 * writes the same figures as JSON (with browser versions, Node version, core count, load average,
 * date and git commit).
 * Budgets are reported as PASS/FAIL; the exit status says only whether the bench ran (0) or
 * broke (1). See tests/bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = 'Usage: npm run bench -- [--out bench.json] [--browsers chromium,firefox] [--only pages,extension,sizes,qr] [--quick] [--no-build]';
const GROUPS = ['pages', 'extension', 'sizes', 'qr'];

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    browsers: { type: 'string', default: 'chromium,firefox' },
    only: { type: 'string', default: GROUPS.join(',') },
    quick: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const browsers = /** @type {('chromium' | 'firefox')[]} */ (args.browsers.split(',').map((b) => b.trim()).filter(Boolean));
for (const b of browsers) {
  if (b !== 'chromium' && b !== 'firefox') {
    console.error(`unknown browser "${b}"\n${USAGE}`);
    process.exit(2);
  }
}

// Which groups of figures to measure (all by default): pages = fill, enrollment and page-load
// overhead; extension = unlock, popup, memory; sizes; qr. For quick comparisons while optimising.
const only = new Set(args.only.split(',').map((g) => g.trim()).filter(Boolean));
for (const g of only) {
  if (!GROUPS.includes(g)) {
    console.error(`unknown group "${g}"\n${USAGE}`);
    process.exit(2);
  }
}

// Its own build directory, so that a bench never swaps the extension under someone's test run.
const outDir = resolve(process.env.TPA_OUT_DIR || '.bench-output');
process.env.TPA_OUT_DIR = outDir;

// Imported after TPA_OUT_DIR is set (tests/browsers.mjs reads it).
const { measurePages } = await import('./pages.mjs');
const { measureExtension } = await import('./extension.mjs');
const { measureSizes } = await import('./sizes.mjs');
const { measureQr, qrBreakdown } = await import('./qr.mjs');
const { notes, table } = await import('./stats.mjs');

const quick = args.quick;
const N = quick
  ? { fill: 5, late: 3, enroll: 5, overhead: 5, unlock: 2, unlockLarge: 1, popup: 3 }
  : { fill: 40, late: 25, enroll: 30, overhead: 40, unlock: 10, unlockLarge: 5, popup: 20 };
// Sample counts can be overridden for an experiment, e.g. BENCH_N='{"overhead":20}'.
Object.assign(N, JSON.parse(process.env.BENCH_N || '{}'));
const warmup = quick ? 1 : 2;
const log = (/** @type {string} */ s) => console.log(s);

const git = (/** @type {string[]} */ a) => spawnSync('git', a, { encoding: 'utf8' }).stdout?.trim() ?? '';
const meta = {
  date: new Date().toISOString(),
  commit: git(['rev-parse', 'HEAD']) || null,
  // Uncommitted changes in the sources that go into the build.
  dirty: git(['status', '--porcelain', '--', 'entrypoints', 'components', 'utils', 'lib', 'public', 'wxt.config.ts', 'package.json']) !== '',
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? null,
  memoryGB: Math.round(os.totalmem() / 1e8) / 10,
  loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  loadAverageAtEnd: /** @type {number[] | null} */ (null),
  quick,
  samples: { ...N, warmup, qrImages: quick ? 44 : 216 },
  buildDir: outDir,
  /** @type {Record<string, string>} */
  browsers: {},
  zbarimg: /** @type {string | null} */ (null),
};

function build() {
  const wxt = join('node_modules', '.bin', 'wxt');
  for (const kind of browsers) {
    const a = kind === 'chromium' ? ['build'] : ['build', '-b', 'firefox', '--mv3'];
    log(`building ${kind} into ${outDir}`);
    const r = spawnSync(wxt, a, { encoding: 'utf8', env: process.env });
    if (r.status !== 0) {
      console.error(r.stdout, r.stderr);
      throw new Error(`wxt ${a.join(' ')} failed`);
    }
  }
}

const started = Date.now();
/** @type {import('./stats.mjs').Figure[]} */
const figures = [];
/** @type {Record<string, unknown>} */
let qrDetails = {};
try {
  if (!args['no-build']) build();
  for (const kind of browsers) {
    const dir = join(outDir, kind === 'chromium' ? 'chrome-mv3' : 'firefox-mv3');
    if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`${dir} is missing: run without --no-build`);
  }
  for (const kind of only.has('pages') || only.has('extension') ? browsers : []) {
    log(`\n${kind}`);
    const { figures: pageFigures, ext, sim } = await measurePages(kind, { n: N, warmup, log, pages: only.has('pages') });
    meta.browsers[kind] = ext.version;
    figures.push(...pageFigures);
    try {
      if (only.has('extension')) figures.push(...(await measureExtension(kind, ext, { n: N, warmup, log })));
    } finally {
      await ext.close();
      await sim.close();
    }
  }
  if (only.has('sizes')) {
    log('\nbuild');
    for (const kind of browsers) figures.push(...measureSizes(kind));
  }
  if (only.has('qr')) {
    log('\nnode');
    const qr = await measureQr({
      readerDir: join(outDir, 'qr-reader'),
      corpusDir: join(outDir, 'qr-corpus'),
      repeat: 1,
      every: quick ? 5 : 1,
      log,
    });
    figures.push(...qr.figures);
    qrDetails = qr.details;
    meta.zbarimg = /** @type {string | null} */ (qr.details.zbarimg);
  }
} catch (e) {
  console.error(`\nbench failed: ${/** @type {Error} */ (e).stack ?? e}`);
  process.exitCode = 1;
}
meta.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);

const order = ['fill latency', 'enrollment latency', 'page-load overhead', 'content script size', 'QR reading', 'unlock', 'popup at scale', 'memory'];
figures.sort((a, b) => order.indexOf(a.figure) - order.indexOf(b.figure));

console.log(`\n${table(figures)}`);
if (notes(figures)) console.log(`\n${notes(figures)}`);
if (Object.keys(qrDetails).length) console.log(`\n${qrBreakdown(qrDetails)}`);
const judged = figures.filter((f) => f.pass !== null);
console.log(
  `\n${judged.filter((f) => f.pass).length} of ${judged.length} budgets met. ${Object.entries(meta.browsers).map(([k, v]) => `${k}: ${v}`).join(', ')}; ` +
    `Node ${meta.node}; ${meta.cpus} cores; load average ${meta.loadAverageAtStart.join(' ')} at start, ${meta.loadAverageAtEnd.join(' ')} at end; ` +
    `${Math.round((Date.now() - started) / 1000)} s${quick ? ' (--quick: a smoke run, too few samples for stable medians)' : ''}.`,
);
if (args.out) {
  writeFileSync(args.out, `${JSON.stringify({ meta, figures, qr: qrDetails }, null, 2)}\n`);
  console.log(`figures written to ${args.out}`);
}
