import { defineConfig } from 'vitest/config';

// Real-browser tests: one browser at a time (E2E_BROWSER), files in sequence (2-core machines).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real browsers on shared 2-core machines: a test that fails once is run once more, and the
    // run prints it as flaky; a test failing twice fails the suite.
    retry: 1,
  },
});
