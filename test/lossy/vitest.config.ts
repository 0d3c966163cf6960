import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

// Only for test/lossy.test.ts, which runs this inside a lossy network namespace: the suite's
// own configuration, with the inside test alone and room for slow retransmissions.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/lossy/*.inside.ts'],
    testTimeout: 180_000,
    reporters: ['default'],
  },
});
