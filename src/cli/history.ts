// `slipway builds|deployments <model>`: the history kept in the store (no daemon needed), or with
// `--target` the build and deployment records kept in the cluster.
import type { Command } from 'commander';
import { openTarget } from '../target/registry.ts';
import type { TargetView } from '../target/target.ts';
import { targetOptions, type ClusterFlags } from './target-flags.ts';

export { deploymentStatus } from '../target/local-views.ts';

type HistoryFlags = ClusterFlags & { file?: string; json?: boolean };

const progress = (line: string) => process.stderr.write(`  ${line}\n`);

function print(view: TargetView, json: boolean | undefined): void {
  process.stdout.write(json ? `${JSON.stringify(view.json, null, 2)}\n` : view.text);
}

export function registerHistory(program: Command): void {
  targetOptions(program.command('builds <model>'))
    .description("list a model's builds")
    .option('--json', 'print JSON')
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (model: string, opts: HistoryFlags) => {
      print(await (await openTarget(opts, { log: progress })).builds(model), opts.json);
    });
  targetOptions(program.command('deployments <model>'))
    .description("list a model's deployments")
    .option('--json', 'print JSON')
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (model: string, opts: HistoryFlags) => {
      print(await (await openTarget(opts, { log: progress })).deployments(model), opts.json);
    });
}
