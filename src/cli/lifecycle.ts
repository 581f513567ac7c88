// `slipway stop|start|restart <model>`: act on what runs now. The declared state is unchanged, so
// the next plan shows a `repair` for a model stopped this way.
import type { Command } from 'commander';
import { CliError } from './cli-error.ts';
import { requireDaemon } from './daemon-client.ts';

export function registerLifecycle(program: Command): void {
  for (const action of ['stop', 'start', 'restart'] as const) {
    program
      .command(`${action} <model>`)
      .description(`${action} a model's replicas now`)
      .action(async (model: string) => {
        const { client } = await requireDaemon();
        // The daemon's refusal ("x is not deployed") is meant for people: no stack trace.
        const result = await client
          .json<{ state: string }>('POST', `models/${encodeURIComponent(model)}/${action}`)
          .catch((error: Error) => {
            throw new CliError(`cannot ${action} ${model}: ${error.message}`);
          });
        process.stdout.write(`${model}: ${result.state}\n`);
      });
  }
}
