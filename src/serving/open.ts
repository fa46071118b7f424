import { isAbsolute, resolve } from 'node:path';
import type { Environment } from '../command.js';
import type { SwitchConfig } from '../config/types.js';
import { ConfigurationError } from '../io/errors.js';
import type { ServingSwitch } from '../ledger/switch.js';
import { FileFlagSwitch } from './file-flag-switch.js';

/** What opening a switch needs from GitHub, handed in by the action entries and the CLI wiring. */
export interface SwitchServices {
  /** The serving switch for `environment-variables` and `flagd` (the contents API). */
  githubSwitch?(config: SwitchConfig, options: { token: string; repository: string; environment: Environment }): Promise<ServingSwitch>;
}

/**
 * The switch `promote.switch` names, or null for none: a local flag file here, the GitHub
 * backends through the services. Promote and monitor's rollback open it the same way.
 */
export async function openSwitch(
  settings: SwitchConfig | undefined,
  tokens: { githubToken: string | undefined; switchToken: string | undefined },
  environment: Environment,
  services: SwitchServices,
): Promise<ServingSwitch | null> {
  if (!settings || settings.backend === 'none') return null;
  if (settings.backend === 'flagd-file') {
    if (!settings.path) throw new ConfigurationError('promote.switch: backend flagd-file needs path (e.g. .model-gates/flags/{environment}.flagd.json)');
    const path = isAbsolute(settings.path) ? settings.path : resolve(environment.context.workspace, settings.path);
    return new FileFlagSwitch(path, { log: environment.log });
  }
  if (settings.backend === 'flagd' && !settings.path) throw new ConfigurationError('promote.switch: backend flagd needs path, the flag file in the repository (e.g. flags/{environment}.flagd.json)');
  const token = tokens.switchToken ?? tokens.githubToken;
  if (!token) throw new ConfigurationError(`promote.switch: backend ${settings.backend} needs a token (switch-token, else github-token)`);
  environment.setSecret(token);
  const repository = settings.repository ?? environment.context.repository;
  if (!repository) throw new ConfigurationError(`promote.switch: backend ${settings.backend} needs promote.switch.repository (or GITHUB_REPOSITORY)`);
  if (!services.githubSwitch) throw new ConfigurationError(`promote.switch: backend ${settings.backend} is not available here`);
  return services.githubSwitch(settings, { token, repository, environment });
}

/** The switch-token input, shared by promote and monitor. */
export const switchTokenInput = {
  kind: 'string',
  description:
    'Token for the serving switch (promote.switch in the config); default github-token. environment-variables needs a GitHub App installation token or fine-grained token with Environments: write (a GITHUB_TOKEN cannot write environment variables); flagd needs contents: write on the flag repository.',
} as const;
