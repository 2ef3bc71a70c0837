#!/usr/bin/env node
// Runs the e2e suite once in headless Chromium and once in headless Firefox (or the browsers
// named in E2E_BROWSERS, comma-separated) and prints how many tests ran in each.
import { startVitest } from 'vitest/node';

const browsers = (process.env.E2E_BROWSERS ?? 'chromium,firefox').split(',').map((b) => b.trim()).filter(Boolean);
const filters = process.argv.slice(2);
const summary = [];
let failed = false;

for (const browser of browsers) {
  process.env.E2E_BROWSER = browser;
  console.log(`\n=== e2e in ${browser} ===`);
  const vitest = await startVitest('test', filters, { config: 'vitest.e2e.config.ts', run: true, watch: false });
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const mod of vitest?.state.getTestModules() ?? []) {
    for (const test of mod.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') counts.failed++;
      else counts.skipped++;
    }
  }
  const errors = vitest?.state.getUnhandledErrors().length ?? 0;
  if (!vitest || counts.failed > 0 || errors > 0 || counts.passed === 0 || process.exitCode) failed = true;
  summary.push(`${browser}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  await vitest?.close();
  process.exitCode = 0;
}

console.log(`\ne2e summary\n  ${summary.join('\n  ')}`);
process.exit(failed ? 1 : 0);
