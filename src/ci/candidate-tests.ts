// The pull-request check of the changed models: each gets the build it would run with (built now
// when its key has none), and its examples are called in a throwaway replica of that build. Nothing
// is deployed; the builds are recorded in the store, so the merge reuses them.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBuild, type BuildDeps } from '../apply/ensure-build.ts';
import { runExamples } from '../apply/test-calls.ts';
import { resolveEnv } from '../backends/local/resolve-env.ts';
import type { ModelReport, ReportBuild } from '../github/run-report.ts';
import type { Change, Plan } from '../plan/types.ts';
import { startThrowaway, type Throwaway, type ThrowawayOptions } from './throwaway-replica.ts';
import type { ModelSpec } from '../spec/types.ts';
import type { ReplicaLauncher } from '../sandbox/launcher.ts';
import type { StoredBuild } from '../store/builds.ts';

/** Starts one throwaway replica of a candidate build: a local process by default, a container for images. */
export type CandidateStarter = (model: ModelSpec, build: StoredBuild, opts: ThrowawayOptions) => Promise<Throwaway>;

export type CandidateDeps = BuildDeps & {
  /** Where fromEnv secrets are read (the job's environment). */
  env: NodeJS.ProcessEnv;
  /** How a candidate is started; default: a replica process on the build folder. */
  start?: CandidateStarter;
  /** The sandbox of local candidates (the default starter). */
  launcher: ReplicaLauncher;
  /** A fork's pull request: no network even when the model asks for it. */
  fork: boolean;
};

/** Actions whose model serves after apply, so its examples can be called. */
const SERVING = new Set<Change['action']>(['create', 'rebuild', 'rollback', 'reconfigure', 'start', 'repair']);

/** One report per change that is not a `noop`, in plan order; models that will serve are built and called. */
export async function testCandidates(p: Plan, deps: CandidateDeps): Promise<ModelReport[]> {
  const reports: ModelReport[] = [];
  for (const change of p.changes) {
    if (change.action === 'noop') continue;
    const report = planned(change);
    reports.push(report);
    if (!SERVING.has(change.action) || change.desired?.state !== 'running') continue;
    await testOne(change, report, deps);
  }
  return reports;
}

/** A change as a report before anything ran: its build as the plan sees it. */
export function planned(change: Change): ModelReport {
  const build: ReportBuild | null = change.build && { number: change.build.number, key: change.build.key, state: change.build.reused ? 'reused' : 'planned' };
  return { model: change.model, action: change.action, reasons: change.reasons, build, failedIn: null, error: null, errorTail: null, tests: [], deploymentId: null, curl: null };
}

async function testOne(change: Change, report: ModelReport, deps: CandidateDeps): Promise<void> {
  const model = change.desired!;
  // Secrets come only from this job's environment (what the workflow passes; nothing on a fork),
  // never from production: a candidate that needs one it does not get is skipped, not failed.
  const env = resolveEnv(model.serving.env, deps.env);
  if (!env.ok) {
    const names = [...env.missing, ...env.empty];
    report.skipped = `secret not available on this PR (${names.join(', ')}); a same-repository pull request gets it when the job passes it (env: ${names[0]}: \${{ secrets.${names[0]} }})`;
    return;
  }
  let ensured;
  try {
    ensured = await ensureBuild(change, deps);
  } catch (error) {
    report.failedIn = 'build';
    report.error = (error as Error).message;
    return;
  }
  if (!ensured.ok) {
    report.failedIn = 'build';
    report.build = { number: ensured.number, key: ensured.key, state: 'failed' };
    report.error = `build #${ensured.number} failed: ${ensured.message}`;
    report.errorTail = ensured.errorTail;
    return;
  }
  report.build = { number: ensured.build.number, key: ensured.build.key, state: ensured.reused ? 'reused' : 'built' };
  if (model.examples.length === 0) return;
  const logDir = await mkdtemp(path.join(tmpdir(), 'slipway-candidate-'));
  try {
    deps.log(`${model.name}: calling ${model.examples.length} example(s) on build #${ensured.build.number} in a throwaway replica`);
    const start = deps.start ?? startThrowaway;
    // No gateway for candidates (production's must not be reachable), and an internal token valid
    // nowhere: its own throwaway gateway, which does not exist.
    const candidateEnv = { SLIPWAY_API_KEY: `slw_candidate_${randomBytes(16).toString('hex')}`, ...env.env };
    const policy = { network: model.serving.sandbox?.network === true && !deps.fork, paths: model.serving.sandbox?.paths ?? [] };
    const replica = await start(model, ensured.build, { env: candidateEnv, gatewayUrl: '', logDir, launcher: deps.launcher, policy });
    try {
      report.tests = await runExamples(model, replica.call);
      if (report.tests.some((t) => !t.pass)) report.failedIn = 'test';
    } finally {
      await replica.stop();
    }
  } catch (error) {
    report.failedIn = 'rollout';
    report.error = `the candidate build did not start: ${(error as Error).message}`;
  } finally {
    await rm(logDir, { recursive: true, force: true });
  }
}
