// `slipway status`: what runs, per model and per replica, with CML-style counters.
import type { Command } from 'commander';
import type { ModelStatus } from '../backends/local/status.ts';
import { requireDaemon } from './daemon-client.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show deployed models, their replicas and call counters')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { client } = await requireDaemon();
      const status = await client.json<{ gateway: string; models: ModelStatus[] }>('GET', 'status');
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        return;
      }
      process.stdout.write(`gateway ${status.gateway}\n`);
      if (status.models.length === 0) process.stdout.write('no models deployed\n');
      for (const m of status.models) {
        process.stdout.write(
          `\n${m.model}  ${m.state}  deployment #${m.deploymentId}  build #${m.build}  ${m.readyReplicas}/${m.replicas} ready  access key ${m.accessKey ?? '?'}\n`,
        );
        for (const r of m.replicaStats) {
          const c = r as Record<string, unknown>;
          process.stdout.write(
            `  ${c.id}  ${c.state}  received ${c.received}  processed ${c.processed}  success ${c.success}  failure ${c.failure}  error ${c.error}  busy ${c.busy}  not ready ${c.notReady}  restarts ${c.restarts}\n`,
          );
        }
      }
    });
}
