// `slipway builds|deployments <model>`: the history kept in the store; no daemon needed.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { storePath } from '../backends/local/observe.ts';
import { openStore, type Store } from '../store/database.ts';
import { listBuilds } from '../store/builds.ts';
import { listDeployments } from '../store/deployments.ts';
import { CliError } from './cli-error.ts';
import { openWorkspace } from './workspace.ts';

async function withStore<T>(fn: (store: Store) => T): Promise<T> {
  const ws = await openWorkspace({ needModels: false });
  if (!existsSync(storePath(ws.root))) throw new CliError('nothing applied yet in this repository (run `slipway apply`)');
  const store = openStore(storePath(ws.root));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

export function registerHistory(program: Command): void {
  program
    .command('builds <model>')
    .description("list a model's builds")
    .option('--json', 'print JSON')
    .action(async (model: string, opts: { json?: boolean }) => {
      const builds = await withStore((store) => listBuilds(store, model));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(builds, null, 2)}\n`);
      if (builds.length === 0) return void process.stdout.write(`${model} has no builds\n`);
      for (const b of builds) {
        process.stdout.write(
          `#${b.number}  ${b.status.padEnd(9)}  ${b.key.slice(0, 12)}  ${b.startedAt}  ${b.gitCommit?.slice(0, 8) ?? '-'}  ${b.inputs.files.length} files${b.errorTail ? `\n    ${b.errorTail.split('\n').slice(-3).join('\n    ')}` : ''}\n`,
        );
      }
    });
  program
    .command('deployments <model>')
    .description("list a model's deployments")
    .option('--json', 'print JSON')
    .action(async (model: string, opts: { json?: boolean }) => {
      const deployments = await withStore((store) => listDeployments(store, model));
      if (opts.json) {
        const safe = deployments.map((d) => ({ ...d, serving: { ...d.serving, env: Object.keys(d.serving.env) } }));
        return void process.stdout.write(`${JSON.stringify(safe, null, 2)}\n`);
      }
      if (deployments.length === 0) return void process.stdout.write(`${model} has no deployments\n`);
      for (const d of deployments) {
        process.stdout.write(
          `#${d.id}  build #${d.buildNumber}  ${d.status.padEnd(10)}  ${d.state.padEnd(7)}  replicas ${d.serving.replicas}  ${d.startedAt}  ${d.reason ?? ''}\n`,
        );
      }
    });
}
