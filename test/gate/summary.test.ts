import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/gate/policy.js';
import { renderGateSummary } from '../../src/gate/summary.js';
import { result } from './fixtures.js';

describe('renderGateSummary', () => {
  it('escapes untrusted text from results and the pull request', () => {
    const decision = evaluateGate({
      policy: { approvals: { count: 1, from: { users: ['alice'] } } },
      results: [result({ id: 'regression', verdict: 'fail', summary: '<img src=x onerror=alert(1)> @acme/everyone [click](https://evil.example)' })],
      pullRequest: { number: 4, author: 'author', headSha: 'c'.repeat(40), reviews: [], labelEvents: [], comments: [] },
      teamsOf: {},
      environmentApprovals: null,
    });
    const markdown = renderGateSummary(decision, { headSha: 'c'.repeat(40), pullRequest: 4, statusContext: 'model-gates/gate' });
    expect(markdown).toContain('## model-gates gate: fail');
    expect(markdown).not.toContain('<img');
    expect(markdown).toContain('&lt;img');
    // The mention and the link are code spans: inert, and copied as written.
    expect(markdown).toContain('`@acme/everyone` `[click](https://evil.example)`');
    expect(markdown.replace(/`[^`]*`/g, '')).not.toMatch(/@acme|\]\(https:\/\//);
    expect(markdown).toContain('⏳ pending');
  });
});
