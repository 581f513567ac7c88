// Carries out a plan: builds what no build has yet, hands each change to the backend, then runs
// the changed models' examples as test calls. Backend-neutral: the local daemon and CI pass their
// own builder and backend. One model's failure never stops the others.
import type { Backend } from '../backends/backend.ts';
import type { Builder } from '../build/builder.ts';
import type { Change, Plan } from '../plan/types.ts';
import type { BuildKeys } from '../source/types.ts';
import type { Store } from '../store/database.ts';
import { ensureBuild } from './ensure-build.ts';
import { runExamples, type CallModel, type TestResult } from './test-calls.ts';

export type ApplyDeps = {
  root: string;
  store: Store;
  builder: Builder;
  backend: Backend;
  keys: BuildKeys;
  gitCommit: string | null;
  log: (line: string) => void;
  /** Calls a deployed model; when given, changed models' examples are run after deploy. */
  callModel?: CallModel;
  /** Where fromEnv variables are read for build steps (see BuildDeps). */
  envSource?: Record<string, string | undefined>;
};

export type ModelOutcome = {
  model: string;
  action: Change['action'];
  ok: boolean;
  /** The build the model runs now (for delete: none). */
  build: { number: number; key: string; reused: boolean } | null;
  deploymentId: number | null;
  /** What failed, for people: `build #3 failed: build script build.sh exited with 2`. */
  error: string | null;
  /** The tail of a failed build's log. */
  errorTail: string | null;
  tests: TestResult[];
  /** Warnings the model emitted while its replicas loaded it (advice included where the environment is the likely cause). */
  warnings?: string[];
};

export type ApplyReport = { ok: boolean; outcomes: ModelOutcome[] };

/** Applies every change of `plan` in order; the report says per model what happened. */
export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyReport> {
  const outcomes: ModelOutcome[] = [];
  for (const change of plan.changes) {
    if (change.action === 'noop') continue;
    outcomes.push(await applyChange(change, deps));
  }
  if (deps.callModel) {
    for (const outcome of outcomes) {
      const change = plan.changes.find((c) => c.model === outcome.model);
      const model = change?.desired;
      if (!outcome.ok || !model || model.state !== 'running' || outcome.action === 'stop') continue;
      outcome.tests = await runExamples(model, deps.callModel);
      if (outcome.tests.some((t) => !t.pass)) outcome.ok = false;
    }
  }
  return { ok: outcomes.every((o) => o.ok), outcomes };
}

async function applyChange(change: Change, deps: ApplyDeps): Promise<ModelOutcome> {
  const outcome: ModelOutcome = {
    model: change.model,
    action: change.action,
    ok: false,
    build: change.build,
    deploymentId: null,
    error: null,
    errorTail: null,
    tests: [],
  };
  try {
    if (change.action === 'delete') {
      deps.log(`${change.model}: deleting (history kept)`);
      await deps.backend.delete(change.model);
      outcome.ok = true;
      return outcome;
    }
    const ensured = await ensureBuild(change, deps);
    if (!ensured.ok) {
      outcome.build = { number: ensured.number, key: ensured.key, reused: false };
      outcome.error = `build #${ensured.number} failed: ${ensured.message}`;
      outcome.errorTail = ensured.errorTail;
      deps.log(`${change.model}: ${outcome.error}; the running deployment is left as it was`);
      return outcome;
    }
    const build = ensured.build;
    outcome.build = { number: build.number, key: build.key, reused: ensured.reused };
    deps.log(`${change.model}: ${change.action} with build #${build.number}`);
    const result = await deps.backend.deploy(change, build);
    outcome.deploymentId = result.deploymentId;
    if (result.warnings !== undefined && result.warnings.length > 0) outcome.warnings = result.warnings;
    outcome.ok = true;
    deps.log(`${change.model}: deployment #${result.deploymentId} ${change.desired?.state === 'stopped' ? 'stopped' : 'serving'}`);
  } catch (error) {
    outcome.error = error instanceof Error ? error.message : String(error);
    deps.log(`${change.model}: ${change.action} failed: ${outcome.error}`);
  }
  return outcome;
}
