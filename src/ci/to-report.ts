// The one way every flow makes its RunReport, and turns apply outcomes into model reports: flows
// fill in what they found, the defaults say "nothing happened", and the build's state and the
// phase that failed come from the outcome's fields, never from its message.
import type { ModelOutcome } from '../apply/apply.ts';
import type { ModelReport, RunKind, RunReport } from '../github/run-report.ts';
import type { Plan } from '../plan/types.ts';
import type { SpecIssue } from '../spec/types.ts';

/** What a flow knows before it has results: the run's kind, commit and models file. */
export type ReportHeader = { kind: RunKind; commit: string | null; modelsFile: string };

/** A report of `header` with `fields`; what is not given is empty (no plan, no models, not ok). */
export function toReport(header: ReportHeader, fields: Partial<Omit<RunReport, keyof ReportHeader>> = {}): RunReport {
  return {
    ...header,
    ok: false,
    issues: [],
    plan: null,
    fingerprint: null,
    models: [],
    notes: [],
    failure: null,
    drift: false,
    ...fields,
  };
}

/** The report of a models file that did not load: positioned issues, or one message when it has none. */
export function invalidReport(header: ReportHeader, desired: { issues: SpecIssue[]; message: string }): RunReport {
  return toReport(header, { issues: desired.issues, failure: desired.issues.length > 0 ? null : desired.message });
}

/** One model's apply outcome as reported, with the reasons its change had in `plan`. */
export function outcomeReport(outcome: ModelOutcome, plan: Plan): ModelReport {
  const reasons = plan.changes.find((c) => c.model === outcome.model)?.reasons ?? [];
  const build = outcome.build && {
    number: outcome.build.number,
    key: outcome.build.key,
    state: outcome.failedIn === 'build' ? ('failed' as const) : outcome.build.reused ? ('reused' as const) : ('built' as const),
  };
  return {
    model: outcome.model,
    action: outcome.action,
    reasons,
    build,
    failedIn: outcome.failedIn,
    error: outcome.error,
    errorTail: outcome.errorTail,
    tests: outcome.tests,
    deploymentId: outcome.deploymentId,
    curl: null,
    ...(outcome.warnings !== undefined ? { warnings: outcome.warnings } : {}),
    ...(outcome.rollout !== undefined ? { rollout: outcome.rollout } : {}),
  };
}

/** True when nothing failed for the model: no error, every test call passed, its diff policy held. */
export function modelPassed(m: ModelReport): boolean {
  return m.error === null && m.tests.every((t) => t.pass) && m.diff?.judgement.ok !== false;
}
