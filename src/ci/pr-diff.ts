// The answer diff of a pull request: each changed model that was built and has a deployed build
// is called, candidate and deployed build side by side, on its examples, its `replay:` set and
// (locally) its captured calls; the report is judged against its `diff` and `latencyBudget`
// policies. A model whose policy breaks fails the check. Nothing is deployed.
import path from 'node:path';
import { redact } from '../capture/redact.ts';
import { diffAnswers, type DiffReport } from '../diff/answer-diff.ts';
import { judgeDiff } from '../diff/diff-policy.ts';
import { callBoth, diffInputs } from '../diff/paired-calls.ts';
import type { ModelReport } from '../github/run-report.ts';
import type { Observed } from '../plan/types.ts';
import type { ReplicaLauncher } from '../sandbox/launcher.ts';
import type { ModelSpec } from '../spec/types.ts';
import { getBuild } from '../store/builds.ts';
import type { Store } from '../store/database.ts';

/** At most this many inputs per model (examples first, then the replay set, then captured calls). */
const SAMPLE = 2000;

export type PrDiffDeps = { root: string; store: Store; observed: Observed; launcher: ReplicaLauncher; env: NodeJS.ProcessEnv; log: (line: string) => void };

/** Adds `diff` to each report of `models` that has a candidate build and a different deployed one. */
export async function diffCandidates(reports: ModelReport[], models: readonly ModelSpec[], deps: PrDiffDeps): Promise<void> {
  for (const report of reports) {
    const model = models.find((m) => m.name === report.model);
    const deployed = deps.observed.models.find((m) => m.name === report.model)?.deployment?.build;
    // Only a candidate that ran and passed is compared: a failed one already says why.
    if (model === undefined || deployed === undefined || report.error !== null || report.skipped !== undefined) continue;
    if (report.build === null || report.build.state === 'failed' || report.build.state === 'planned' || report.build.number === deployed) continue;
    const candidate = getBuild(deps.store, model.name, report.build.number);
    const baseline = getBuild(deps.store, model.name, deployed);
    // Image builds (a cluster's) have no build folder to start a throwaway replica from.
    if (candidate?.artifact == null || baseline?.artifact == null || baseline.status !== 'succeeded') continue;
    if (!path.isAbsolute(candidate.artifact) || !path.isAbsolute(baseline.artifact)) continue;
    try {
      const inputs = await diffInputs(deps.store, deps.root, model, SAMPLE);
      deps.log(`${model.name}: diffing build #${candidate.number} against the deployed build #${baseline.number} on ${inputs.length} input(s)`);
      const calls = await callBoth(model, candidate, baseline, inputs, deps.launcher, deps.env);
      const diff = redactExamples(diffAnswers(calls, model.diff?.tolerance ?? 1e-9), model.capture?.redact ?? []);
      const judgement = judgeDiff(diff, { maxChanged: model.diff?.maxChanged, p95Ms: model.latencyBudget?.p95Ms, maxSlowdown: model.latencyBudget?.maxSlowdown });
      report.diff = { candidate: candidate.number, baseline: baseline.number, report: diff, judgement };
    } catch (error) {
      report.failedIn = 'test';
      report.error = `the answer diff against the deployed build #${baseline.number} did not run: ${(error as Error).message}`;
    }
  }
}

/** The examples with the model's `capture.redact` fields dropped, as they are from the store. */
function redactExamples(r: DiffReport, pointers: readonly string[]): DiffReport {
  if (pointers.length === 0) return r;
  const dropped = (value: unknown): unknown => redact(structuredClone(value), pointers);
  return { ...r, examples: r.examples.map((e) => ({ ...e, input: dropped(e.input), baseline: dropped(e.baseline), candidate: dropped(e.candidate) })) };
}
