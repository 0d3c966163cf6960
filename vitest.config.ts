import { defineConfig } from 'vitest/config';

// SOCKFLOW_TEST_JSON=path also writes a JSON report there (.ci/run sums both Node runs).
const json = process.env.SOCKFLOW_TEST_JSON;

// Tests run the TypeScript sources: `sockflow` and its subpaths (imported by the examples the
// tests drive) resolve through the exports map's "source" condition, never a stale dist/.
// Vite's server conditions with "source" in front: vitest also hands these to Node as
// --conditions, so no "import" here (Node would then resolve a CommonJS package's require()
// to its ESM wrapper: pg's require('pg-pool') got a module namespace, not the Pool class).
const conditions = ['source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
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
