// `slipway stop|start|restart <model>`: act on what runs now. The declared state is unchanged, so
// the next plan shows a `repair` for a model stopped this way.
import type { Command } from 'commander';
import { requireDaemon } from './daemon-client.ts';

export function registerLifecycle(program: Command): void {
  for (const action of ['stop', 'start', 'restart'] as const) {
    program
      .command(`${action} <model>`)
      .description(`${action} a model's replicas now`)
      .action(async (model: string) => {
        const { client } = await requireDaemon();
        const result = await client.json<{ state: string }>('POST', `models/${encodeURIComponent(model)}/${action}`);
        process.stdout.write(`${model}: ${result.state}\n`);
      });
  }
}
