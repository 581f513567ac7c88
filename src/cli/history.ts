// `slipway builds|deployments <model>`: the history kept in the store (no daemon needed), or with
// `--target` the build and deployment records kept in the cluster.
import { readBuildInfo } from '../build/build-info.ts';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { storePath } from '../backends/local/observe.ts';
import { openStore, type Store } from '../store/database.ts';
import { listBuilds } from '../store/builds.ts';
import { listDeployments, type StoredDeployment } from '../store/deployments.ts';
import { getDeploymentTests, type DeploymentTests } from '../store/deployment-tests.ts';
import { CliError } from './cli-error.ts';
import { clusterOf, type NamedCluster } from './cluster-of.ts';
import { targetOptions, type ClusterFlags } from './target-flags.ts';
import { openWorkspace } from '../workspace/workspace.ts';

type HistoryFlags = ClusterFlags & { file?: string; json?: boolean };

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

const print = (text: string): void => void process.stdout.write(text);

/** `installed`, `reused` or `pulled` from a snapshot build's build.json; null for other artifacts or older builds. */
async function depsSourceOf(artifact: string | null): Promise<string | null> {
  if (!artifact?.startsWith('/')) return null;
  const info = await readBuildInfo(artifact);
  return info.ok ? (info.info.depsSource ?? null) : null;
}

export function registerHistory(program: Command): void {
  targetOptions(program.command('builds <model>'))
    .description("list a model's builds")
    .option('--json', 'print JSON')
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (model: string, opts: HistoryFlags) => {
      const cluster = await clusterOf(opts);
      if (cluster) return clusterBuildsCommand(cluster, model, opts);
      const stored = await withStore((store) => listBuilds(store, model));
      // How each build got its dependencies is in its folder's build.json (pulled from the build cache, for one).
      const builds = await Promise.all(stored.map(async (b) => ({ ...b, depsSource: await depsSourceOf(b.artifact) })));
      if (opts.json) return print(`${JSON.stringify(builds, null, 2)}\n`);
      if (builds.length === 0) return print(`${model} has no builds\n`);
      for (const b of builds) {
        const deps = b.depsSource ? `  deps ${b.depsSource}` : '';
        print(
          `#${b.number}  ${b.status.padEnd(9)}  ${b.key.slice(0, 12)}  ${b.startedAt}  ${b.gitCommit?.slice(0, 8) ?? '-'}  ${b.inputs.files.length} files${deps}${b.errorTail ? `\n    ${b.errorTail.split('\n').slice(-3).join('\n    ')}` : ''}\n`,
        );
      }
    });
  targetOptions(program.command('deployments <model>'))
    .description("list a model's deployments")
    .option('--json', 'print JSON')
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (model: string, opts: HistoryFlags) => {
      const cluster = await clusterOf(opts);
      if (cluster) return clusterDeploymentsCommand(cluster, model, opts);
      const deployments = await withStore((store) => listDeployments(store, model).map((d) => ({ ...d, tests: getDeploymentTests(store, d.id) })));
      if (opts.json) {
        const safe = deployments.map((d) => ({ ...d, serving: { ...d.serving, env: Object.keys(d.serving.env) } }));
        return print(`${JSON.stringify(safe, null, 2)}\n`);
      }
      if (deployments.length === 0) return print(`${model} has no deployments\n`);
      for (const d of deployments) {
        print(`#${d.id}  build #${d.buildNumber}  ${deploymentStatus(d).padEnd(16)}  replicas ${d.serving.replicas}  ${d.startedAt}  ${d.reason ?? ''}\n`);
        for (const t of d.tests?.passed === false ? d.tests.results.filter((r) => !r.pass) : []) {
          print(`    example ${t.index + 1} failed before it took traffic: ${t.detail ?? 'no detail'}\n`);
        }
      }
    });
}

async function clusterBuildsCommand(cluster: NamedCluster, model: string, opts: HistoryFlags): Promise<void> {
  const { clusterBuilds } = await import('../backends/kubernetes/cluster-status.ts');
  const builds = clusterBuilds(await cluster.backend.readState(), model);
  if (opts.json) return print(`${JSON.stringify(builds, null, 2)}\n`);
  if (builds.length === 0) return print(`${model} has no builds in namespace ${cluster.backend.namespace}\n`);
  for (const b of builds) {
    print(`#${b.number}  ${b.key.slice(0, 12)}  ${b.createdAt}  ${b.gitCommit?.slice(0, 8) ?? '-'}  ${b.files} files  ${b.image ?? '-'}${b.digest ? `@${b.digest}` : ''}\n`);
  }
}

async function clusterDeploymentsCommand(cluster: NamedCluster, model: string, opts: HistoryFlags): Promise<void> {
  const { clusterHistory } = await import('../backends/kubernetes/cluster-status.ts');
  const history = clusterHistory(await cluster.backend.readState(), model);
  if (opts.json) return print(`${JSON.stringify(history, null, 2)}\n`);
  if (history.length === 0) return print(`${model} has no deployments in namespace ${cluster.backend.namespace}\n`);
  for (const d of history) {
    print(`#${d.id}  build #${d.build}  ${d.outcome.padEnd(8)}  ${d.action.padEnd(11)}  ${d.state.padEnd(7)}  replicas ${d.replicas}  ${d.createdAt}  ${d.gitCommit?.slice(0, 8) ?? '-'}  ${d.actor}\n`);
  }
}

/**
 * One word or two for a deployment: the declared state (running, stopped) only matters for the
 * active one; an earlier one is just superseded, whatever it was declared as.
 */
export function deploymentStatus(d: StoredDeployment & { tests: DeploymentTests | null }): string {
  if (d.status === 'active') return d.state === 'stopped' ? 'active (stopped)' : 'active';
  if (d.status === 'failed' && d.tests && !d.tests.passed) return 'failed (examples)';
  return d.status;
}
