// `slipway promote <model>`: the canary or shadow in progress takes every call now; the deployment
// it replaces drains and stops, as after a normal switch. With `--target`, the in-cluster gateway
// that drives the cluster's rollouts does it (a request on the model's Service).
import type { Command } from 'commander';
import { CliError } from '../cli/cli-error.ts';
import { clusterOf } from '../cli/cluster-of.ts';
import { requireDaemon } from '../cli/daemon-client.ts';
import { targetOptions, type ClusterFlags } from '../cli/target-flags.ts';
import type { KubeApi } from '../backends/kubernetes/kube-api.ts';
import type { RolloutState } from './rollout-controller.ts';

export function registerPromote(program: Command): void {
  targetOptions(program.command('promote <model>'))
    .description("move every call to the model's canary or shadow now, ending its rollout")
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (model: string, flags: ClusterFlags & { file?: string }) => {
      const cluster = await clusterOf(flags);
      const state = cluster !== null ? await promoteOnCluster(cluster.backend.api, model) : await promoteLocally(model);
      if (state.outcome !== 'promoted') throw new CliError(`${model}: the ${state.strategy} of deployment #${state.candidateDeploymentId} ${state.outcome}${state.reason ? `: ${state.reason}` : ''}`);
      process.stdout.write(`${model}: deployment #${state.candidateDeploymentId} promoted; deployment #${state.liveDeploymentId} drained and stopped\n`);
    });
}

async function promoteLocally(model: string): Promise<RolloutState> {
  const { client } = await requireDaemon();
  return client.json<RolloutState>('POST', `models/${encodeURIComponent(model)}/promote`).catch((error: Error) => {
    throw new CliError(`cannot promote ${model}: ${error.message}`);
  });
}

async function promoteOnCluster(api: KubeApi, model: string): Promise<RolloutState> {
  const { requestClusterRollout } = await import('../backends/kubernetes/rollout-request.ts');
  return requestClusterRollout(api, model, 'promote').catch((error: Error) => {
    throw new CliError(`cannot promote ${model}: ${error.message}`);
  });
}
