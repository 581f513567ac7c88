// What `slipway status` shows: per model its deployment, its state and its replicas with counters.
import type { Gateway } from '../../gateway/types.ts';
import type { LocalDeployer } from './local-deployer.ts';
import type { Supervisor } from '../../supervisor/supervisor.ts';
import { readAccessKeys } from './access-key-file.ts';
import type { RolloutState } from '../../rollouts/rollout-controller.ts';
import { advisoryNote } from '../../limits/advisory.ts';
import type { CgroupSupport } from '../../limits/cgroups.ts';
import { procUsageReader } from '../../telemetry/proc-usage.ts';

export type ModelStatus = {
  model: string;
  deploymentId: number | null;
  build: number | null;
  state: string;
  replicas: number;
  readyReplicas: number;
  auth: boolean;
  endpoint: string;
  accessKey: string | null;
  /** The interpreter the deployed build runs on, `3.11.7 (/usr/bin/python3)`; null when not recorded. */
  python: string | null;
  replicaStats: Array<Record<string, unknown>>;
  /** A canary or shadow in progress, else the last one finished since the daemon started. */
  rollout: RolloutState | null;
};

export function modelStatus(deps: {
  deployer: LocalDeployer;
  supervisor: Supervisor;
  gateway: Gateway;
  root: string;
  gatewayUrl: string;
  /** The replicas' sandbox (`bubblewrap`), or `none: <why>`. */
  sandbox: string;
  /** Where the daemon enforces limits; absent: not said. */
  cgroups?: CgroupSupport;
}): { gateway: string; sandbox: string; models: ModelStatus[]; limits?: string | null } {
  const observed = deps.deployer.observe();
  const stats = deps.gateway.stats();
  const accessKeys = readAccessKeys(deps.root);
  const usageOf = procUsageReader();
  const rolloutOf = (model: string): RolloutState | null => deps.deployer.rolloutStatus(model);
  const models = observed.models
    .filter((m) => !m.deleted && m.deployment)
    .map((m): ModelStatus => {
      const replicas = deps.supervisor.list({ model: m.name });
      const rollout = rolloutOf(m.name);
      // During a rollout `observe` names the deployment being rolled out; status names the one that serves.
      const serving = rollout?.outcome === 'running' ? replicas.filter((r) => r.deploymentId === rollout.liveDeploymentId) : null;
      const build = serving === null ? m.deployment?.build ?? null : rollout!.liveBuild;
      const python = m.builds.find((b) => b.number === build)?.inputs.python;
      return {
        model: m.name,
        deploymentId: serving === null ? m.deployment?.id ?? null : rollout!.liveDeploymentId,
        build,
        state: m.live?.state ?? 'unknown',
        replicas: serving === null ? m.live?.replicas ?? 0 : serving.length,
        readyReplicas: serving === null ? m.live?.readyReplicas ?? 0 : serving.filter((r) => r.state === 'ready').length,
        auth: m.deployment?.serving.auth ?? true,
        endpoint: `${deps.gatewayUrl}/model`,
        accessKey: accessKeys[m.name] ?? null,
        python: python ? `${python.version} (${python.executable})` : null,
        rollout,
        replicaStats: replicas.map((r) => {
          const s = stats.find((x) => x.replicaId === r.id);
          const usage = r.pid === null ? null : usageOf(r.pid);
          return {
            rssBytes: usage?.rssBytes ?? null,
            cpuSeconds: usage?.cpuSeconds ?? null,
            id: r.id,
            state: r.state,
            origin: r.origin,
            pid: r.pid,
            restarts: Math.max(r.restarts, s?.restarts ?? 0),
            received: s?.received ?? 0,
            processed: s?.processed ?? 0,
            success: s?.success ?? 0,
            failure: s?.failure ?? 0,
            error: s?.error ?? 0,
            busy: s?.busy ?? 0,
            notReady: s?.notReady ?? 0,
          };
        }),
      };
    });
  if (deps.cgroups === undefined) return { gateway: deps.gatewayUrl, sandbox: deps.sandbox, models };
  const declared = observed.models
    .filter((m) => !m.deleted && m.deployment)
    .map((m) => ({ name: m.name, cpu: m.deployment!.serving.resources.cpu, memory: m.deployment!.serving.resources.memory }));
  return { gateway: deps.gatewayUrl, sandbox: deps.sandbox, models, limits: advisoryNote(declared, deps.cgroups) };
}
