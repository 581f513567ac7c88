// How this machine's status, builds and deployments read: from the running daemon (status) or the
// store in `.slipway/` (history needs no daemon).
import { existsSync } from 'node:fs';
import type { AdminClient } from '../daemon/admin-client.ts';
import { storePath } from '../backends/local/observe.ts';
import type { ModelStatus } from '../backends/local/status.ts';
import { readBuildInfo } from '../build/build-info.ts';
import { followSummary } from '../follow/follow-summary.ts';
import { readFollowConfig, readFollowState } from '../follow/follow-state-file.ts';
import { openStore, type Store } from '../store/database.ts';
import { listBuilds } from '../store/builds.ts';
import { listDeployments, type StoredDeployment } from '../store/deployments.ts';
import { getDeploymentTests, type DeploymentTests } from '../store/deployment-tests.ts';
import { UserError } from '../workspace/user-error.ts';
import type { TargetView } from './target.ts';
import { rolloutText } from '../rollouts/rollout-text.ts';
import { gateFailures, gateText } from '../history/gate-summary.ts';

/** Runs `fn` on the repository's store; an error for people when nothing was applied yet. */
export function withExistingStore<T>(root: string, fn: (store: Store) => T): T {
  if (!existsSync(storePath(root))) throw new UserError('nothing applied yet in this repository (run `slipway apply`)');
  const store = openStore(storePath(root));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/** What the daemon says runs, per model and replica, with its follow state. */
export async function localStatusView(client: AdminClient): Promise<TargetView> {
  const status = await client.json<{ gateway: string; sandbox?: string; models: ModelStatus[]; limits?: string | null }>('GET', 'status');
  const follow = readFollowConfig(client.info.root) ? readFollowState(client.info.root) : null;
  let text = `gateway ${status.gateway}\n`;
  if (follow) text += followSummary(follow);
  if (status.sandbox?.startsWith('none')) text += `sandbox ${status.sandbox}\n`;
  if (status.models.length === 0) text += 'no models deployed\n';
  for (const m of status.models) {
    text += `\n${m.model}  ${m.state}  deployment #${m.deploymentId}  build #${m.build}  ${m.readyReplicas}/${m.replicas} ready  access key ${m.accessKey ?? '?'}${m.python ? `  python ${m.python}` : ''}\n`;
    for (const r of m.replicaStats) {
      const c = r as Record<string, unknown>;
      text += `  ${c.id}  ${c.state}  rss ${megabytes(c.rssBytes)}  cpu ${cpuTime(c.cpuSeconds)}  received ${c.received}  processed ${c.processed}  success ${c.success}  failure ${c.failure}  error ${c.error}  busy ${c.busy}  not ready ${c.notReady}  restarts ${c.restarts}\n`;
    }
    if (m.rollout) text += rolloutText(m.rollout);
  }
  return { json: follow ? { ...status, follow } : status, text, notes: status.limits ? [status.limits] : [] };
}

/** A model's builds in the store, with how each got its dependencies (its folder's build.json). */
export async function localBuildsView(store: Store, model: string): Promise<TargetView> {
  const stored = listBuilds(store, model);
  const builds = await Promise.all(stored.map(async (b) => ({ ...b, depsSource: await depsSourceOf(b.artifact) })));
  if (builds.length === 0) return { json: builds, text: `${model} has no builds\n` };
  const text = builds
    .map((b) => {
      const deps = b.depsSource ? `  deps ${b.depsSource}` : '';
      return `#${b.number}  ${b.status.padEnd(9)}  ${b.key.slice(0, 12)}  ${b.startedAt}  ${b.gitCommit?.slice(0, 8) ?? '-'}  ${b.inputs.files.length} files${deps}${b.errorTail ? `\n    ${b.errorTail.split('\n').slice(-3).join('\n    ')}` : ''}\n`;
    })
    .join('');
  return { json: builds, text };
}

/** `installed`, `reused` or `pulled` from a snapshot build's build.json; null for other artifacts or older builds. */
async function depsSourceOf(artifact: string | null): Promise<string | null> {
  if (!artifact?.startsWith('/')) return null;
  const info = await readBuildInfo(artifact);
  return info.ok ? (info.info.depsSource ?? null) : null;
}

/** A model's deployments in the store, with what their examples gate found (and why an example failed); env values never shown. */
export function localDeploymentsView(store: Store, model: string): TargetView {
  const deployments = listDeployments(store, model).map((d) => ({ ...d, tests: getDeploymentTests(store, d.id) }));
  const json = deployments.map((d) => ({ ...d, serving: { ...d.serving, env: Object.keys(d.serving.env) } }));
  if (deployments.length === 0) return { json, text: `${model} has no deployments\n` };
  let text = '';
  for (const d of deployments) {
    text += `#${d.id}  build #${d.buildNumber}  ${deploymentStatus(d).padEnd(16)}  replicas ${d.serving.replicas}  ${d.startedAt}  ${gateText(d.tests)}  ${d.reason ?? ''}\n`.replace(/ +\n$/, '\n');
    text += gateFailures(d.tests);
  }
  return { json, text };
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

function megabytes(bytes: unknown): string {
  return typeof bytes === 'number' ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : '-';
}

function cpuTime(seconds: unknown): string {
  return typeof seconds === 'number' ? `${seconds.toFixed(2)} s` : '-';
}
