import { describe, expect, it } from 'vitest';
import type { GateConfig } from '../../src/config/types.js';
import { evaluateGate, latestReviews, membershipQueries, overrideReason, ownersFromResults, type GateInput } from '../../src/gate/policy.js';
import type { PullRequestFacts, Review } from '../../src/gate/types.js';
import { result } from './fixtures.js';

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

let clock = 0;
function review(login: string, state: string, commitId = HEAD, body = ''): Review {
  clock += 1;
  return { login, state, commitId, submittedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString(), body };
}

function pr(overrides: Partial<PullRequestFacts> = {}): PullRequestFacts {
  return { number: 7, author: 'author', headSha: HEAD, reviews: [], labelEvents: [], comments: [], ...overrides };
}

function input(policy: GateConfig, overrides: Partial<GateInput> = {}): GateInput {
  return {
    policy,
    results: [result({ id: 'contract', kind: 'contract' }), result({ id: 'regression', metrics: { 'retrieval.ndcg.change': -0.004 } })],
    pullRequest: pr(),
    teamsOf: {},
    environmentApprovals: null,
    ...overrides,
  };
}

const status = (decision: ReturnType<typeof evaluateGate>, id: string) => decision.conditions.find((c) => c.id === id)?.status;

describe('results and required checks', () => {
  it('passes with passing results and an empty policy', () => {
    const d = evaluateGate(input({}));
    expect(d.decision).toBe('pass');
    expect(d.reasons).toEqual([]);
  });

  it('fails with no results at all', () => {
    const d = evaluateGate(input({}, { results: [] }));
    expect(d.decision).toBe('fail');
    expect(d.reasons[0]).toMatch(/No check results/);
  });

  it('fails when a required kind or id is missing', () => {
    const d = evaluateGate(input({ requiredChecks: { kinds: ['contract', 'canary-analysis'], ids: ['regression', 'other'] } }));
    expect(d.decision).toBe('fail');
    expect(status(d, 'required-kind:contract')).toBe('met');
    expect(status(d, 'required-kind:canary-analysis')).toBe('failed');
    expect(status(d, 'required-id:regression')).toBe('met');
    expect(status(d, 'required-id:other')).toBe('failed');
    expect(d.reasons).toContain('The required canary-analysis result is missing.');
  });

  it('fails on a failing or error result, and ignores earlier gate results', () => {
    const failing = evaluateGate(input({}, { results: [result({ id: 'r', verdict: 'fail', summary: 'nDCG dropped' })] }));
    expect(failing.decision).toBe('fail');
    expect(failing.reasons[0]).toContain('nDCG dropped');
    const error = evaluateGate(input({}, { results: [result({ id: 'r', verdict: 'error' })] }));
    expect(error.conditions[0]).toMatchObject({ id: 'result:r', status: 'failed', waivable: false });
    const withGate = evaluateGate(input({}, { results: [result({ id: 'r' }), result({ id: 'gate', kind: 'gate', verdict: 'fail' })] }));
    expect(withGate.decision).toBe('pass');
  });

  it('keeps every reason on one line', () => {
    const d = evaluateGate(input({}, { results: [result({ id: 'r', verdict: 'fail', summary: 'first line\nsecond line\r\nthird' })] }));
    expect(d.reasons).toEqual(["'r' (embedding-regression) failed: first line second line third"]);
  });

  it('fails when results are about different versions', () => {
    const d = evaluateGate(input({}, { results: [result({ id: 'a' }), result({ id: 'b', candidateVersion: '3.0.0' })] }));
    expect(status(d, 'subject')).toBe('failed');
  });

  it('fails a marginal result when the policy has no marginal section', () => {
    const d = evaluateGate(input({}, { results: [result({ id: 'r', verdict: 'marginal' })] }));
    expect(d.decision).toBe('fail');
    expect(d.reasons[0]).toMatch(/no marginal approvals/);
  });
});

describe('thresholds', () => {
  const rule = (r: Partial<NonNullable<GateConfig['thresholds']>[number]>) => ({ thresholds: [{ metric: 'retrieval.ndcg.change', op: '>=' as const, value: -0.01, ...r }] });

  it('applies every operator', () => {
    const cases: [string, number, boolean][] = [
      ['<', -0.003, true],
      ['<', -0.004, false],
      ['<=', -0.004, true],
      ['>', -0.004, false],
      ['>', -0.005, true],
      ['>=', -0.004, true],
      ['==', -0.004, true],
      ['==', 0, false],
      ['!=', 0, true],
      ['!=', -0.004, false],
    ];
    for (const [op, value, holds] of cases) {
      const d = evaluateGate(input(rule({ op: op as '<', value })));
      expect(status(d, 'threshold:1'), `${op} ${value}`).toBe(holds ? 'met' : 'failed');
      expect(d.conditions.find((c) => c.id === 'threshold:1')?.observed).toBe(-0.004);
    }
  });

  it('fails on a missing or null metric unless optional', () => {
    expect(status(evaluateGate(input(rule({ metric: 'absent' }))), 'threshold:1')).toBe('failed');
    expect(status(evaluateGate(input(rule({ metric: 'absent', optional: true }))), 'threshold:1')).toBe('skipped');
    const nullMetric = input(rule({}), { results: [result({ id: 'r', metrics: { 'retrieval.ndcg.change': null } })] });
    expect(status(evaluateGate(nullMetric), 'threshold:1')).toBe('failed');
    expect(evaluateGate(input(rule({ metric: 'absent', optional: true }))).decision).toBe('pass');
  });

  it('fails thresholds on one metric that contradict each other, and accepts compatible ones', () => {
    const rules = (...pairs: [string, number][]) => ({ thresholds: pairs.map(([op, value]) => ({ metric: 'retrieval.ndcg.change', op: op as '<', value })) });
    for (const contradictory of [rules(['>', 0], ['<', 0]), rules(['>=', 1], ['<=', 0]), rules(['==', 1], ['==', 2]), rules(['>=', 0], ['<=', 0], ['!=', 0]), rules(['==', 5], ['<', 5])]) {
      const d = evaluateGate(input(contradictory));
      expect(d.decision).toBe('fail');
      expect(d.reasons[0]).toMatch(/thresholds on retrieval\.ndcg\.change contradict each other/);
    }
    for (const compatible of [rules(['>=', -0.01], ['<=', 0]), rules(['>=', -0.004], ['<=', -0.004]), rules(['!=', 1], ['>', -1])]) {
      expect(evaluateGate(input(compatible)).conditions.some((c) => c.id.startsWith('policy:'))).toBe(false);
    }
  });

  it('is ambiguous when several results have the metric, and resolves with result (id or kind)', () => {
    const results = [result({ id: 'a', metrics: { m: 1 } }), result({ id: 'b', kind: 'contract', metrics: { m: 5 } })];
    const ambiguous = evaluateGate(input({ thresholds: [{ metric: 'm', op: '>', value: 2 }] }, { results }));
    expect(ambiguous.decision).toBe('fail');
    expect(ambiguous.reasons[0]).toMatch(/ambiguous/);
    expect(status(evaluateGate(input({ thresholds: [{ metric: 'm', op: '>', value: 2, result: 'b' }] }, { results })), 'threshold:1')).toBe('met');
    expect(status(evaluateGate(input({ thresholds: [{ metric: 'm', op: '>', value: 2, result: 'embedding-regression' }] }, { results })), 'threshold:1')).toBe('failed');
    expect(evaluateGate(input({ thresholds: [{ metric: 'm', op: '>', value: 2, result: 'nope' }] }, { results })).reasons[0]).toMatch(/no result with the id or kind 'nope'/);
  });
});

describe('approvals', () => {
  const policy: GateConfig = { approvals: { count: 1, from: { users: ['alice', 'bob'], teams: ['acme/ml'] } } };

  it('counts an approval on the head commit by a listed user', () => {
    const d = evaluateGate(input(policy, { pullRequest: pr({ reviews: [review('Alice', 'APPROVED')] }) }));
    expect(d.decision).toBe('pass');
    expect(d.approvals?.counted).toEqual(['Alice']);
  });

  it('is pending with no approval, and says so', () => {
    const d = evaluateGate(input(policy));
    expect(d.decision).toBe('pending');
    expect(d.reasons[0]).toMatch(/Approvals: 0 of 1 required/);
  });

  it('treats an approval on an older commit as stale', () => {
    const d = evaluateGate(input(policy, { pullRequest: pr({ reviews: [review('alice', 'APPROVED', OLD)] }) }));
    expect(d.decision).toBe('pending');
    expect(d.approvals?.stale).toEqual(['alice']);
    expect(d.reasons[0]).toMatch(/stale/);
  });

  it('never counts the author, even when listed', () => {
    const d = evaluateGate(input(policy, { pullRequest: pr({ author: 'alice', reviews: [review('alice', 'APPROVED')] }) }));
    expect(d.decision).toBe('pending');
    expect(d.approvals?.ignored).toEqual([{ login: 'alice', why: 'is the author of the pull request' }]);
  });

  it('does not count a reviewer outside the list, and counts a team member', () => {
    const outsider = evaluateGate(input(policy, { pullRequest: pr({ reviews: [review('carol', 'APPROVED')] }) }));
    expect(outsider.decision).toBe('pending');
    expect(outsider.reasons[0]).toMatch(/carol does not count: carol is not among the approvers/);
    const member = evaluateGate(input(policy, { pullRequest: pr({ reviews: [review('carol', 'APPROVED')] }), teamsOf: { carol: ['acme/ml'] } }));
    expect(member.decision).toBe('pass');
  });

  it('lets the latest review decide: changes requested then approved passes; approved then changes requested blocks', () => {
    const fixed = evaluateGate(input(policy, { pullRequest: pr({ reviews: [review('bob', 'CHANGES_REQUESTED'), review('bob', 'COMMENTED'), review('bob', 'APPROVED')] }) }));
    expect(fixed.decision).toBe('pass');
    const blocked = evaluateGate(
      input(policy, { pullRequest: pr({ reviews: [review('alice', 'APPROVED'), review('bob', 'APPROVED'), review('bob', 'CHANGES_REQUESTED')] }) }),
    );
    expect(blocked.decision).toBe('pending');
    expect(status(blocked, 'approvals')).toBe('met');
    expect(status(blocked, 'changes-requested')).toBe('pending');
    expect(blocked.reasons[0]).toMatch(/Changes requested by bob is outstanding/);
  });

  it('ignores changes requested by someone who is not eligible, and a dismissed review', () => {
    const d = evaluateGate(
      input(policy, { pullRequest: pr({ reviews: [review('alice', 'APPROVED'), review('carol', 'CHANGES_REQUESTED'), review('bob', 'CHANGES_REQUESTED'), review('bob', 'DISMISSED')] }) }),
    );
    expect(d.decision).toBe('pass');
  });

  it('orders reviews by submission time, not list order', () => {
    const late = review('bob', 'APPROVED');
    const early = { ...review('bob', 'CHANGES_REQUESTED'), submittedAt: '2020-01-01T00:00:00Z' };
    expect(latestReviews([late, early]).get('bob')?.state).toBe('APPROVED');
  });

  it('is pending, not evaluated, without a pull request', () => {
    const d = evaluateGate(input(policy, { pullRequest: null, noPullRequestBecause: 'no pull request and no github-token' }));
    expect(d.decision).toBe('pending');
    expect(d.reasons).toEqual(['Approvals not evaluated (no pull request and no github-token); 1 required.']);
  });

  it('fails a contradictory policy: more approvals than named users', () => {
    const d = evaluateGate(input({ approvals: { count: 3, from: { users: ['alice', 'bob'] } } }, { pullRequest: pr({ reviews: [review('alice', 'APPROVED'), review('bob', 'APPROVED')] }) }));
    expect(d.decision).toBe('fail');
    expect(d.reasons[0]).toMatch(/requires 3 approvals but names only 2/);
    expect(evaluateGate(input({ approvals: { count: 1, from: {} } })).decision).toBe('fail');
  });
});

describe('marginal approvals', () => {
  const owners = { owners: ['@alice', 'acme/search-ml'] };
  const results = [result({ id: 'contract', kind: 'contract', details: owners }), result({ id: 'regression', verdict: 'marginal' })];
  const policy: GateConfig = { approvals: { count: 1, from: { users: ['bob', 'alice'] } }, marginal: { count: 1, from: 'owners' } };

  it("needs the owners' approval on top of the others", () => {
    const without = evaluateGate(input(policy, { results, pullRequest: pr({ reviews: [review('bob', 'APPROVED')] }) }));
    expect(without.decision).toBe('pending');
    expect(status(without, 'approvals')).toBe('met');
    expect(status(without, 'marginal')).toBe('pending');
    const withOwner = evaluateGate(input(policy, { results, pullRequest: pr({ reviews: [review('bob', 'APPROVED'), review('alice', 'APPROVED')] }) }));
    expect(withOwner.decision).toBe('pass');
    expect(withOwner.marginalApprovals?.counted).toEqual(['alice']);
    const teamOwner = evaluateGate(input(policy, { results, teamsOf: { dave: ['acme/search-ml'] }, pullRequest: pr({ reviews: [review('bob', 'APPROVED'), review('dave', 'APPROVED')] }) }));
    expect(teamOwner.decision).toBe('pass');
  });

  it('is not asked for when nothing is marginal', () => {
    const d = evaluateGate(input(policy, { pullRequest: pr({ reviews: [review('bob', 'APPROVED')] }) }));
    expect(d.decision).toBe('pass');
    expect(d.marginalApprovals).toBeNull();
  });

  it('fails when no contract result records owners, or two disagree', () => {
    const none = evaluateGate(input(policy, { results: [result({ id: 'regression', verdict: 'marginal' })] }));
    expect(none.decision).toBe('fail');
    expect(none.reasons[0]).toMatch(/no contract result records owners/);
    expect(() => ownersFromResults([result({ id: 'a', kind: 'contract', details: { owners: ['x'] } }), result({ id: 'b', kind: 'contract', details: { owners: ['y'] } })])).toThrow(/different owners/);
  });

  it('uses explicit users and teams', () => {
    const explicit: GateConfig = { marginal: { count: 1, from: { users: ['erin'] } } };
    expect(evaluateGate(input(explicit, { results, pullRequest: pr({ reviews: [review('erin', 'APPROVED')] }) })).decision).toBe('pass');
  });
});

describe('environment approvals', () => {
  const approval = (login: string, state: 'approved' | 'rejected' = 'approved', environments = ['production']) => ({ login, state, environments, comment: '' });

  it('requires an approval when required, and records the approvers', () => {
    const policy: GateConfig = { environment: { required: true } };
    const none = evaluateGate(input(policy, { environmentApprovals: [] }));
    expect(none.decision).toBe('fail');
    const some = evaluateGate(input(policy, { environmentApprovals: [approval('ops')] }));
    expect(some.decision).toBe('pass');
    expect(some.environmentApprovers).toEqual([approval('ops')]);
  });

  it('enforces the allowed set and the environment name', () => {
    const policy: GateConfig = { environment: { name: 'production', required: true, allowed: { users: ['ops'], teams: ['acme/sre'] } } };
    expect(evaluateGate(input(policy, { environmentApprovals: [approval('ops')] })).decision).toBe('pass');
    expect(evaluateGate(input(policy, { environmentApprovals: [approval('sam')], teamsOf: { sam: ['acme/sre'] } })).decision).toBe('pass');
    const outsider = evaluateGate(input(policy, { environmentApprovals: [approval('ops'), approval('mallory')] }));
    expect(outsider.decision).toBe('fail');
    expect(outsider.reasons[0]).toMatch(/approved for environment 'production' by mallory, who is not among the allowed approvers/);
    expect(evaluateGate(input(policy, { environmentApprovals: [approval('ops', 'approved', ['staging'])] })).decision).toBe('fail');
    expect(evaluateGate(input(policy, { environmentApprovals: [approval('ops'), approval('x', 'rejected')] })).decision).toBe('fail');
  });

  it('is pending when not evaluated and required; nothing when not required', () => {
    expect(evaluateGate(input({ environment: { required: true } })).decision).toBe('pending');
    expect(evaluateGate(input({ environment: { required: false } })).decision).toBe('pass');
  });
});

describe('override', () => {
  const policy: GateConfig = {
    approvals: { count: 1, from: { users: ['alice'] } },
    thresholds: [{ metric: 'retrieval.ndcg.change', op: '>=', value: 0 }],
    override: { label: 'gate-override', authorised: { users: ['lead'], teams: ['acme/leads'] } },
  };
  const labeled = (actor: string, event: 'labeled' | 'unlabeled' = 'labeled', label = 'gate-override') => ({ event, label, actor, createdAt: '2026-01-01T00:00:00Z' });
  const comment = (login: string, body: string) => ({ login, body, createdAt: '2026-01-01T00:00:10Z' });

  it('waives failed thresholds and missing approvals when applied by an authorised user with a reason', () => {
    const d = evaluateGate(input(policy, { pullRequest: pr({ labelEvents: [labeled('lead')], comments: [comment('lead', 'Known drop.\n/override hotfix for incident 42\n')] }) }));
    expect(d.decision).toBe('pass');
    expect(d.override).toMatchObject({ appliedBy: 'lead', authorised: true, applied: true, reason: 'hotfix for incident 42' });
    expect(status(d, 'threshold:1')).toBe('waived');
    expect(status(d, 'approvals')).toBe('waived');
    expect(d.reasons.at(-1)).toBe('Override by lead: hotfix for incident 42');
  });

  it('ignores the label applied by an unauthorised user, whoever applied it before', () => {
    const d = evaluateGate(input(policy, { pullRequest: pr({ labelEvents: [labeled('lead'), labeled('mallory')], comments: [comment('lead', '/override ok'), comment('mallory', '/override trust me')] }) }));
    expect(d.decision).toBe('fail');
    expect(d.override).toMatchObject({ appliedBy: 'mallory', authorised: false, applied: false });
    expect(d.reasons).toContain("The override label 'gate-override' was applied by mallory, who is not authorised to override; it is ignored.");
  });

  it('counts a team member, needs a reason, and ends with unlabeled', () => {
    const team = evaluateGate(input(policy, { teamsOf: { tess: ['acme/leads'] }, pullRequest: pr({ labelEvents: [labeled('tess')], reviews: [review('tess', 'COMMENTED', HEAD, '/override data fix')] }) }));
    expect(team.decision).toBe('pass');
    const noReason = evaluateGate(input(policy, { pullRequest: pr({ labelEvents: [labeled('lead')] }) }));
    expect(noReason.decision).toBe('fail');
    expect(noReason.override?.applied).toBe(false);
    const removed = evaluateGate(input(policy, { pullRequest: pr({ labelEvents: [labeled('lead'), labeled('lead', 'unlabeled')], comments: [comment('lead', '/override x')] }) }));
    expect(removed.override).toBeNull();
  });

  it('never waives missing data', () => {
    const d = evaluateGate(
      input({ ...policy, requiredChecks: { kinds: ['canary-analysis'] } }, { pullRequest: pr({ labelEvents: [labeled('lead')], comments: [comment('lead', '/override go')] }) }),
    );
    expect(d.decision).toBe('fail');
    expect(status(d, 'required-kind:canary-analysis')).toBe('failed');
  });

  it('reads the latest /override line of that user only', () => {
    const facts = pr({ comments: [comment('lead', '/override first'), { ...comment('lead', 'text /override not at line start\n/override second'), createdAt: '2026-01-02T00:00:00Z' }, comment('other', '/override theirs')] });
    expect(overrideReason(facts, 'LEAD')).toBe('second');
    expect(overrideReason(facts, 'nobody')).toBeNull();
  });
});

describe('membershipQueries', () => {
  it('lists standing reviewers, the latest label actor and environment approvers against every team, never the author', () => {
    const policy: GateConfig = { approvals: { count: 1, from: { teams: ['acme/ml'] } }, override: { label: 'x', authorised: { teams: ['acme/leads'] } } };
    const queries = membershipQueries({
      policy,
      results: [],
      pullRequest: pr({
        reviews: [review('bob', 'APPROVED'), review('author', 'APPROVED'), review('chatty', 'COMMENTED'), review('gone', 'APPROVED'), review('gone', 'DISMISSED')],
        labelEvents: [
          { event: 'labeled', label: 'x', actor: 'earlier', createdAt: '' },
          { event: 'labeled', label: 'X', actor: 'lead', createdAt: '' },
        ],
      }),
      environmentApprovals: null,
    });
    expect(queries).toEqual([
      { login: 'bob', team: 'acme/leads' },
      { login: 'bob', team: 'acme/ml' },
      { login: 'lead', team: 'acme/leads' },
      { login: 'lead', team: 'acme/ml' },
    ]);
    expect(membershipQueries({ policy: { approvals: { count: 1, from: { users: ['a'] } } }, results: [], pullRequest: pr({ reviews: [review('a', 'APPROVED')] }), environmentApprovals: null })).toEqual([]);
  });
});
