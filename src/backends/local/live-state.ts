// What runs for each model right now, as the plan's `LiveState`: the deployer's current deployment
// per model and its replicas as the supervisor lists them.
import type { LiveState } from '../../plan/types.ts';
import type { Store } from '../../store/database.ts';
import { latestApplied, type StoredDeployment } from '../../store/deployments.ts';
import { listModels } from '../../store/models.ts';
import type { Supervisor } from '../../supervisor/supervisor.ts';

/** What runs for one model now: its current deployment, and whether it was stopped (by hand or as declared). */
export type Running = { deployment: StoredDeployment; stopped: boolean };

/** The live state of each model the store knows and has not deleted; `missing` when nothing runs. */
export function liveStates(store: Store, supervisor: Supervisor, running: ReadonlyMap<string, Running>): Map<string, LiveState> {
  const states = new Map<string, LiveState>();
  for (const model of listModels(store)) {
    if (model.deleted) continue;
    const d = latestApplied(store, model.name);
    if (!d) continue;
    const current = running.get(model.name);
    if (!current) {
      states.set(model.name, { state: 'missing', replicas: 0, readyReplicas: 0, deploymentId: null, servingHash: null });
      continue;
    }
    const replicas = current.stopped ? [] : supervisor.list({ deploymentId: current.deployment.id });
    states.set(model.name, {
      state: current.stopped ? 'stopped' : 'running',
      replicas: current.stopped ? 0 : replicas.length,
      readyReplicas: replicas.filter((r) => r.state === 'ready').length,
      deploymentId: current.deployment.id,
      servingHash: current.deployment.servingHash,
    });
  }
  return states;
}
