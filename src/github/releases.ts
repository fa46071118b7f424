import type { ReleasePublisher, ReleaseRecord } from '../ledger/release-record.js';
import type { GitHubClient } from './client.js';
import { withApiError } from './errors.js';

/** The tag of a model version's release: `<model>-v<version>`. */
export function releaseTag(model: string, version: string): string {
  return `${model}-v${version}`;
}

/**
 * Publishes the release record of a full promotion as a GitHub Release (`contents: write`),
 * tagged `<model>-v<version>` at the promoted commit. A release that already has the tag
 * (a rerun, an earlier promotion of the same version) is kept as it is.
 */
export class GitHubReleasePublisher implements ReleasePublisher {
  constructor(
    private readonly octokit: GitHubClient,
    private readonly options: { owner: string; repo: string },
  ) {}

  async publish(record: ReleaseRecord, markdown: string): Promise<string> {
    const { owner, repo } = this.options;
    const tag = releaseTag(record.model, record.version);
    try {
      const { data } = await this.octokit.rest.repos.getReleaseByTag({ owner, repo, tag });
      return data.html_url;
    } catch (error) {
      if ((error as { status?: unknown }).status !== 404) await withApiError({ action: `read the release ${tag} of ${owner}/${repo}`, permission: 'contents: read' }, () => Promise.reject(error));
    }
    const commit = record.contract.commit;
    const publish = () =>
      this.octokit.rest.repos.createRelease({
        owner,
        repo,
        tag_name: tag,
        ...(commit ? { target_commitish: commit } : {}),
        name: `${record.model} ${record.version}`,
        body: markdown.slice(0, 120_000),
        make_latest: 'false',
      });
    try {
      return (await publish()).data.html_url;
    } catch (error) {
      // A retry after a 5xx that GitHub did act on finds the tag taken: the release is there.
      if ((error as { status?: unknown }).status === 422) {
        const existing = await this.octokit.rest.repos.getReleaseByTag({ owner, repo, tag }).catch(() => null);
        if (existing) return existing.data.html_url;
      }
      return withApiError({ action: `publish the release ${tag} of ${owner}/${repo}`, permission: 'contents: write' }, () => Promise.reject(error));
    }
  }
}
