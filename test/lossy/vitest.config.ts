import { defineConfig } from 'vitest/config';

// Only for test/lossy.test.ts, which runs this inside a lossy network namespace.
const conditions = ['source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    include: ['test/lossy/*.inside.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 180_000,
    fileParallelism: false,
  },
});
