import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The CLI the tests spawn is the build of the sources under test (test/helpers/build.ts).
    globalSetup: ['test/helpers/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores on the reference machine: more workers only thrash.
    maxWorkers: 2,
  },
});
