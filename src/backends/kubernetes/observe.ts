// The kubernetes backend's view of the world, from the cluster alone: build records and
// deployment records (ConfigMaps) say what was built and applied; the live Deployments say what
// runs now, so a plan can see drift (replicas changed by hand, a Deployment deleted, stopped).
import type { V1ConfigMap, V1Deployment, V1Service } from '@kubernetes/client-node';
import type { LiveState, Observed, ObservedModel } from '../../plan/types.ts';
import type { KubeApi } from './kube-api.ts';
import { annotation, label, MANAGED_BY, selectorString } from './names.ts';
import { templateChanges } from './template-drift.ts';
import { servingDeployment } from './serving-switch.ts';
import { CANDIDATE_NOT_REUSABLE, isCandidateImage } from './image.ts';
import { listBuildRecordParts, readBuildRecord } from './build-record-parts.ts';
import { parseDeploymentRecord, statusOf, type BuildRecord, type DeploymentRecord } from './records.ts';
import { parseGateResults, type GateSummary } from '../../history/gate-summary.ts';

/**
 * The annotation a delete adds to the model's last record: when it was deleted, so history can say
 * until when it served (records made before it existed have none).
 */
export const DELETED_AT = 'slipway.dev/deleted-at';

/**
 * A deployment record with its markers; `deletedAt` from DELETED_AT when present; `gate`: what its
 * examples gate found (annotation.gateResults), null when it was not gated or the record predates it.
 */
export type HistoryEntry = { record: DeploymentRecord; failed: boolean; deleted: boolean; deletedAt?: string | null; gate?: GateSummary | null };

export type ClusterState = {
  builds: Map<string, BuildRecord[]>;
  /** Every deployment record of each model with its markers, in id order. */
  history: Map<string, HistoryEntry[]>;
  /** The Deployment serving each model (the one its Service routes to; see serving-switch.ts). */
  deployments: Map<string, V1Deployment>;
  /** The highest deployment id of any model in the namespace (0 when none). */
  highestId: number;
};

/** Reads records and live Deployments of every model in the namespace. */
export async function readClusterState(api: KubeApi): Promise<ClusterState> {
  const managed = { [label.managedBy]: MANAGED_BY };
  const [historyMaps, buildMaps, deploymentList, parts, serviceList] = await Promise.all([
    api.list<V1ConfigMap>('v1', 'ConfigMap', selectorString({ ...managed, [label.history]: 'true' })),
    api.list<V1ConfigMap>('v1', 'ConfigMap', selectorString({ ...managed, [label.buildRecord]: 'true' })),
    api.list<V1Deployment>('apps/v1', 'Deployment', selectorString({ ...managed, [label.component]: 'model' })),
    listBuildRecordParts(api),
    api.list<V1Service>('v1', 'Service', selectorString({ ...managed, [label.component]: 'model' })),
  ]);
  const builds = new Map<string, BuildRecord[]>();
  for (const map of buildMaps) {
    const record = readBuildRecord(map, parts);
    if (record) push(builds, record.model, record);
  }
  for (const list of builds.values()) list.sort((a, b) => a.number - b.number);
  const history = new Map<string, HistoryEntry[]>();
  let highestId = 0;
  for (const map of historyMaps) {
    const record = parseDeploymentRecord(map);
    if (!record) continue;
    highestId = Math.max(highestId, record.id);
    const labels = map.metadata?.labels ?? {};
    const deletedAt = map.metadata?.annotations?.[DELETED_AT] ?? null;
    const gate = parseGateResults(map.metadata?.annotations?.[annotation.gateResults]);
    push(history, record.model, { record, failed: labels[label.outcome] === 'failed', deleted: labels[label.deleted] === 'true', deletedAt, gate });
  }
  for (const list of history.values()) list.sort((a, b) => a.record.id - b.record.id);
  // Every Deployment of each model: the serving one, and any scaled down or not switched to yet.
  const workloads = new Map<string, V1Deployment[]>();
  for (const d of deploymentList) {
    const model = d.metadata?.labels?.[label.model];
    if (model) push(workloads, model, d);
  }
  const services = new Map(serviceList.map((s) => [s.metadata?.labels?.[label.model] ?? '', s]));
  const deployments = new Map<string, V1Deployment>();
  for (const [model, list] of workloads) {
    const serving = servingDeployment(model, services.get(model), list);
    if (serving) deployments.set(model, serving);
  }
  return { builds, history, deployments, highestId };
}

/** The last deployment record that did not fail, if any. */
export function lastApplied(state: ClusterState, model: string): DeploymentRecord | null {
  const records = state.history.get(model) ?? [];
  for (let i = records.length - 1; i >= 0; i--) if (!records[i].failed) return records[i].record;
  return null;
}

/**
 * Cluster state as the planner's Observed. With `registry` (the target's, for plans of what an
 * apply does) a build whose image a pull-request check pushed is marked not reusable, as the apply
 * never deploys it; the pull-request check itself passes null and reuses its candidates.
 */
export function toObserved(state: ClusterState, registry: string | null): Observed {
  const names = new Set([...state.builds.keys(), ...state.history.keys()]);
  const models: ObservedModel[] = [...names].sort().map((name) => {
    const records = state.history.get(name) ?? [];
    const applied = lastApplied(state, name);
    return {
      name,
      builds: (state.builds.get(name) ?? []).map((b) => ({
        number: b.number,
        key: b.key,
        inputs: b.inputs,
        status: statusOf(b),
        ...(registry !== null && isCandidateImage(b.artifact, registry) ? { notReusable: CANDIDATE_NOT_REUSABLE } : {}),
      })),
      deployment: applied && {
        id: applied.id,
        build: applied.build,
        serving: applied.serving,
        servingHash: applied.servingHash,
        state: applied.state,
      },
      deleted: records.at(-1)?.deleted ?? false,
      live: applied ? liveState(state.deployments.get(name), applied.image) : null,
    };
  });
  return { models };
}

/** What the live Deployment runs: `missing` when there is none; template changes against `appliedImage`. */
export function liveState(d: V1Deployment | undefined, appliedImage: string | null = null): LiveState {
  if (d === undefined) return { state: 'missing', replicas: 0, readyReplicas: 0, deploymentId: null, servingHash: null };
  const annotations = d.metadata?.annotations ?? {};
  const replicas = d.spec?.replicas ?? 1;
  const id = Number(annotations[annotation.deploymentId]);
  // Ready replicas of the current template: during a rollout, old ready pods do not count.
  const ready = Math.min(d.status?.readyReplicas ?? 0, d.status?.updatedReplicas ?? 0);
  return {
    state: replicas === 0 ? 'stopped' : 'running',
    replicas,
    readyReplicas: ready,
    deploymentId: Number.isInteger(id) && id > 0 ? id : null,
    servingHash: annotations[annotation.servingHash] ?? null,
    templateChanges: templateChanges(d, appliedImage),
  };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
