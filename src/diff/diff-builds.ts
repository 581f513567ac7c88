// One answer diff of two builds of a model, wherever they run: its inputs (examples, replay set,
// newest captured calls), both builds called alternately, the report with the model's redacted
// fields left out. Shared by `slipway diff` (locally and `--target`) and the pull-request flows.
import type { CandidateStarter } from '../ci/candidate-tests.ts';
import type { ReplicaLauncher } from '../sandbox/launcher.ts';
import type { ModelSpec } from '../spec/types.ts';
import type { StoredBuild } from '../store/builds.ts';
import { diffAnswers, type DiffReport } from './answer-diff.ts';
import { callBoth, diffInputs, type RecentCaptures } from './paired-calls.ts';
import { redactReport } from './redact-report.ts';

export type DiffBuildsDeps = {
  root: string;
  captures: RecentCaptures;
  /** At most this many inputs. */
  sample: number;
  tolerance: number;
  launcher: ReplicaLauncher;
  env: NodeJS.ProcessEnv;
  /** How a build runs; default a throwaway replica process of its build folder. */
  start?: CandidateStarter;
  /** Told how many inputs there are, before any build starts. */
  onInputs?: (count: number) => void;
};

/** What `slipway diff` prints: both build numbers, how to name them, the report. */
export type DiffRun = { candidate: number; baseline: number; labels: { candidate: string; baseline: string }; report: DiffReport };

/** The diff of `candidate` against `baseline` on the model's inputs, redacted as captured calls are. */
export async function diffBuilds(model: ModelSpec, candidate: StoredBuild, baseline: StoredBuild, deps: DiffBuildsDeps): Promise<DiffReport> {
  const inputs = await diffInputs(deps.captures, deps.root, model, deps.sample);
  deps.onInputs?.(inputs.length);
  const calls = await callBoth(model, candidate, baseline, inputs, deps.launcher, deps.env, deps.start);
  return redactReport(diffAnswers(calls, deps.tolerance), model.capture?.redact ?? []);
}
