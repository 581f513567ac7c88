// Carries out a plan: builds what no build has yet, hands each change to the backend, and runs the
// changed models' examples as test calls. Examples gate traffic: the backend is asked to run them
// against the new replicas before any route moves, and a failure leaves the previous deployment
// serving. A backend that cannot gate deploys, and the examples run after (as with `gate: false`
// or `--no-gate`). Backend-neutral: the local daemon and CI pass their own builder and backend.
// One model's failure never stops the others; a cancelled apply (the signal aborted) starts
// nothing more, and what it did not finish leaves the previous deployment.
import { RolloutFailure, type Backend, type StartedRollout } from '../backends/backend.ts';
import type { Builder } from '../build/builder.ts';
import { cancelReason } from '../build/step-limits.ts';
import type { Change, Plan } from '../plan/types.ts';
import type { BuildKeys } from '../source/types.ts';
import type { BuildLedger } from './build-ledger.ts';
import { ensureBuild, type BuildDeps, type BuildLog } from './ensure-build.ts';
import { runExamples, type CallModel, type TestResult } from './test-calls.ts';
import { startedAs } from '../rollouts/rollout-text.ts';

export type ApplyDeps = {
  root: string;
  /** Why an existing build may not be deployed here (see BuildDeps); such a build is made again. */
  notDeployable?: BuildDeps['notDeployable'];
  verifyExisting?: BuildDeps['verifyExisting'];
  /** Where builds are numbered and recorded (see build-ledger.ts). */
  ledger: BuildLedger;
  builder: Builder;
  backend: Backend;
  keys: BuildKeys;
  gitCommit: string | null;
  log: (line: string) => void;
  /** Calls a deployed model; when given, changed models' examples are run as test calls. */
  callModel?: CallModel;
  /** Where fromEnv variables are read for build steps (see BuildDeps). */
  envSource?: Record<string, string | undefined>;
  /** Cancels the apply: the running build step is killed, no further change starts. */
  signal?: AbortSignal;
  /** false: examples run after traffic moved, for every model (`--no-gate`). Default true. */
  gate?: boolean;
  /** Where builds' own output goes (see ensure-build). */
  buildLog?: BuildLog;
  /** Who asked for the apply, recorded with each deployment (src/history/actor.ts). */
  actor?: string;
};

/**
 * Where a model's apply failed: its `build`, the `deploy` (records, manifests, secrets), the
 * `rollout` (the new replicas never became ready), or its examples as `test` calls.
 */
export type FailedPhase = 'build' | 'deploy' | 'rollout' | 'test';

export type ModelOutcome = {
  model: string;
  action: Change['action'];
  ok: boolean;
  /** The phase that failed; null when none did. */
  failedIn: FailedPhase | null;
  /** True when the apply was cancelled before this model was done (by a newer apply). */
  cancelled: boolean;
  /** The build the model runs now (for delete: none). */
  build: { number: number; key: string; reused: boolean } | null;
  deploymentId: number | null;
  /** Present when the deployment began as a canary or shadow beside the live one (it does not serve every call yet). */
  rollout?: StartedRollout;
  /** What failed, for people: `build #3 failed: build script build.sh exited with 2`. */
  error: string | null;
  /** The tail of a failed build's log. */
  errorTail: string | null;
  tests: TestResult[];
  /** True when the tests ran on the new replicas before they took traffic. */
  gated?: boolean;
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
      if (outcome.gated || !outcome.ok || !model || model.state !== 'running' || outcome.action === 'stop') continue;
      outcome.tests = await runExamples(model, deps.callModel);
      if (outcome.tests.some((t) => !t.pass)) {
        outcome.ok = false;
        outcome.failedIn = 'test';
      }
    }
  }
  return { ok: outcomes.every((o) => o.ok), outcomes };
}

async function applyChange(change: Change, deps: ApplyDeps): Promise<ModelOutcome> {
  const outcome: ModelOutcome = {
    model: change.model,
    action: change.action,
    ok: false,
    failedIn: null,
    cancelled: false,
    build: change.build,
    deploymentId: null,
    error: null,
    errorTail: null,
    tests: [],
  };
  const cancelled = (phase: FailedPhase): ModelOutcome => {
    outcome.failedIn = phase;
    outcome.cancelled = true;
    outcome.error = `cancelled: ${cancelReason(deps.signal!)}`;
    deps.log(`${change.model}: ${outcome.error}; the running deployment is left as it was`);
    return outcome;
  };
  // The phase under way, for an error thrown from it.
  let phase: FailedPhase = change.action === 'delete' ? 'deploy' : 'build';
  if (deps.signal?.aborted) return cancelled(phase);
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
      if (deps.signal?.aborted) return cancelled('build');
      outcome.failedIn = 'build';
      outcome.error = `build #${ensured.number} failed: ${ensured.message}`;
      outcome.errorTail = ensured.errorTail;
      deps.log(`${change.model}: ${outcome.error}; the running deployment is left as it was`);
      return outcome;
    }
    const build = ensured.build;
    outcome.build = { number: build.number, key: build.key, reused: ensured.reused };
    phase = 'deploy';
    if (deps.signal?.aborted) return cancelled(phase);
    deps.log(`${change.model}: ${change.action} with build #${build.number}`);
    const model = change.desired;
    const gate = deps.callModel !== undefined && deps.gate !== false && model !== undefined && gates(model) ? model : null;
    const recorded = { signal: deps.signal, actor: deps.actor, gitCommit: deps.gitCommit };
    const result = await deps.backend.deploy(change, build, gate ? { ...recorded, gate: (call) => runExamples(gate, call) } : recorded);
    outcome.deploymentId = result.deploymentId;
    if (result.warnings !== undefined && result.warnings.length > 0) outcome.warnings = result.warnings;
    if (result.gate) {
      outcome.gated = true;
      outcome.tests = result.gate.tests;
      if (!result.gate.passed) {
        const failed = result.gate.tests.filter((t) => !t.pass).length;
        outcome.failedIn = 'test';
        outcome.error = `${failed} of ${result.gate.tests.length} examples failed on deployment #${result.deploymentId} before it took traffic; it is marked failed and ${change.action === 'create' ? 'nothing serves the model yet' : 'the previous deployment keeps serving'}`;
        deps.log(`${change.model}: ${outcome.error}`);
        return outcome;
      }
    }
    outcome.ok = true;
    if (result.rollout !== undefined) outcome.rollout = result.rollout;
    const now = result.rollout !== undefined ? startedAs(result.rollout) : change.desired?.state === 'stopped' ? 'stopped' : 'serving';
    deps.log(`${change.model}: deployment #${result.deploymentId} ${now}`);
  } catch (error) {
    if (error instanceof RolloutFailure) phase = 'rollout';
    if (deps.signal?.aborted) return cancelled(phase);
    outcome.failedIn = phase;
    outcome.error = error instanceof Error ? error.message : String(error);
    deps.log(`${change.model}: ${change.action} failed: ${outcome.error}`);
  }
  return outcome;
}

/** Whether a model's examples gate its traffic: it runs, has examples, and does not say `gate: false`. */
function gates(model: NonNullable<Change['desired']>): boolean {
  return model.state === 'running' && model.examples.length > 0 && model.gate !== false;
}
