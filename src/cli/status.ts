// `slipway status`: what runs, per model and per replica, with CML-style counters; with
// `--target`, what runs on that cluster, from its Deployments and records.
import type { Command } from 'commander';
import { openTarget } from '../target/registry.ts';
import { targetOptions, type ClusterFlags } from './target-flags.ts';

type StatusFlags = ClusterFlags & { file?: string; json?: boolean };

export function registerStatus(program: Command): void {
  targetOptions(program.command('status'))
    .description('show deployed models, their replicas and call counters')
    .option('--json', 'print JSON')
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (opts: StatusFlags) => {
      const target = await openTarget(opts, { log: (line) => process.stderr.write(`  ${line}\n`) });
      const view = await target.status();
      if (opts.json) return void process.stdout.write(`${JSON.stringify(view.json, null, 2)}\n`);
      for (const note of view.notes ?? []) process.stderr.write(`${note}\n`);
      process.stdout.write(view.text);
    });
}
