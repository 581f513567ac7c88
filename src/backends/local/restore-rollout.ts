// A daemon restart and the rollouts it cut: the candidate of a saved canary or shadow starts again
// beside the live deployment and the rollout goes on (same step, deadline and counters; a deadline
// passed while the daemon was down ends the step at the first tick). Any other deploy cut short
// never took traffic, and its record says so instead of "deploying" for ever.
import type { Store } from '../../store/database.ts';
import type { StoredBuild } from '../../store/builds.ts';
import { getBuild } from '../../store/builds.ts';
import { appendDeploymentReason } from '../../store/deployment-reason.ts';
import { getDeployment, listDeployments, setDeploymentStatus, type StoredDeployment } from '../../store/deployments.ts';
import type { SavedRollout } from '../../store/rollouts.ts';
import type { EnvSource } from './local-deployer-types.ts';
import type { LocalRollouts } from './local-rollouts.ts';
import type { Running } from './live-state.ts';
import { resolveEnv, unresolvedMessage } from './resolve-env.ts';

/** Fails every deployment of `model` still "deploying", except the candidate of its saved rollout. */
export function failCutShort(store: Store, model: string, saved: SavedRollout | undefined): void {
  const keep = saved?.snapshot.state.candidateDeploymentId ?? null;
  for (const cut of listDeployments(store, model).filter((x) => x.status === 'deploying' && x.id !== keep)) {
    setDeploymentStatus(store, cut.id, 'failed');
    appendDeploymentReason(store, cut.id, 'the daemon stopped before it took all traffic');
  }
}

/**
 * Goes on with the model's saved rollout once its live deployment runs again: the candidate's
 * replicas start, the controller resumes, the caller's `refreshRoute` gives the route its variant.
 * A rollout that cannot go on ends with its candidate failed; the answer is then the problem.
 */
export async function resumeRollout(
  model: string,
  saved: SavedRollout,
  deps: {
    store: Store;
    rollouts: LocalRollouts;
    live: Running | undefined;
    envSource: EnvSource;
    startReplicas: (d: StoredDeployment, build: StoredBuild, env: { env: Record<string, string>; secrets: string[] }) => Promise<unknown>;
    refreshRoute: (model: string) => void;
    log: (line: string) => void;
  },
): Promise<string | null> {
  const { state } = saved.snapshot;
  const candidate = getDeployment(deps.store, state.candidateDeploymentId);
  try {
    if (candidate === null || candidate.status !== 'deploying') throw new Error(`deployment #${state.candidateDeploymentId} is no longer being rolled out`);
    if (deps.live === undefined || deps.live.stopped || deps.live.deployment.id !== state.liveDeploymentId) {
      throw new Error(`deployment #${state.liveDeploymentId}, which it is compared with, does not serve any more`);
    }
    const build = getBuild(deps.store, model, candidate.buildNumber);
    if (!build) throw new Error(`build #${candidate.buildNumber} is missing from the store`);
    const env = resolveEnv(candidate.serving.env, deps.envSource);
    if (!env.ok) throw new Error(unresolvedMessage(env, "in the daemon's environment"));
    await deps.startReplicas(candidate, build, env);
  } catch (error) {
    const why = `the daemon restarted and its ${state.strategy} could not go on: ${(error as Error).message}`;
    deps.rollouts.forget(saved, why);
    if (candidate?.status === 'deploying') {
      setDeploymentStatus(deps.store, candidate.id, 'failed');
      appendDeploymentReason(deps.store, candidate.id, why);
    }
    return `${model}: ${why}`;
  }
  deps.rollouts.resume(saved);
  deps.refreshRoute(model);
  const where = state.strategy === 'canary' ? `step ${state.step + 1}/${state.steps.length} at ${state.weight} %` : 'mirroring';
  deps.log(`${model}: ${state.strategy} of deployment #${candidate.id} resumed (${where}) beside deployment #${state.liveDeploymentId}`);
  return null;
}
