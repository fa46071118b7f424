import { escapeMarkdown, table } from '../io/markdown.js';
import type { ApprovalTally, ConditionStatus, GateDecision } from './types.js';

const ICON: Record<ConditionStatus, string> = {
  met: '✅ met',
  failed: '❌ failed',
  pending: '⏳ pending',
  waived: '⚠️ waived',
  skipped: '➖ skipped',
  notice: 'ℹ️ notice',
};

function tallyLine(title: string, tally: ApprovalTally | null): string | null {
  if (!tally) return null;
  const parts = [`${tally.counted.length} of ${tally.required} on the head commit`];
  if (tally.counted.length > 0) parts.push(`counted: ${tally.counted.map(escapeMarkdown).join(', ')}`);
  if (tally.stale.length > 0) parts.push(`stale: ${tally.stale.map(escapeMarkdown).join(', ')}`);
  if (tally.changesRequested.length > 0) parts.push(`changes requested: ${tally.changesRequested.map(escapeMarkdown).join(', ')}`);
  if (tally.ignored.length > 0) parts.push(`not counted: ${tally.ignored.map((i) => escapeMarkdown(i.login)).join(', ')}`);
  return `- **${title}**: ${parts.join('; ')}`;
}

/**
 * The job summary of a gate decision: the decision, every condition with its status, the
 * approvals and the override. Logins, labels, reasons and result summaries come from the
 * pull request and its artifacts, so all of it is escaped.
 */
export function renderGateSummary(decision: GateDecision, context: { headSha: string | null; pullRequest: number | null; statusContext: string }): string {
  const head = {
    pass: '✅ The gate passed',
    fail: '❌ The gate failed',
    pending: '⏳ The gate is pending (waiting for approvals)',
  }[decision.decision];
  const lines = [`## model-gates gate: ${decision.decision}`, '', `${head}${context.headSha ? ` for commit \`${context.headSha.slice(0, 12)}\`` : ''}${context.pullRequest ? ` of pull request #${context.pullRequest}` : ''}.`, ''];
  if (decision.reasons.length > 0) {
    lines.push('### Reasons', '', ...decision.reasons.map((r) => `- ${escapeMarkdown(r)}`), '');
  }
  lines.push('### Conditions', '', table(['Condition', 'Status', 'Detail'], decision.conditions.map((c) => [escapeMarkdown(c.id), ICON[c.status], escapeMarkdown(c.sentence)])), '');
  const people = [
    tallyLine('Approvals', decision.approvals),
    tallyLine('Marginal approvals', decision.marginalApprovals),
    decision.environmentApprovers
      ? `- **Environment approvals**: ${decision.environmentApprovers.length === 0 ? 'none' : decision.environmentApprovers.map((a) => `${escapeMarkdown(a.login)} (${a.state}${a.environments.length > 0 ? `, ${escapeMarkdown(a.environments.join(', '))}` : ''})`).join('; ')}`
      : null,
    decision.override
      ? `- **Override** label ${escapeMarkdown(decision.override.label)} applied by ${escapeMarkdown(decision.override.appliedBy)}: ${decision.override.applied ? `applied, reason: ${escapeMarkdown(decision.override.reason ?? '')}` : decision.override.authorised ? 'not applied (no reason given)' : 'ignored (not authorised)'}`
      : null,
  ].filter((line): line is string => line !== null);
  if (people.length > 0) lines.push('### Approvals', '', ...people, '');
  lines.push(`Commit status context: \`${context.statusContext.replace(/`/g, "'")}\`.`, '');
  return lines.join('\n');
}
