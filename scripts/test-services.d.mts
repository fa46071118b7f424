export interface TestService {
  package: string;
  binary: string;
  override: string;
  usedBy: string;
}
export const TEST_SERVICES: readonly TestService[];
export function missingServices(env?: NodeJS.ProcessEnv): TestService[];
export function installCommand(packages: readonly string[]): string;
export function ensureTestServices(options?: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; isRoot?: boolean }): string[];
