import { afterEach, vi } from 'vitest';

// Every test starts from the runner's environment: stubs never leak between tests.
afterEach(() => {
  vi.unstubAllEnvs();
});
