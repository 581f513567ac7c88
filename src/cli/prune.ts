// `slipway prune`: removes old local build folders and the dependency virtualenvs no build uses
// (see backends/local/prune.ts). With a daemon running it prunes there, between applies; without
// one, on the store directly. With `--target`, old records in the cluster (cluster-prune.ts).
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { findDaemon } from '../daemon/admin-client.ts';
import { stateDir, storePath } from '../backends/local/observe.ts';
import { DEFAULT_KEEP, pruneLocal, type PruneOptions, type PruneReport } from '../backends/local/prune.ts';
import { parseDuration } from '../keys/duration.ts';
import { openStore } from '../store/database.ts';
import { CliError } from './cli-error.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import type { ClusterPruneOptions, ClusterPruneReport } from '../backends/kubernetes/cluster-prune.ts';
import { clusterOf, type NamedCluster } from './cluster-of.ts';
import { targetOptions, type ClusterFlags } from './target-flags.ts';

type PruneFlags = ClusterFlags & { file?: string; keep: string; minAge: string; dryRun?: boolean; json?: boolean; now?: string };

export function registerPrune(program: Command): void {
  targetOptions(program.command('prune'))
    .description('remove old local builds and the dependency folders no remaining build uses; deployed builds and the newest --keep of each model stay. With --target: old build and deployment records in the cluster')
    .option('-f, --file <path>', 'the models file, for --target')
    .option('--keep <n>', 'builds (with --target: build and deployment records) kept per model besides the deployed ones', String(DEFAULT_KEEP))
    .option('--min-age <duration>', 'spare builds finished, and dependencies used, more recently than this (30m, 2h, 7d)', '10m')
    .option('--dry-run', 'list what would be removed, and remove nothing')
    .option('--json', 'print the report as JSON')
    // The clock ages are counted from: tests prune "an hour later" instead of waiting.
    .addOption(new Option('--now <time>', 'count ages from this ISO time instead of now').hideHelp())
    .action(async (flags: PruneFlags) => {
      const keep = Number(flags.keep);
      if (!Number.isSafeInteger(keep) || keep < 1) throw new CliError(`--keep ${flags.keep}: give a whole number of builds, 1 or more`);
      const minAge = parseDuration(flags.minAge);
      if (!minAge.ok) throw new CliError(`--min-age: ${minAge.error}`);
      const now = flags.now === undefined ? undefined : new Date(flags.now);
      if (now !== undefined && Number.isNaN(now.getTime())) throw new CliError(`--now ${flags.now}: give an ISO time such as 2026-12-01T10:00:00Z`);
      const cluster = await clusterOf(flags);
      if (cluster) {
        const report = await pruneTarget(cluster, { keep, minAgeMs: minAge.ms, now, dryRun: flags.dryRun === true });
        return void process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderClusterPruneReport(report));
      }
      const ws = await openWorkspace({ needModels: false });
      const report = await prune(ws.root, { keep, dryRun: flags.dryRun === true, minAgeMs: minAge.ms, now });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderPruneReport(report));
    });
}

/** Prunes the cluster's records under the apply lock, so no apply writes a record meanwhile. */
async function pruneTarget(cluster: NamedCluster, opts: ClusterPruneOptions): Promise<ClusterPruneReport> {
  const { pruneCluster } = await import('../backends/kubernetes/cluster-prune.ts');
  const { backend } = cluster;
  return backend.withLock(async () => pruneCluster(backend.api, await backend.readState(), opts));
}

export function renderClusterPruneReport(report: ClusterPruneReport): string {
  if (report.builds.length === 0 && report.deployments.length === 0) return 'Nothing to prune.\n';
  const verb = report.dryRun ? 'would remove' : 'removed';
  const lines: string[] = [];
  const models = [...new Set([...report.builds.map((b) => b.model), ...report.deployments.map((d) => d.model)])];
  for (const model of models) {
    const builds = report.builds.filter((b) => b.model === model).map((b) => `#${b.number}`);
    const deployments = report.deployments.filter((d) => d.model === model).map((d) => `#${d.id}`);
    if (builds.length > 0) lines.push(`${verb} ${model} build records ${builds.join(', ')}`);
    if (deployments.length > 0) lines.push(`${verb} ${model} deployment records ${deployments.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

async function prune(root: string, opts: PruneOptions): Promise<PruneReport> {
  const daemon = findDaemon(root);
  if (daemon) return daemon.json<PruneReport>('POST', 'prune', opts);
  if (!existsSync(storePath(root))) throw new CliError('nothing applied yet in this repository: there is nothing to prune');
  const store = openStore(storePath(root));
  try {
    return await pruneLocal(store, stateDir(root), opts);
  } finally {
    store.close();
  }
}

export function renderPruneReport(report: PruneReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const content = report.content ?? { files: 0, bytes: 0 };
  if (report.builds.length === 0 && report.deps.length === 0 && content.files === 0) return 'Nothing to prune.\n';
  const lines: string[] = [];
  const byModel = new Map<string, number[]>();
  for (const b of report.builds) byModel.set(b.model, [...(byModel.get(b.model) ?? []), b.number]);
  for (const [model, numbers] of byModel) {
    const bytes = report.builds.filter((b) => b.model === model).reduce((sum, b) => sum + b.bytes, 0);
    lines.push(`${verb} ${model} ${numbers.map((n) => `#${n}`).join(', ')} (${formatBytes(bytes)})`);
  }
  for (const d of report.deps) lines.push(`${verb} dependencies ${d.hash.slice(0, 12)} (${formatBytes(d.bytes)})`);
  if (content.files > 0) lines.push(`${verb} ${content.files} content-store files no build links to (${formatBytes(content.bytes)})`);
  lines.push(`${report.dryRun ? 'Would free' : 'Freed'} ${formatBytes(report.bytes)}.`);
  return `${lines.join('\n')}\n`;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
