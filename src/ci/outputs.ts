// The run's step outputs: `plan` (the plan JSON of `slipway plan --json`), `plan-fingerprint`,
// `changed-models` (comma-separated names) and `test-results` (JSON), secrets scrubbed.
import { redactDeep } from '../github/redact.ts';
import type { RunReport } from '../github/run-report.ts';
import { renderPlanJson } from '../plan/render-plan-json.ts';

export type RunOutputs = { plan: string; 'plan-fingerprint': string; 'changed-models': string; 'test-results': string };

/** The three outputs of `report`; `plan` is `null` when there is no plan (an invalid models file). */
export function runOutputs(report: RunReport, secrets: readonly string[]): RunOutputs {
  const plan = report.plan ? JSON.stringify(JSON.parse(renderPlanJson(report.plan))) : 'null';
  const tests = report.models.flatMap((m) =>
    m.tests.map((t) => ({ model: m.model, example: t.index + 1, input: t.input, expected: t.expected ?? null, got: t.got, pass: t.pass, detail: t.detail, latencyMs: round(t.latencyMs) })),
  );
  return {
    plan,
    'plan-fingerprint': report.fingerprint ?? '',
    'changed-models': report.models.map((m) => m.model).join(','),
    'test-results': JSON.stringify(redactDeep(tests, secrets)),
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
