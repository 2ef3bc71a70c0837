/**
 * Figures: summaries of samples, budgets, and the printed table.
 *
 * A figure is one line of the report:
 *   { id, figure, browser, metric, unit, median, min, max, n, budget, pass, note? , extra? }
 * `budget` is { max } or { min } in the figure's unit, or null when a figure is only reported
 * (no budget); `pass` is true/false against the budget (always judged on the median), null without one.
 */

/** @typedef {{max?: number, min?: number, text?: string} | null} Budget */
/**
 * @typedef {object} Figure
 * @property {string} id          stable key, e.g. 'fill.dcl'
 * @property {string} figure      the figure's name in tests/bench/README.md, e.g. 'fill latency'
 * @property {string} browser     'chromium' | 'firefox' | 'node' | 'build'
 * @property {string} metric      what exactly, e.g. 'DOMContentLoaded → #otp filled'
 * @property {string} unit        'ms', 'bytes', 'ratio', '%', 'MB'
 * @property {number | null} median
 * @property {number | null} min
 * @property {number | null} max
 * @property {number} n
 * @property {Budget} budget
 * @property {boolean | null} pass
 * @property {string} [note]
 * @property {Record<string, unknown>} [extra]
 */

/** @param {number[]} xs */
export function median(xs) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** @param {number[]} samples @returns {{median: number | null, min: number | null, max: number | null, n: number}} */
export function summarize(samples) {
  const xs = samples.filter((x) => Number.isFinite(x));
  return {
    median: median(xs),
    min: xs.length ? Math.min(...xs) : null,
    max: xs.length ? Math.max(...xs) : null,
    n: xs.length,
  };
}

/**
 * A figure from samples (or from one value, n = 1).
 * @param {Omit<Figure, 'median' | 'min' | 'max' | 'n' | 'pass' | 'budget'> & {budget?: Budget, samples?: number[], value?: number | null}} f
 * @returns {Figure}
 */
export function figure(f) {
  const { samples, value, ...rest } = f;
  const s = samples ? summarize(samples) : { median: value ?? null, min: value ?? null, max: value ?? null, n: value == null ? 0 : 1 };
  const budget = f.budget ?? null;
  return { ...rest, ...s, budget, pass: judge(s.median, budget) };
}

/** @param {number | null} value @param {Budget} budget */
export function judge(value, budget) {
  if (!budget || (budget.max == null && budget.min == null)) return null;
  if (value == null) return false;
  if (budget.max != null && value > budget.max) return false;
  if (budget.min != null && value < budget.min) return false;
  return true;
}

/** @param {number | null} v @param {string} unit */
export function fmt(v, unit) {
  if (v == null) return '–';
  if (unit === 'bytes') return v >= 10_000 ? `${(v / 1000).toFixed(1)} kB` : `${v} B`;
  if (unit === 'ratio') return v.toFixed(3);
  if (unit === '%') return `${v.toFixed(1)} %`;
  if (unit === 'MB') return `${v.toFixed(2)} MB`;
  if (unit === 'ms') return v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
  return `${v} ${unit}`;
}

/** @param {Budget} b @param {string} unit */
export function fmtBudget(b, unit) {
  if (!b) return 'reported';
  if (b.text) return b.text;
  if (b.max != null) return `≤ ${fmt(b.max, unit)}`;
  if (b.min != null) return `≥ ${fmt(b.min, unit)}`;
  return 'reported';
}

/** The figures as a plain-text table. @param {Figure[]} figures */
export function table(figures) {
  const header = ['figure', 'browser', 'metric', 'median', 'min', 'max', 'n', 'budget', 'result'];
  const rows = figures.map((f) => [
    f.figure,
    f.browser,
    f.metric,
    fmt(f.median, f.unit),
    f.n > 1 ? fmt(f.min, f.unit) : '',
    f.n > 1 ? fmt(f.max, f.unit) : '',
    String(f.n),
    fmtBudget(f.budget, f.unit),
    f.pass === null ? (f.note?.startsWith('skipped') ? 'skipped' : '') : f.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (/** @type {string[]} */ r) => r.map((c, i) => (i >= 3 && i <= 6 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * 95 % bootstrap interval of the ratio of medians of two paired samples (pairs resampled,
 * seeded: the same data gives the same interval). @param {number[]} a @param {number[]} b
 * @returns {[number, number] | null}
 */
export function ratioInterval(a, b, rounds = 2000) {
  const n = Math.min(a.length, b.length);
  if (n < 3) return null;
  let seed = 0x9e3779b9;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const xa = [];
    const xb = [];
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rand() * n);
      xa.push(a[k]);
      xb.push(b[k]);
    }
    const mb = /** @type {number} */ (median(xb));
    if (mb) ratios.push(/** @type {number} */ (median(xa)) / mb);
  }
  ratios.sort((x, y) => x - y);
  return [ratios[Math.floor(rounds * 0.025)], ratios[Math.floor(rounds * 0.975)]];
}

/** Figures with a note, one line each, for under the table. @param {Figure[]} figures */
export function notes(figures) {
  return figures
    .filter((f) => f.note)
    .map((f) => `- ${f.figure}, ${f.browser}, ${f.metric}: ${f.note}`)
    .join('\n');
}
