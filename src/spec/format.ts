// Issues as one line each, in the `file:line:column` form editors and CI annotations link to.
import type { SpecIssue } from './types.ts';

/** `models.yaml:14:16 models[1].replicas: 12 is above limits.maxReplicas 9 (...)`. */
export function formatIssue(issue: SpecIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path === '' ? `${where} ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
}

/** Every issue on its own line, in the order given. */
export function formatIssues(issues: readonly SpecIssue[]): string {
  return issues.map(formatIssue).join('\n');
}
