import type { ComparisonOp, GateConfig, PeopleConfig, ThresholdConfig } from '../config/types.js';
import type { Result } from '../results/types.js';
import type {
  ApprovalTally,
  Condition,
  Decision,
  EnvironmentApproval,
  GateDecision,
  OverrideRecord,
  PullRequestFacts,
  Review,
} from './types.js';

/** Everything the policy is evaluated on. */
export interface GateInput {
  policy: GateConfig;
  /** The check results (shards merged). Gate and promote results are ignored. */
  results: readonly Result[];
  /** The pull request, or null when there is none to read (approvals are then not evaluated). */
  pullRequest: PullRequestFacts | null;
  /** Why `pullRequest` is null, for the sentence (default "no pull request"). */
  noPullRequestBecause?: string;
  /**
   * Team membership, resolved by the caller for the pairs `membershipQueries` lists:
   * lower-case login → lower-case `org/team` slugs the login is an active member of.
   */
  teamsOf: Readonly<Record<string, readonly string[]>>;
  /** Approvals of the run the gate runs in, or null when they were not read. */
  environmentApprovals: EnvironmentApproval[] | null;
  /** Why `environmentApprovals` is null (default "no workflow run"). */
  noEnvironmentBecause?: string;
}

/** Kinds of results that are the gate's own output or come after it: never inputs. */
const DOWNSTREAM_KINDS = new Set(['gate', 'promote']);

/** The results the gate judges: everything but earlier gate and promote results. */
export function gatedResults(results: readonly Result[]): Result[] {
  return results.filter((r) => !DOWNSTREAM_KINDS.has(r.kind));
}

/** Users and teams of a rule, lower-cased. */
export interface People {
  users: Set<string>;
  teams: Set<string>;
}

function people(config: PeopleConfig | undefined): People {
  return {
    users: new Set((config?.users ?? []).map((u) => u.toLowerCase())),
    teams: new Set((config?.teams ?? []).map((t) => t.toLowerCase())),
  };
}

/**
 * The model's owners as the contract result records them (`details.owners`: `alice`,
 * `@alice` or `org/team`). Returns null when no contract result records any; throws a
 * message when two contract results disagree (the policy cannot say whose approval counts).
 */
export function ownersFromResults(results: readonly Result[]): People | null {
  const lists: string[][] = [];
  for (const result of results) {
    if (result.kind !== 'contract') continue;
    const owners = result.details?.owners;
    if (Array.isArray(owners) && owners.every((o) => typeof o === 'string')) lists.push(owners as string[]);
  }
  if (lists.length === 0) return null;
  const normalised = lists.map((list) => [...new Set(list.map((o) => o.replace(/^@/, '').toLowerCase()))].sort().join(','));
  if (new Set(normalised).size > 1) throw new Error(`the contract results record different owners (${normalised.map((n) => `[${n}]`).join(' and ')})`);
  const owners: People = { users: new Set(), teams: new Set() };
  for (const owner of normalised[0]!.split(',').filter(Boolean)) (owner.includes('/') ? owners.teams : owners.users).add(owner);
  return owners;
}

function marginalPeople(policy: GateConfig, results: readonly Result[]): People | null {
  const from = policy.marginal?.from;
  if (from === undefined) return null;
  if (from === 'owners') return ownersFromResults(results);
  return people(from);
}

/**
 * The (login, team) pairs whose membership the caller must read before evaluating: every
 * team the policy names, for every login whose standing review, override label or
 * environment approval could count (never the author). Sorted, without duplicates.
 */
export function membershipQueries(input: Omit<GateInput, 'teamsOf'>): { login: string; team: string }[] {
  const teams = new Set<string>();
  const add = (p: People | null) => p?.teams.forEach((t) => teams.add(t));
  const { policy } = input;
  if (policy.approvals) add(people(policy.approvals.from));
  try {
    add(marginalPeople(policy, gatedResults(input.results)));
  } catch {
    // Disagreeing owners fail the marginal condition; there is nothing to look up.
  }
  if (policy.environment?.allowed) add(people(policy.environment.allowed));
  if (policy.override) add(people(policy.override.authorised));
  if (teams.size === 0) return [];
  const logins = new Set<string>();
  const pr = input.pullRequest;
  if (pr) {
    // Only standing approvals and change requests can count or block.
    for (const [login, review] of latestReviews(pr.reviews)) if (review.state !== 'DISMISSED') logins.add(login);
    logins.delete(pr.author.toLowerCase());
    // Only the latest application of the override label matters.
    const label = policy.override?.label.toLowerCase();
    const latest = pr.labelEvents.filter((e) => e.label.toLowerCase() === label).at(-1);
    if (latest?.event === 'labeled') logins.add(latest.actor.toLowerCase());
  }
  for (const approval of input.environmentApprovals ?? []) logins.add(approval.login.toLowerCase());
  const queries: { login: string; team: string }[] = [];
  for (const login of [...logins].sort()) for (const team of [...teams].sort()) queries.push({ login, team });
  return queries;
}

function belongs(login: string, who: People, teamsOf: GateInput['teamsOf']): boolean {
  const key = login.toLowerCase();
  if (who.users.has(key)) return true;
  return (teamsOf[key] ?? []).some((team) => who.teams.has(team.toLowerCase()));
}

function describePeople(who: People): string {
  const names = [...who.users, ...[...who.teams].map((t) => `team ${t}`)];
  return names.length === 0 ? 'nobody' : names.join(', ');
}

function list(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

const DECISIVE = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED']);

/**
 * Each reviewer's standing review: the latest APPROVED, CHANGES_REQUESTED or DISMISSED one
 * (comments and pending reviews change nothing), in submission order. Keys are lower-case.
 */
export function latestReviews(reviews: readonly Review[]): Map<string, Review> {
  const ordered = reviews
    .map((review, index) => ({ review, index }))
    .sort((a, b) => (a.review.submittedAt ?? '').localeCompare(b.review.submittedAt ?? '') || a.index - b.index);
  const latest = new Map<string, Review>();
  for (const { review } of ordered) if (DECISIVE.has(review.state)) latest.set(review.login.toLowerCase(), review);
  return latest;
}

/**
 * Tallies the approvals of one requirement. Counted: the standing review is APPROVED on the
 * head commit, by someone in `who`, who is not the author. An approval on an older commit
 * is stale; an eligible reviewer's standing CHANGES_REQUESTED blocks.
 */
export function tallyApprovals(pr: PullRequestFacts, who: People, required: number, teamsOf: GateInput['teamsOf']): ApprovalTally {
  const tally: ApprovalTally = { required, counted: [], stale: [], changesRequested: [], ignored: [] };
  const author = pr.author.toLowerCase();
  for (const review of latestReviews(pr.reviews).values()) {
    const login = review.login;
    if (review.state === 'DISMISSED') continue;
    if (login.toLowerCase() === author) {
      if (review.state === 'APPROVED') tally.ignored.push({ login, why: 'is the author of the pull request' });
      continue;
    }
    if (!belongs(login, who, teamsOf)) {
      if (review.state === 'APPROVED') tally.ignored.push({ login, why: 'is not among the approvers the policy names' });
      continue;
    }
    if (review.state === 'CHANGES_REQUESTED') tally.changesRequested.push(login);
    else if (review.commitId === pr.headSha) tally.counted.push(login);
    else tally.stale.push(login);
  }
  return tally;
}

function approvalCondition(id: string, what: string, tally: ApprovalTally, who: People, headSha: string): Condition {
  const have = tally.counted.length;
  if (have >= tally.required) {
    return { id, status: 'met', sentence: `${what}: ${have} of ${tally.required} on the head commit (${list(tally.counted)}).`, waivable: true };
  }
  const notes: string[] = [];
  if (tally.stale.length > 0) notes.push(`the approval of ${list(tally.stale)} was made before the latest push and is stale`);
  for (const { login, why } of tally.ignored) notes.push(`the approval of ${login} does not count: ${login} ${why}`);
  const counted = have > 0 ? ` (${list(tally.counted)})` : '';
  return {
    id,
    status: 'pending',
    sentence: `${what}: ${have} of ${tally.required} required on head commit ${headSha.slice(0, 7)}${counted}, from ${describePeople(who)}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}.`,
    waivable: true,
  };
}

function compare(observed: number, op: ComparisonOp, value: number): boolean {
  switch (op) {
    case '<':
      return observed < value;
    case '<=':
      return observed <= value;
    case '>':
      return observed > value;
    case '>=':
      return observed >= value;
    case '==':
      return observed === value;
    case '!=':
      return observed !== value;
  }
}

function thresholdCondition(rule: ThresholdConfig, index: number, results: readonly Result[]): Condition {
  const id = `threshold:${index + 1}`;
  const text = `${rule.metric} ${rule.op} ${rule.value}`;
  const optional = rule.optional === true;
  let candidates = results;
  if (rule.result !== undefined) {
    const byId = results.filter((r) => r.id === rule.result);
    candidates = byId.length > 0 ? byId : results.filter((r) => r.kind === rule.result);
    if (candidates.length === 0) {
      return optional
        ? { id, status: 'skipped', sentence: `Threshold ${text} skipped: there is no result '${rule.result}' (optional rule).`, waivable: false }
        : { id, status: 'failed', sentence: `Threshold ${text} cannot be checked: there is no result with the id or kind '${rule.result}'.`, waivable: false };
    }
  }
  const holders = candidates.filter((r) => Object.hasOwn(r.metrics, rule.metric));
  if (holders.length > 1) {
    return {
      id,
      status: 'failed',
      sentence: `Threshold ${text} is ambiguous: results ${list(holders.map((r) => `'${r.id}'`))} all have the metric; name one with 'result'.`,
      waivable: false,
    };
  }
  const observed = holders[0]?.metrics[rule.metric];
  if (observed === undefined || observed === null) {
    const why = holders.length === 0 ? 'no result has the metric' : `result '${holders[0]!.id}' reports it as null`;
    return optional
      ? { id, status: 'skipped', sentence: `Threshold ${text} skipped: ${why} (optional rule).`, waivable: false, observed: null }
      : { id, status: 'failed', sentence: `Threshold ${text} cannot be checked: ${why}.`, waivable: false, observed: null };
  }
  const holds = compare(observed, rule.op, rule.value);
  const shown = Number(observed.toPrecision(6));
  return {
    id,
    status: holds ? 'met' : 'failed',
    sentence: holds
      ? `Threshold ${text} holds: ${rule.metric} is ${shown} in '${holders[0]!.id}'.`
      : `Threshold ${text} is not met: ${rule.metric} is ${shown} in '${holders[0]!.id}'.`,
    waivable: true,
    observed,
  };
}

/** Whether some number satisfies every rule of `rules` (all over the same metric). */
function satisfiable(rules: readonly ThresholdConfig[]): boolean {
  let low = -Infinity;
  let lowStrict = false;
  let high = Infinity;
  let highStrict = false;
  let equal: number | undefined;
  const excluded = new Set<number>();
  for (const { op, value } of rules) {
    if (op === '>' && value >= low) [low, lowStrict] = [value, true];
    else if (op === '>=' && value > low) [low, lowStrict] = [value, false];
    else if (op === '<' && value <= high) [high, highStrict] = [value, true];
    else if (op === '<=' && value < high) [high, highStrict] = [value, false];
    else if (op === '==') {
      if (equal !== undefined && equal !== value) return false;
      equal = value;
    } else if (op === '!=') excluded.add(value);
  }
  const inside = (x: number) => (lowStrict ? x > low : x >= low) && (highStrict ? x < high : x <= high) && !excluded.has(x);
  if (equal !== undefined) return inside(equal);
  return low < high || (low === high && inside(low));
}

/** Thresholds on the same metric (and result) that no value can satisfy together. */
function contradictoryThresholds(rules: readonly ThresholdConfig[]): Condition[] {
  const groups = new Map<string, ThresholdConfig[]>();
  for (const rule of rules) {
    const key = `${rule.metric}\u0000${rule.result ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), rule]);
  }
  const out: Condition[] = [];
  for (const group of groups.values()) {
    if (group.length < 2 || satisfiable(group)) continue;
    const metric = group[0]!.metric;
    out.push({
      id: `policy:thresholds:${metric}`,
      status: 'failed',
      sentence: `The policy's thresholds on ${metric} contradict each other: no value satisfies ${list(group.map((r) => `${r.op} ${r.value}`))}.`,
      waivable: false,
    });
  }
  return out;
}

/**
 * Contradictions in the policy that no data could resolve: fewer named approvers than the
 * count, an approver list or override list that names nobody, thresholds on one metric that
 * no value satisfies together. Each is a failed condition.
 */
function policyConditions(policy: GateConfig): Condition[] {
  const out: Condition[] = [];
  const check = (id: string, config: { count: number; from: PeopleConfig } | undefined, what: string) => {
    if (!config) return;
    const who = people(config.from);
    if (who.users.size === 0 && who.teams.size === 0) {
      out.push({ id, status: 'failed', sentence: `The policy's ${what} names no users and no teams, so no approval can ever count.`, waivable: false });
    } else if (who.teams.size === 0 && who.users.size < config.count) {
      out.push({
        id,
        status: 'failed',
        sentence: `The policy's ${what} requires ${config.count} approvals but names only ${who.users.size} user(s) and no team.`,
        waivable: false,
      });
    }
  };
  check('policy:approvals', policy.approvals, 'approvals');
  if (policy.marginal && policy.marginal.from !== 'owners') check('policy:marginal', { count: policy.marginal.count, from: policy.marginal.from }, 'marginal approvals');
  if (policy.override) {
    const who = people(policy.override.authorised);
    if (who.users.size === 0 && who.teams.size === 0) {
      out.push({ id: 'policy:override', status: 'failed', sentence: `The policy's override names no authorised users or teams.`, waivable: false });
    }
  }
  out.push(...contradictoryThresholds(policy.thresholds ?? []));
  const allowed = policy.environment?.allowed;
  if (allowed && people(allowed).users.size === 0 && people(allowed).teams.size === 0) {
    out.push({ id: 'policy:environment', status: 'failed', sentence: `The policy's environment.allowed names nobody, so no environment approval can count.`, waivable: false });
  }
  return out;
}

function subjectCondition(results: readonly Result[]): Condition | null {
  const keys = new Set(results.map((r) => `${r.subject.model}@${r.subject.candidateVersion}`));
  if (keys.size <= 1) return null;
  return {
    id: 'subject',
    status: 'failed',
    sentence: `The results are about different models or versions (${list([...keys].sort())}); the gate decides for one.`,
    waivable: false,
  };
}

function resultConditions(policy: GateConfig, results: readonly Result[]): Condition[] {
  const out: Condition[] = [];
  if (results.length === 0) {
    out.push({ id: 'results', status: 'failed', sentence: 'No check results were found; the gate cannot pass without them.', waivable: false });
  }
  for (const kind of policy.requiredChecks?.kinds ?? []) {
    const present = results.some((r) => r.kind === kind);
    out.push(
      present
        ? { id: `required-kind:${kind}`, status: 'met', sentence: `A ${kind} result is present.`, waivable: false }
        : { id: `required-kind:${kind}`, status: 'failed', sentence: `The required ${kind} result is missing.`, waivable: false },
    );
  }
  for (const id of policy.requiredChecks?.ids ?? []) {
    const present = results.some((r) => r.id === id);
    out.push(
      present
        ? { id: `required-id:${id}`, status: 'met', sentence: `The result '${id}' is present.`, waivable: false }
        : { id: `required-id:${id}`, status: 'failed', sentence: `The required result '${id}' is missing.`, waivable: false },
    );
  }
  for (const result of results) {
    const id = `result:${result.id}`;
    const name = `'${result.id}' (${result.kind})`;
    switch (result.verdict) {
      case 'pass':
        out.push({ id, status: 'met', sentence: `${name} passed.`, waivable: true });
        break;
      case 'marginal':
        out.push(
          policy.marginal
            ? { id, status: 'met', sentence: `${name} is marginal; it needs the marginal approvals.`, waivable: true }
            : { id, status: 'failed', sentence: `${name} is marginal and the policy has no marginal approvals, so it cannot be promoted: ${result.summary}`, waivable: true },
        );
        break;
      case 'fail':
        out.push({ id, status: 'failed', sentence: `${name} failed: ${result.summary}`, waivable: true });
        break;
      case 'error':
        out.push({ id, status: 'failed', sentence: `${name} could not be evaluated: ${result.summary}`, waivable: false });
        break;
    }
  }
  const subject = subjectCondition(results);
  if (subject) out.push(subject);
  return out;
}

const OVERRIDE_COMMAND = /^[ \t]*\/override[ \t]+(\S[^\r\n]*)$/gm;

/**
 * The reason an override gives: the text after `/override ` on a line of its own, in the
 * latest review or comment of `login` that has one (at most 500 characters). Null when none.
 */
export function overrideReason(pr: PullRequestFacts, login: string): string | null {
  const key = login.toLowerCase();
  const texts = [
    ...pr.reviews.filter((r) => r.login.toLowerCase() === key).map((r) => ({ at: r.submittedAt ?? '', body: r.body })),
    ...pr.comments.filter((c) => c.login.toLowerCase() === key).map((c) => ({ at: c.createdAt, body: c.body })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  let reason: string | null = null;
  for (const { body } of texts) {
    for (const match of body.matchAll(OVERRIDE_COMMAND)) reason = match[1]!.trim().slice(0, 500);
  }
  return reason;
}

function evaluateOverride(policy: GateConfig, pr: PullRequestFacts, teamsOf: GateInput['teamsOf']): { record: OverrideRecord | null; condition: Condition | null } {
  const config = policy.override;
  if (!config) return { record: null, condition: null };
  const label = config.label.toLowerCase();
  const events = pr.labelEvents.filter((e) => e.label.toLowerCase() === label);
  const latest = events.at(-1);
  if (!latest || latest.event !== 'labeled') return { record: null, condition: null };
  const latestLabeled = latest;
  const authorised = belongs(latestLabeled.actor, people(config.authorised), teamsOf);
  const reason = authorised ? overrideReason(pr, latestLabeled.actor) : null;
  const record: OverrideRecord = {
    label: config.label,
    appliedBy: latestLabeled.actor,
    appliedAt: latestLabeled.createdAt,
    authorised,
    reason,
    applied: authorised && reason !== null,
  };
  if (!authorised) {
    return {
      record,
      condition: {
        id: 'override',
        status: 'notice',
        sentence: `The override label '${config.label}' was applied by ${latestLabeled.actor}, who is not authorised to override; it is ignored.`,
        waivable: false,
      },
    };
  }
  if (reason === null) {
    return {
      record,
      condition: {
        id: 'override',
        status: 'notice',
        sentence: `The override label '${config.label}' applied by ${latestLabeled.actor} gives no reason; it counts once ${latestLabeled.actor} writes '/override <reason>' in a review or comment.`,
        waivable: false,
      },
    };
  }
  return { record, condition: { id: 'override', status: 'met', sentence: `Override by ${latestLabeled.actor}: ${reason}`, waivable: false } };
}

function environmentConditions(policy: GateConfig, approvals: EnvironmentApproval[] | null, teamsOf: GateInput['teamsOf'], because: string): Condition[] {
  const config = policy.environment;
  if (!config) return [];
  if (approvals === null) {
    return config.required
      ? [{ id: 'environment', status: 'pending', sentence: `Environment approval not evaluated (${because}).`, waivable: false }]
      : [];
  }
  const relevant = approvals.filter((a) => config.name === undefined || a.environments.includes(config.name));
  const where = config.name ? ` for environment '${config.name}'` : '';
  const out: Condition[] = [];
  const rejected = relevant.filter((a) => a.state === 'rejected').map((a) => a.login);
  if (rejected.length > 0) out.push({ id: 'environment:rejected', status: 'failed', sentence: `The run was rejected${where} by ${list(rejected)}.`, waivable: false });
  const approvers = relevant.filter((a) => a.state === 'approved').map((a) => a.login);
  if (config.allowed) {
    const allowed = people(config.allowed);
    const outsiders = approvers.filter((login) => !belongs(login, allowed, teamsOf));
    if (outsiders.length > 0) {
      out.push({
        id: 'environment:allowed',
        status: 'failed',
        sentence: `The run was approved${where} by ${list(outsiders)}, who ${outsiders.length === 1 ? 'is' : 'are'} not among the allowed approvers (${describePeople(allowed)}).`,
        waivable: false,
      });
    }
  }
  if (config.required) {
    out.push(
      approvers.length > 0
        ? { id: 'environment', status: 'met', sentence: `The run was approved${where} by ${list(approvers)}.`, waivable: false }
        : {
            id: 'environment',
            status: 'failed',
            sentence: `The run has no environment approval${where}; bind the gate's job to an environment with required reviewers.`,
            waivable: false,
          },
    );
  }
  return out;
}

/** Reasons are one line each: text from results (summaries) may hold line breaks. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/**
 * Decides whether the commit may be promoted. Pure: everything it needs is in `input`.
 *
 * - Every result present must pass; a marginal one needs the marginal approvals; a result
 *   kind or id the policy requires must be present; every threshold must hold.
 * - Approvals (and marginal approvals) count per `tallyApprovals`; missing approvals and
 *   outstanding changes requested make the decision `pending`.
 * - An authorised override with a reason waives failed verdicts, thresholds and review
 *   approvals; never missing or unreadable data, policy contradictions or environment rules.
 *
 * The decision is `fail` when any condition failed, else `pending` when any waits for
 * people, else `pass`.
 */
export function evaluateGate(input: GateInput): GateDecision {
  const { policy } = input;
  const results = gatedResults(input.results);
  const conditions: Condition[] = [...policyConditions(policy), ...resultConditions(policy, results)];
  (policy.thresholds ?? []).forEach((rule, index) => conditions.push(thresholdCondition(rule, index, results)));

  const pr = input.pullRequest;
  const noPr = input.noPullRequestBecause ?? 'no pull request';
  let approvals: ApprovalTally | null = null;
  let marginalApprovals: ApprovalTally | null = null;
  const blocking = new Set<string>();
  if (policy.approvals) {
    const who = people(policy.approvals.from);
    if (pr) {
      approvals = tallyApprovals(pr, who, policy.approvals.count, input.teamsOf);
      approvals.changesRequested.forEach((l) => blocking.add(l));
      conditions.push(approvalCondition('approvals', 'Approvals', approvals, who, pr.headSha));
    } else {
      conditions.push({ id: 'approvals', status: 'pending', sentence: `Approvals not evaluated (${noPr}); ${policy.approvals.count} required.`, waivable: false });
    }
  }
  if (policy.marginal && results.some((r) => r.verdict === 'marginal')) {
    let who: People | null = null;
    let problem: string | null = null;
    try {
      who = marginalPeople(policy, results);
      if (!who) problem = "the policy asks for the owners' approval but no contract result records owners";
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem !== null || !who) {
      conditions.push({ id: 'marginal', status: 'failed', sentence: `Marginal approvals cannot be evaluated: ${problem}.`, waivable: false });
    } else if (pr) {
      marginalApprovals = tallyApprovals(pr, who, policy.marginal.count, input.teamsOf);
      marginalApprovals.changesRequested.forEach((l) => blocking.add(l));
      const what = policy.marginal.from === 'owners' ? "Marginal verdict: the owners' approvals" : 'Marginal verdict: approvals';
      conditions.push(approvalCondition('marginal', what, marginalApprovals, who, pr.headSha));
    } else {
      conditions.push({ id: 'marginal', status: 'pending', sentence: `Marginal approvals not evaluated (${noPr}); ${policy.marginal.count} required.`, waivable: false });
    }
  }
  if (blocking.size > 0) {
    const names = [...blocking];
    conditions.push({
      id: 'changes-requested',
      status: 'pending',
      sentence: `Changes requested by ${list(names)} ${names.length === 1 ? 'is' : 'are'} outstanding; a new approval from ${names.length === 1 ? 'that reviewer' : 'those reviewers'} or a dismissal is needed.`,
      waivable: true,
    });
  }
  conditions.push(...environmentConditions(policy, input.environmentApprovals, input.teamsOf, input.noEnvironmentBecause ?? 'no workflow run'));

  let override: OverrideRecord | null = null;
  if (policy.override) {
    if (pr) {
      const evaluated = evaluateOverride(policy, pr, input.teamsOf);
      override = evaluated.record;
      if (evaluated.condition) conditions.push(evaluated.condition);
    }
  }
  if (override?.applied) {
    for (const condition of conditions) {
      if (condition.waivable && (condition.status === 'failed' || condition.status === 'pending')) {
        condition.status = 'waived';
        condition.sentence = `Waived by the override of ${override.appliedBy}: ${condition.sentence}`;
      }
    }
  }

  const decision: Decision = conditions.some((c) => c.status === 'failed') ? 'fail' : conditions.some((c) => c.status === 'pending') ? 'pending' : 'pass';
  const order: Record<string, number> = { failed: 0, pending: 1, waived: 2, notice: 3 };
  const reasons = conditions
    .filter((c) => c.status in order)
    .sort((a, b) => order[a.status]! - order[b.status]!)
    .map((c) => oneLine(c.sentence));
  if (override?.applied) reasons.push(oneLine(`Override by ${override.appliedBy}: ${override.reason}`));
  return {
    decision,
    reasons,
    conditions,
    approvals,
    marginalApprovals,
    environmentApprovers: input.environmentApprovals,
    override,
  };
}
