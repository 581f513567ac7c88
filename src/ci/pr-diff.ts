// The answer diff of a pull request: each changed model that was built and has a deployed build
// is called, candidate and deployed build side by side, on its examples, its `replay:` set and its
// captured calls; the report is judged against its `diff` and `latencyBudget` policies. A model
// whose policy breaks fails the check. Nothing is deployed. Where builds are recorded, how they
// run and where captured calls come from are the caller's (local: the store, build folders in
// sandboxed processes; a cluster: its ledger, images in podman, its metrics store).
import path from 'node:path';
import type { BuildLedger } from '../apply/build-ledger.ts';
import { judgeDiff } from '../diff/diff-policy.ts';
import { diffBuilds } from '../diff/diff-builds.ts';
import type { RecentCaptures } from '../diff/paired-calls.ts';
import type { ModelReport } from '../github/run-report.ts';
import type { Observed } from '../plan/types.ts';
import type { ReplicaLauncher } from '../sandbox/launcher.ts';
import type { ModelSpec } from '../spec/types.ts';
import type { StoredBuild } from '../store/builds.ts';
import type { CandidateStarter } from './candidate-tests.ts';
import { ImageUnavailable, repositoryOfImage } from './image-starter.ts';

/** At most this many inputs per model (examples first, then the replay set, then captured calls). */
const SAMPLE = 2000;

export type PrDiffDeps = {
  root: string;
  ledger: Pick<BuildLedger, 'get'>;
  observed: Observed;
  launcher: ReplicaLauncher;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** The model's recent captured calls. */
  captures: RecentCaptures;
  /** How a build runs for the diff; default a throwaway replica process of its build folder. */
  start?: CandidateStarter;
  /** Whether `start` can run a build; default: it has a build folder (a cluster's image builds have none). */
  canRun?: (build: StoredBuild) => boolean;
};

const hasBuildFolder = (build: StoredBuild): boolean => build.artifact !== null && path.isAbsolute(build.artifact);

/** Adds `diff` to each report of `models` that has a candidate build and a different deployed one. */
export async function diffCandidates(reports: ModelReport[], models: readonly ModelSpec[], deps: PrDiffDeps): Promise<void> {
  const canRun = deps.canRun ?? hasBuildFolder;
  for (const report of reports) {
    const model = models.find((m) => m.name === report.model);
    const deployed = deps.observed.models.find((m) => m.name === report.model)?.deployment?.build;
    // Only a candidate that ran and passed is compared: a failed one already says why.
    if (model === undefined || deployed === undefined || report.error !== null || report.skipped !== undefined) continue;
    if (report.build === null || report.build.state === 'failed' || report.build.state === 'planned' || report.build.number === deployed) continue;
    const candidate = await deps.ledger.get(model.name, report.build.number);
    const baseline = await deps.ledger.get(model.name, deployed);
    if (candidate === null || baseline === null || baseline.status !== 'succeeded' || !canRun(candidate) || !canRun(baseline)) continue;
    try {
      const diff = await diffBuilds(model, candidate, baseline, {
        root: deps.root, captures: deps.captures, sample: SAMPLE, tolerance: model.diff?.tolerance ?? 1e-9, launcher: deps.launcher, env: deps.env, start: deps.start,
        onInputs: (count) => deps.log(`${model.name}: diffing build #${candidate.number} against the deployed build #${baseline.number} on ${count} input(s)`),
      });
      const judgement = judgeDiff(diff, { maxChanged: model.diff?.maxChanged, p95Ms: model.latencyBudget?.p95Ms, maxSlowdown: model.latencyBudget?.maxSlowdown });
      report.diff = { candidate: candidate.number, baseline: baseline.number, report: diff, judgement };
    } catch (error) {
      if (error instanceof ImageUnavailable && error.image === baseline.artifact) {
        unpullableBaseline(report, model, error, deps.log);
        continue;
      }
      report.failedIn = 'test';
      report.error = `the answer diff against the deployed build #${baseline.number} did not run: ${(error as Error).message}`;
    }
  }
}

/**
 * The deployed build's image cannot be pulled here (the production registry is not readable from
 * the PR job): that says nothing about the change, so the check does not go red for it, unless
 * the model declares a diff policy, which then cannot be judged: red, and why.
 */
function unpullableBaseline(report: ModelReport, model: ModelSpec, error: ImageUnavailable, log: (line: string) => void): void {
  const access = `give the PR job read access to ${repositoryOfImage(error.image)} (the target's \`registryCredentials\` are used)`;
  const policy = model.diff?.maxChanged !== undefined || model.latencyBudget !== undefined;
  if (policy) {
    report.failedIn = 'test';
    report.error = `could not run the diff: ${error.message}; ${access}, or drop diff.maxChanged and latencyBudget from ${model.name} to pass without the diff`;
    return;
  }
  report.diffNotRun = `${error.message}; ${access} to compare with the deployed build. Not a failure: ${model.name} declares no diff policy (diff.maxChanged, latencyBudget).`;
  log(`${model.name}: the answer diff did not run: ${error.message}`);
}
