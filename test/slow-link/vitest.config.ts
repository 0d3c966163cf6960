import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

// Only for test/slow-link.test.ts, which runs this inside a network namespace whose loopback
// is shaped to a slow link: the suite's own configuration, with the inside test alone.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/slow-link/*.inside.ts'],
    testTimeout: 60_000,
    reporters: ['default'],
  },
});
