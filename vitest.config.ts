import { defineConfig } from 'vitest/config';

// lib/ is pure: its unit tests run in plain Node so that a stray browser global fails them.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
});
