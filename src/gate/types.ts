/** What the gate reads from GitHub, as plain data; the policy function never calls the API. */

import type { Result } from '../results/types.js';

/** One submitted pull request review, in the order GitHub lists them (oldest first). */
export interface Review {
  login: string;
  /** APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED or PENDING. */
  state: string;
  /** The head commit the review was submitted on; null when GitHub does not say. */
  commitId: string | null;
  submittedAt: string | null;
  body: string;
}

/** A `labeled` or `unlabeled` event of the pull request's issue, oldest first. */
export interface LabelEvent {
  event: 'labeled' | 'unlabeled';
  label: string;
  actor: string;
  createdAt: string;
}

/** A comment on the pull request's conversation. */
export interface IssueComment {
  login: string;
  body: string;
  createdAt: string;
}

/** The pull request as the gate sees it. */
export interface PullRequestFacts {
  number: number;
  author: string;
  headSha: string;
  reviews: Review[];
  labelEvents: LabelEvent[];
  comments: IssueComment[];
}

/** A reviewer's decision on a run waiting for an environment's protection rules. */
export interface EnvironmentApproval {
  login: string;
  state: 'approved' | 'rejected' | 'pending';
  environments: string[];
  comment: string;
}

/** How a condition of the policy stands. */
export type ConditionStatus =
  /** Holds. */
  | 'met'
  /** Does not hold: the decision is fail (unless waived). */
  | 'failed'
  /** Waits for people (approvals): the decision is pending (unless something failed). */
  | 'pending'
  /** Did not hold, but an authorised override waives it. */
  | 'waived'
  /** Not applicable (an optional metric that is absent). */
  | 'skipped'
  /** Worth saying, changes nothing (an override applied by someone not authorised). */
  | 'notice';

export interface Condition {
  /** Stable id: `result:<id>`, `required-kind:<kind>`, `threshold:<n>`, `approvals`, … */
  id: string;
  status: ConditionStatus;
  /** One plain sentence saying what holds or what is missing. */
  sentence: string;
  /** Whether an authorised override can waive it (never for missing or unreadable data). */
  waivable: boolean;
  /** The metric value a threshold compared, when there is one. */
  observed?: number | null;
}

/** Who approved a requirement, and whose reviews did not count and why. */
export interface ApprovalTally {
  required: number;
  counted: string[];
  stale: string[];
  changesRequested: string[];
  ignored: { login: string; why: string }[];
}

export interface OverrideRecord {
  label: string;
  /** Who applied the label the latest time, and when. */
  appliedBy: string;
  appliedAt: string;
  authorised: boolean;
  reason: string | null;
  /** Whether the override waived the waivable conditions. */
  applied: boolean;
}

export type Decision = 'pass' | 'fail' | 'pending';

export interface GateDecision {
  decision: Decision;
  /** Every condition that is not met (failed, pending, waived, notices), as plain sentences. */
  reasons: string[];
  conditions: Condition[];
  approvals: ApprovalTally | null;
  marginalApprovals: ApprovalTally | null;
  /** Environment approvals read from the run; null when not read. */
  environmentApprovers: EnvironmentApproval[] | null;
  override: OverrideRecord | null;
}

/** A commit status the gate sets on the head commit. */
export interface CommitStatus {
  sha: string;
  state: 'success' | 'failure' | 'pending' | 'error';
  context: string;
  /** Cut to GitHub's 140 characters by the implementation. */
  description: string;
  targetUrl: string | null;
}

/**
 * Everything the gate reads from (and the one thing it writes to) the repository's host:
 * `src/github/gate-reads.ts` implements it over the REST API. Every method throws on a
 * failure, with a message naming the cause and the permission to add; the gate turns any
 * throw into a failed evaluation.
 */
export interface GateReads {
  /** The pull request's author and current head commit. */
  pullRequest(number: number): Promise<{ author: string; headSha: string }>;
  /** Every review, oldest first. */
  reviews(number: number): Promise<Review[]>;
  /** The `labeled`/`unlabeled` events, oldest first. */
  labelEvents(number: number): Promise<LabelEvent[]>;
  /** The comments of the conversation, oldest first. */
  comments(number: number): Promise<IssueComment[]>;
  /** Whether `login` is an active member of the team `org/slug`. */
  isActiveTeamMember(team: string, login: string): Promise<boolean>;
  /** Approvals and rejections of a run's environment protection rules. */
  runApprovals(runId: number): Promise<EnvironmentApproval[]>;
  setCommitStatus(status: CommitStatus): Promise<void>;
  /** The newest completed run of `headSha` with an unexpired artifact matching `pattern`, skipping `excludeRunId`; null when none. */
  latestRunWithArtifacts(headSha: string, pattern: string, excludeRunId?: number): Promise<number | null>;
  /** The validated results in the artifacts of run `runId` whose names match `pattern`. */
  downloadRunResults(runId: number, pattern: string): Promise<{ results: Result[]; artifacts: string[] }>;
}
