#!/usr/bin/env node
// Runs the e2e suite once in headless Chromium and once in headless Firefox (or the browsers
// named in E2E_BROWSERS, comma-separated) and prints how many tests ran in each, and at the end
// (where CI's shortened log still shows it) which tests failed and which passed only on a retry.
import { startVitest } from 'vitest/node';

const browsers = (process.env.E2E_BROWSERS ?? 'chromium,firefox').split(',').map((b) => b.trim()).filter(Boolean);
const filters = process.argv.slice(2);
const summary = [];
const failures = [];
const flaky = [];
let failed = false;

for (const browser of browsers) {
  process.env.E2E_BROWSER = browser;
  console.log(`\n=== e2e in ${browser} ===`);
  const vitest = await startVitest('test', filters, { config: 'vitest.e2e.config.ts', run: true, watch: false });
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const mod of vitest?.state.getTestModules() ?? []) {
    for (const test of mod.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') {
        counts.passed++;
        // Passed only when run again (vitest.e2e.config.ts, retry): said, so it gets looked at.
        // With the first attempt's error, when vitest kept it: a flaky test is a bug until shown otherwise.
        if (test.diagnostic()?.flaky) {
          const error = test.task?.result?.errors?.[0];
          const first = error ? `\n      first attempt: ${String(error.message ?? error).split('\n')[0].slice(0, 300)}` : '';
          flaky.push(`${browser}: ${mod.moduleId.split('/').pop()} > ${test.fullName}${first}`);
        }
      } else if (state === 'failed') {
        counts.failed++;
        // CI keeps only the end of the output: name each failure and its first error line here.
        const error = test.result().errors?.[0];
        const first = String(error?.message ?? error ?? '').split('\n')[0].slice(0, 300);
        failures.push(`${browser}: ${mod.moduleId.split('/').pop()} > ${test.fullName}\n      ${first}`);
      } else counts.skipped++;
    }
  }
  const unhandled = vitest?.state.getUnhandledErrors() ?? [];
  for (const e of unhandled) failures.push(`${browser}: unhandled error\n      ${String(e?.message ?? e).split('\n')[0].slice(0, 300)}`);
  const errors = unhandled.length;
  if (!vitest || counts.failed > 0 || errors > 0 || counts.passed === 0 || process.exitCode) failed = true;
  summary.push(`${browser}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  await vitest?.close();
  process.exitCode = 0;
}

if (flaky.length > 0) console.log(`\ne2e flaky (failed once, passed when run again)\n  ${flaky.join('\n  ')}`);
if (failures.length > 0) console.log(`\ne2e failures\n  ${failures.join('\n  ')}`);
console.log(`\ne2e summary\n  ${summary.join('\n  ')}`);
process.exit(failed ? 1 : 0);
