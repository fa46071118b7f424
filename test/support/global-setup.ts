import { ensureTestServices } from '../../scripts/test-services.mjs';

// Before any test file runs: the Debian services the tests start for real (Prometheus,
// Pushgateway, chromium) are installed, or the run stops with the command that installs them.
export default function setup(): void {
  ensureTestServices({ log: (line: string) => process.stderr.write(`${line}\n`) });
}
