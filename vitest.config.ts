import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'main/**/*.test.ts', 'scripts/**/*.test.ts', 'renderer/**/*.test.ts', 'e2e/support/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Broker tests open real TCP servers; two cores, so keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
  },
});
