// `slipway promote <model>`: the canary or shadow in progress takes every call now; the deployment
// it replaces drains and stops, as after a normal switch.
import type { Command } from 'commander';
import { CliError } from '../cli/cli-error.ts';
import { requireDaemon } from '../cli/daemon-client.ts';
import type { RolloutState } from './rollout-controller.ts';

export function registerPromote(program: Command): void {
  program
    .command('promote <model>')
    .description("move every call to the model's canary or shadow now, ending its rollout")
    .action(async (model: string) => {
      const { client } = await requireDaemon();
      const state = await client.json<RolloutState>('POST', `models/${encodeURIComponent(model)}/promote`).catch((error: Error) => {
        throw new CliError(`cannot promote ${model}: ${error.message}`);
      });
      process.stdout.write(`${model}: deployment #${state.candidateDeploymentId} promoted; deployment #${state.liveDeploymentId} drained and stopped\n`);
    });
}
