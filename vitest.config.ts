import { defineConfig } from 'vitest/config';

// SOCKFLOW_TEST_JSON=path also writes a JSON report there (.ci/run sums both Node runs).
const json = process.env.SOCKFLOW_TEST_JSON;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Sockets on loopback and big transfers: one file at a time keeps the 2-core machine honest.
    fileParallelism: false,
    reporters: json ? ['default', ['json', { outputFile: json }]] : ['default'],
  },
});
