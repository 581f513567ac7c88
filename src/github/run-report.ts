// What one CI run found and did, as plain data: the input of every renderer in this folder (PR
// comment, job summary, commit comment) and of the Action's outputs. CI's flows fill it in.
import type { FailedPhase } from '../apply/apply.ts';
import type { StartedRollout } from '../backends/backend.ts';
import type { TestResult } from '../apply/test-calls.ts';
import type { DiffReport } from '../diff/answer-diff.ts';
import type { DiffJudgement } from '../diff/diff-policy.ts';
import type { Action, Plan } from '../plan/types.ts';
import type { SpecIssue } from '../spec/types.ts';

/** `plan`: plan only. `test`: plan, build, test calls in throwaway replicas (pull requests). */
export type RunKind = 'plan' | 'test' | 'apply' | 'reconcile';

/**
 * The build a model runs (or would run) with. `reused`: an existing build. `built`: built by this
 * run. `failed`: this run's build failed. `planned`: would be built by apply (plan only).
 */
export type ReportBuild = { number: number; key: string; state: 'reused' | 'built' | 'failed' | 'planned' };

export type ModelReport = {
  model: string;
  action: Action;
  reasons: string[];
  build: ReportBuild | null;
  /** The phase that failed (build, deploy, rollout, test), or null when none did or none ran. */
  failedIn: FailedPhase | null;
  /** What went wrong for this model (build, replica start, deploy), for people; null when nothing did. */
  error: string | null;
  /** The last lines of a failed build's log, or of a replica that did not start. */
  errorTail: string | null;
  /** Its examples as test calls; empty when none ran. */
  tests: TestResult[];
  /** The deployment made (apply, reconcile). */
  deploymentId: number | null;
  /** Present when that deployment began as a canary or shadow (it does not serve every call yet). */
  rollout?: StartedRollout;
  /** A ready-to-paste curl for the model's endpoint; null for a model that will not serve. */
  curl: string | null;
  /** The same call in R (httr, src/github/httr-call.ts), set beside `curl`. */
  httr?: string | null;
  /** Why its examples were not called (not a failure), e.g. a secret this pull request does not get. */
  skipped?: string;
  /** Warnings the model emitted while loading (apply, reconcile), with advice where the environment is the likely cause. */
  warnings?: string[];
  /**
   * Pull requests: how the output's JSON shape differs from the deployed build's (ci/output-shape.ts),
   * judged from the candidate's `answers` to its examples, or from the pull request's `examples`.
   */
  outputShape?: { from: 'answers' | 'examples'; changes: string[] };
  /** Pull requests: the candidate's answers and latency against the deployed build (src/ci/pr-diff.ts). */
  diff?: { candidate: number; baseline: number; report: DiffReport; judgement: DiffJudgement };
  /** Pull requests: why the answer diff could not run, when that is no failure (no diff policy to judge). */
  diffNotRun?: string;
};

export type RunReport = {
  kind: RunKind;
  /** True when nothing failed: the models file is valid, builds succeeded, every test call passed. */
  ok: boolean;
  /** The commit the run is about (a pull request's head, a push's after), or null. */
  commit: string | null;
  /** The models file as annotations and messages name it (relative to the repository root). */
  modelsFile: string;
  /** Validation errors of the models file; when any, there is no plan. */
  issues: SpecIssue[];
  plan: Plan | null;
  /** The plan's fingerprint (plan/fingerprint.ts): an apply given it applies only this plan. */
  fingerprint: string | null;
  /** Every model that changes (or changed), in plan order; `noop`s are only counted by the plan. */
  models: ModelReport[];
  /** Facts worth telling, e.g. that the daemon was not running and was started. */
  notes: string[];
  /** A failure of the whole run (the daemon refused the apply, say), or null. */
  failure: string | null;
  /** Reconcile: what runs differed from what was last applied (or from the models file). */
  drift: boolean;
};
