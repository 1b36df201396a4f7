import { defineConfig } from 'vitest/config';
import { eagerLazyLoads } from './test/support/eager-lazy-loads.js';

export default defineConfig({
  plugins: [eagerLazyLoads()],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
