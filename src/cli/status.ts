// `slipway status`: what runs, per model and per replica, with CML-style counters; with
// `--target`, what runs on that cluster, from its Deployments and records.
import type { Command } from 'commander';
import type { ModelStatus } from '../backends/local/status.ts';
import { clusterOf, type NamedCluster } from './cluster-of.ts';
import { requireDaemon } from './daemon-client.ts';
import { targetOptions, type ClusterFlags } from './target-flags.ts';
import { followSummary } from '../follow/follow-summary.ts';
import { readFollowConfig, readFollowState } from '../follow/follow-state-file.ts';

type StatusFlags = ClusterFlags & { file?: string; json?: boolean };

export function registerStatus(program: Command): void {
  targetOptions(program.command('status'))
    .description('show deployed models, their replicas and call counters')
    .option('--json', 'print JSON')
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (opts: StatusFlags) => {
      const cluster = await clusterOf(opts);
      if (cluster) return clusterStatusCommand(cluster, opts);
      const { client } = await requireDaemon();
      const status = await client.json<{ gateway: string; sandbox?: string; models: ModelStatus[]; limits?: string | null }>('GET', 'status');
      const follow = readFollowConfig(client.info.root) ? readFollowState(client.info.root) : null;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(follow ? { ...status, follow } : status, null, 2)}\n`);
        return;
      }
      process.stdout.write(`gateway ${status.gateway}\n`);
      if (follow) process.stdout.write(followSummary(follow));
      if (status.sandbox?.startsWith('none')) process.stdout.write(`sandbox ${status.sandbox}\n`);
      if (status.limits) process.stderr.write(`${status.limits}\n`);
      if (status.models.length === 0) process.stdout.write('no models deployed\n');
      for (const m of status.models) {
        process.stdout.write(
          `\n${m.model}  ${m.state}  deployment #${m.deploymentId}  build #${m.build}  ${m.readyReplicas}/${m.replicas} ready  access key ${m.accessKey ?? '?'}${m.python ? `  python ${m.python}` : ''}\n`,
        );
        for (const r of m.replicaStats) {
          const c = r as Record<string, unknown>;
          process.stdout.write(
            `  ${c.id}  ${c.state}  rss ${megabytes(c.rssBytes)}  cpu ${cpuTime(c.cpuSeconds)}  received ${c.received}  processed ${c.processed}  success ${c.success}  failure ${c.failure}  error ${c.error}  busy ${c.busy}  not ready ${c.notReady}  restarts ${c.restarts}\n`,
          );
        }
      }
    });
}

async function clusterStatusCommand(cluster: NamedCluster, opts: StatusFlags): Promise<void> {
  const { clusterStatus } = await import('../backends/kubernetes/cluster-status.ts');
  const models = clusterStatus(await cluster.backend.readState());
  if (opts.json) return void process.stdout.write(`${JSON.stringify({ namespace: cluster.backend.namespace, models }, null, 2)}\n`);
  process.stdout.write(`namespace ${cluster.backend.namespace}\n`);
  if (models.length === 0) process.stdout.write('no models deployed\n');
  for (const m of models) {
    const drift = m.drifted ? '  (runs another deployment than the last applied: `slipway plan --target` shows the repair)' : '';
    process.stdout.write(
      `\n${m.model}  ${m.state}  deployment #${m.deploymentId ?? '?'}  build #${m.build ?? '?'}  ${m.readyReplicas}/${m.replicas} ready  rollout ${m.rollout}${drift}\n  image ${m.image ?? '-'}\n`,
    );
  }
}

function megabytes(bytes: unknown): string {
  return typeof bytes === 'number' ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : '-';
}

function cpuTime(seconds: unknown): string {
  return typeof seconds === 'number' ? `${seconds.toFixed(2)} s` : '-';
}
