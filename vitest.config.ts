import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Sockets on loopback and big transfers: one file at a time keeps the 2-core machine honest.
    fileParallelism: false,
  },
});
