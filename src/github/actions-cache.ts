import { isAbsolute, relative } from 'node:path';
import * as core from '@actions/core';
import type { FolderCache } from '../command.js';
import { errorMessage } from '../io/errors.js';

type CacheModule = typeof import('@actions/cache');

/**
 * Loaded on first use. The cache client and the Azure SDK under it are most of the bundle:
 * they sit in a chunk of their own, so a start-up does not even parse them.
 */
async function loadCache(): Promise<CacheModule> {
  return import('@actions/cache');
}

/**
 * The folder as the cache's path list names it. The service matches entries on a hash of
 * those paths, so a folder inside the workspace is named relative to it: the same on every
 * runner, wherever its workspace lives.
 */
function cachePath(dir: string): string {
  const inWorkspace = relative(process.env.GITHUB_WORKSPACE || process.cwd(), dir);
  return inWorkspace === '' || inWorkspace.startsWith('..') || isAbsolute(inWorkspace) ? dir : inWorkspace;
}

/**
 * The Actions cache as a FolderCache, through `@actions/cache` (cache service v2 on
 * github.com, v1 on GitHub Enterprise Server). Failures become warnings.
 */
export const actionsFolderCache: FolderCache = {
  async restore(dir, key, prefixes) {
    try {
      const cache = await loadCache();
      if (!cache.isFeatureAvailable()) {
        core.info(`${cachePath(dir)}: the Actions cache service is not available to this step; using the local folder only`);
        return undefined;
      }
      return await cache.restoreCache([cachePath(dir)], key, prefixes);
    } catch (error) {
      core.warning(`${cachePath(dir)}: could not restore from the Actions cache: ${errorMessage(error)}`);
      return undefined;
    }
  },
  async available() {
    try {
      return (await loadCache()).isFeatureAvailable();
    } catch {
      return false;
    }
  },
  async save(dir, key) {
    try {
      const cache = await loadCache();
      if (!cache.isFeatureAvailable()) return false;
      return (await cache.saveCache([cachePath(dir)], key)) !== -1;
    } catch (error) {
      core.warning(`${cachePath(dir)}: could not save to the Actions cache: ${errorMessage(error)}`);
      return false;
    }
  },
};
