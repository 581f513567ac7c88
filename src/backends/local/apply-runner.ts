// Apply inside the daemon: plan against what runs, build, deploy, test calls. Applies are
// serialized, so two never interleave (the watcher's and a CLI's, or two CLIs').
import path from 'node:path';
import { applyPlan, type ApplyReport } from '../../apply/apply.ts';
import { loadDesired } from '../../apply/desired.ts';
import type { CallModel } from '../../apply/test-calls.ts';
import type { Builder } from '../../build/builder.ts';
import { plan } from '../../plan/plan.ts';
import type { Plan } from '../../plan/types.ts';
import type { Repo } from '../../source/repo.ts';
import { headCommit } from '../../source/repo.ts';
import type { Store } from '../../store/database.ts';
import { secretDigest } from '../../store/secret-digest.ts';
import type { LocalDeployer } from './local-deployer.ts';

export type ApplyRequest = {
  /** Absolute path of the models file. */
  file: string;
  /** Values of the fromEnv variables, from the environment of whoever asked for the apply. */
  env: Record<string, string>;
  log: (line: string) => void;
};

export type ApplyResult = { ok: true; plan: Plan; report: ApplyReport } | { ok: false; message: string };

export function createApplyRunner(deps: { repo: Repo; store: Store; builder: Builder; deployer: LocalDeployer; callModel: CallModel }) {
  let queue: Promise<unknown> = Promise.resolve();

  async function run(req: ApplyRequest): Promise<ApplyResult> {
    const env = { ...process.env, ...req.env };
    const desired = await loadDesired(
      { repo: deps.repo, modelsFile: req.file, display: path.relative(deps.repo.root, req.file) },
      { forApply: true, env, secretDigest: secretDigest(deps.store) },
    );
    if (!desired.ok) return { ok: false, message: desired.message };
    const thePlan = plan(desired.spec, desired.keys, deps.deployer.observe());
    const report = await applyPlan(thePlan, {
      root: deps.repo.root,
      store: deps.store,
      builder: deps.builder,
      backend: deps.deployer.backendFor(env),
      keys: desired.keys,
      gitCommit: await headCommit(deps.repo),
      log: req.log,
      callModel: deps.callModel,
    });
    return { ok: true, plan: thePlan, report };
  }

  return {
    /** Runs after every apply asked for before it has finished. */
    apply(req: ApplyRequest): Promise<ApplyResult> {
      const result = queue.then(() => run(req));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

export type ApplyRunner = ReturnType<typeof createApplyRunner>;
