// Reads what the pages show from the daemon's parts (store, deployer, supervisor, gateway) into
// the plain data the render functions take. Never copies a secret value: env variables by name.
import { readFileSync } from 'node:fs';
import type { Gateway } from '../gateway/types.ts';
import type { LocalDeployer } from '../backends/local/local-deployer.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { modelStatus } from '../backends/local/status.ts';
import { listBuilds } from '../store/builds.ts';
import type { Store } from '../store/database.ts';
import { latestApplied, listDeployments } from '../store/deployments.ts';
import { getDeploymentTests } from '../store/deployment-tests.ts';
import { recentTotals } from '../store/tech-samples.ts';
import { listUiActions } from '../store/ui-actions.ts';
import type { OverviewModel } from './pages/overview.ts';
import type { GateRow, ModelPageData } from './pages/model.ts';
import { rolloutBadge } from './pages/rollout-section.ts';

export type DaemonParts = {
  store: Store; deployer: LocalDeployer; supervisor: Supervisor; gateway: Gateway; root: string; url: string;
  /** Calls the gateway counted since the sampler's last stored sample (see Sampler.unsampled). */
  unsampled?: () => Map<string, { calls: number; failed: number }>;
};

/** Models a session may see: every one, or those its API key is scoped to. */
export type Scope = string[] | null;

const visible = (scope: Scope, name: string) => scope === null || scope.includes(name);

export function overviewModels(p: DaemonParts, scope: Scope, nowMs: number): OverviewModel[] {
  const status = modelStatus({ deployer: p.deployer, supervisor: p.supervisor, gateway: p.gateway, root: p.root, gatewayUrl: p.url, sandbox: '' });
  const totals = recentTotals(p.store, nowMs - 3_600_000);
  const unsampled = p.unsampled?.() ?? new Map<string, { calls: number; failed: number }>();
  return status.models
    .filter((m) => visible(scope, m.model))
    .map((m) => {
      const d = latestApplied(p.store, m.model);
      const t = totals.get(m.model);
      const live = unsampled.get(m.model);
      return {
        name: m.model,
        state: m.state,
        build: m.build,
        deploymentId: m.deploymentId,
        readyReplicas: m.readyReplicas,
        wantedReplicas: d?.serving.replicas ?? m.replicas,
        callsLastHour: (t?.calls ?? 0) + (live?.calls ?? 0),
        failedLastHour: (t?.failed ?? 0) + (live?.failed ?? 0),
        p95Ms: t?.p95 ?? null,
        cpu: d?.serving.resources.cpu ?? null,
        memory: d?.serving.resources.memory ?? null,
        gpu: d?.serving.resources.gpu ?? 0,
        rollout: rolloutBadge(m.rollout),
      };
    });
}

function logTail(logPath: string | null, errorTail: string | null): string | null {
  if (logPath) {
    try {
      const lines = readFileSync(logPath, 'utf8').split('\n');
      return lines.slice(-200).join('\n');
    } catch {
      // The build folder was pruned: fall back to the recorded tail.
    }
  }
  return errorTail;
}

/** How a deployment did on its examples, or undefined when it was not gated. */
function gateOf(store: Store, deploymentId: number): GateRow | undefined {
  const tests = getDeploymentTests(store, deploymentId);
  if (!tests) return undefined;
  const failures = tests.results.filter((r) => !r.pass).map((r) => `example ${r.index + 1}: ${r.detail ?? 'did not answer as expected'}`);
  return { passed: tests.passed, total: tests.results.length, failures };
}

/** The model page's data, or null for a model that is not deployed here (or not in scope). */
export function modelPage(p: DaemonParts, name: string, scope: Scope): Omit<ModelPageData, 'viewer' | 'exampleInput' | 'history'> | null {
  if (!visible(scope, name)) return null;
  const status = modelStatus({ deployer: p.deployer, supervisor: p.supervisor, gateway: p.gateway, root: p.root, gatewayUrl: p.url, sandbox: '' });
  const m = status.models.find((x) => x.model === name);
  if (!m) return null;
  return {
    name,
    state: m.state,
    deploymentId: m.deploymentId,
    auth: m.auth,
    endpoint: m.endpoint,
    accessKey: m.accessKey,
    rollout: m.rollout,
    replicas: m.replicaStats.map((r) => ({
      id: String(r.id), state: String(r.state), pid: (r.pid as number | null) ?? null,
      received: Number(r.received), processed: Number(r.processed), success: Number(r.success), failure: Number(r.failure),
      error: Number(r.error), busy: Number(r.busy), restarts: Number(r.restarts),
    })),
    builds: listBuilds(p.store, name).reverse().map((b) => ({
      number: b.number, key: b.key, gitCommit: b.gitCommit, status: b.status, startedAt: b.startedAt, finishedAt: b.finishedAt,
      logTail: logTail(b.logPath, b.errorTail),
    })),
    deployments: listDeployments(p.store, name).reverse().map((d) => ({
      id: d.id, build: d.buildNumber, status: d.status, state: d.state, actor: d.actor, gitCommit: d.gitCommit, reason: d.reason,
      startedAt: d.startedAt, stoppedAt: d.stoppedAt,
      serving: {
        replicas: d.serving.replicas, cpu: d.serving.resources.cpu, memory: d.serving.resources.memory, gpu: d.serving.resources.gpu,
        concurrency: d.serving.concurrency, timeoutSeconds: d.serving.timeoutSeconds, auth: d.serving.auth,
        env: Object.keys(d.serving.env).sort(),
      },
      gate: gateOf(p.store, d.id),
    })),
    actions: listUiActions(p.store, name).map((a) => ({ at: a.at, actor: a.actor, action: a.action, detail: a.detail })),
  };
}
