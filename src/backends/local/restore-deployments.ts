// A daemon restart: every model's deployment last applied and active runs again (replicas started,
// route set; a stopped one gets its stopped route), deploys the stop cut short are failed, and
// then the rollouts it cut go on beside the live deployments (restore-rollout.ts). A deployment
// that cannot start is a problem for people, not an error: the others still start.
import type { ModelRoute } from '../../gateway/types.ts';
import type { StoredBuild } from '../../store/builds.ts';
import { getBuild } from '../../store/builds.ts';
import type { Store } from '../../store/database.ts';
import { latestApplied, type StoredDeployment } from '../../store/deployments.ts';
import { listModels } from '../../store/models.ts';
import type { Running } from './live-state.ts';
import type { EnvSource } from './local-deployer-types.ts';
import type { LocalRollouts } from './local-rollouts.ts';
import { resolveEnv, unresolvedMessage } from './resolve-env.ts';
import { failCutShort, resumeRollout } from './restore-rollout.ts';

export type RestoreDeps = {
  store: Store;
  /** The deployer's live deployments by model; restored ones are added. */
  running: Map<string, Running>;
  setRoute: (route: ModelRoute) => void;
  routeFor: (d: StoredDeployment, state: 'running' | 'stopped') => ModelRoute;
  startReplicas: (d: StoredDeployment, build: StoredBuild, env: { env: Record<string, string>; secrets: string[] }) => Promise<unknown>;
  rollouts: LocalRollouts;
  refreshRoute: (model: string) => void;
  log: (line: string) => void;
};

/** Starts every deployment the store says should run; returns what could not be restored. */
export async function restoreDeployments(deps: RestoreDeps, envSource: EnvSource): Promise<string[]> {
  const { store, running } = deps;
  const problems: string[] = [];
  const saved = deps.rollouts.saved();
  for (const model of listModels(store)) {
    if (model.deleted) continue;
    failCutShort(store, model.name, saved.get(model.name));
    const d = latestApplied(store, model.name);
    if (!d || d.status !== 'active') continue;
    if (d.state === 'stopped') {
      running.set(model.name, { deployment: d, stopped: true });
      deps.setRoute(deps.routeFor(d, 'stopped'));
      continue;
    }
    const build = getBuild(store, model.name, d.buildNumber);
    const env = resolveEnv(d.serving.env, envSource);
    try {
      if (!build) throw new Error(`build #${d.buildNumber} is missing from the store`);
      if (!env.ok) throw new Error(unresolvedMessage(env, "in the daemon's environment"));
      await deps.startReplicas(d, build, env);
      running.set(model.name, { deployment: d, stopped: false });
      deps.setRoute(deps.routeFor(d, 'running'));
      deps.log(`${model.name}: deployment #${d.id} (build #${d.buildNumber}) restored`);
    } catch (error) {
      problems.push(`${model.name}: cannot restore deployment #${d.id}: ${(error as Error).message}`);
    }
  }
  // Once every live deployment runs again: the rollouts the stop cut go on beside them.
  for (const [model, rollout] of saved) {
    const problem = await resumeRollout(model, rollout, {
      store, rollouts: deps.rollouts, live: running.get(model), envSource, startReplicas: deps.startReplicas, refreshRoute: deps.refreshRoute, log: deps.log,
    });
    if (problem !== null) problems.push(problem);
  }
  return problems;
}
