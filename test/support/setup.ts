import { afterAll, afterEach, vi } from 'vitest';
import { removeTempDirs } from './temp.js';

// Every test starts from the runner's environment: stubs never leak between tests.
afterEach(() => {
  vi.unstubAllEnvs();
});

// Temporary directories go when the file's tests are done (after its own hooks: they run first).
afterAll(removeTempDirs);
