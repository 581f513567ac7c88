// Canary and shadow rollouts on the local daemon: the controller (src/rollouts/) decides when to
// step, promote or roll back; these actions carry its decisions out on the store, the gateway
// route and the supervisor, through the deployer's own switch and retire.
import { createRolloutController, type RolloutController } from '../../rollouts/rollout-controller.ts';
import { rolloutRecord } from '../../rollouts/rollout-text.ts';
import type { Store } from '../../store/database.ts';
import { appendDeploymentReason } from '../../store/deployment-reason.ts';
import { activateDeployment, setDeploymentStatus } from '../../store/deployments.ts';

export type LocalRollouts = {
  controller: RolloutController;
  /** A newer deploy, a stop or a delete ends a rollout in progress: its replicas stop, its record fails. */
  end(model: string, why: string): Promise<void>;
};

export function createLocalRollouts(deps: {
  store: Store;
  log: (line: string) => void;
  now?: () => number;
  /** Re-lists the model's route (primary and variant) with the gateway. */
  reroute: (model: string) => void;
  /** Moves all traffic to deployment `id` and retires the previous one. */
  switchTo: (model: string, id: number) => Promise<void>;
  /** Drains and stops a deployment's replicas. */
  retire: (deploymentId: number) => Promise<void>;
}): LocalRollouts {
  const { store } = deps;
  const controller = createRolloutController(
    {
      reroute: deps.reroute,
      promote: async (model, candidateId, finished) => {
        activateDeployment(store, candidateId);
        appendDeploymentReason(store, candidateId, rolloutRecord(finished));
        await deps.switchTo(model, candidateId);
        deps.log(`${model}: deployment #${candidateId} promoted; it serves every call`);
      },
      rollBack: async (model, candidateId, reason) => {
        deps.reroute(model);
        setDeploymentStatus(store, candidateId, 'failed');
        appendDeploymentReason(store, candidateId, reason);
        deps.log(`${model}: deployment #${candidateId}: ${reason}`);
        await deps.retire(candidateId);
      },
    },
    deps.now,
  );
  return {
    controller,
    async end(model, why) {
      const ended = controller.supersede(model, why);
      if (ended === null) return;
      deps.reroute(model);
      setDeploymentStatus(store, ended.candidateDeploymentId, 'failed');
      appendDeploymentReason(store, ended.candidateDeploymentId, `${ended.strategy} ended: ${why}`);
      await deps.retire(ended.candidateDeploymentId);
    },
  };
}
