// Records kept in the cluster as ConfigMaps, as Helm keeps release revisions: one create-only record
// per deployment (`slipway-<model>-d<id>`) and one per build (`slipway-<model>-b<n>`), written when
// the build starts (see cluster-build-ledger.ts) and immutable once it has ended.
// They let `observe()` answer from the cluster alone: what was applied, and each build's key inputs
// so a plan can say which files changed and spot a rollback. They never hold a secret's value.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { Action } from '../../plan/types.ts';
import type { KeyInputs } from '../../source/types.ts';
import type { DesiredState, Serving } from '../../spec/types.ts';
import { buildRecordName, historyName, label, MANAGED_BY } from './names.ts';

/** What a deployment record holds (`deployment.json`). */
export type DeploymentRecord = {
  id: number;
  model: string;
  build: number;
  buildKey: string;
  image: string;
  /** Serving settings as declared: fromEnv variables by name and digest, never by value. */
  serving: Serving;
  servingHash: string;
  state: DesiredState;
  action: Action;
  reasons: string[];
  gitCommit: string | null;
  actor: string;
  createdAt: string;
  /** The env Secrets its pods read (env-secrets.ts); absent in records written before them. */
  envSecrets?: string[];
};

/** What a build record holds (`build.json`). */
export type BuildRecord = {
  model: string;
  number: number;
  key: string;
  inputs: KeyInputs;
  /** The image reference the builder produced. */
  artifact: string | null;
  digest: string | null;
  gitCommit: string | null;
  createdAt: string;
  /** Absent in records written before builds were recorded as they ran: those succeeded. */
  status?: 'building' | 'succeeded' | 'failed';
  finishedAt?: string;
  /** The last lines of a failed build's log. */
  errorTail?: string;
  /** Set when `inputs.files` is kept in part ConfigMaps (build-record-parts.ts): `files` is empty in the record's own data. */
  storedFiles?: { count: number; parts: number; sha256: string };
};

const recordLabels = (model: string, kind: 'history' | 'buildRecord'): Record<string, string> => ({
  [label.managedBy]: MANAGED_BY,
  [label.model]: model,
  [label[kind]]: 'true',
});

/** The create-only ConfigMap of a deployment, labelled `slipway.dev/history=true`. */
export function deploymentRecordConfigMap(namespace: string, record: DeploymentRecord): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: historyName(record.model, record.id),
      namespace,
      labels: { ...recordLabels(record.model, 'history'), 'slipway.dev/deployment-id': String(record.id) },
    },
    immutable: true,
    data: { 'deployment.json': JSON.stringify(record) },
  };
}

/** The ConfigMap of a build, labelled `slipway.dev/build-record=true`; mutable only while it builds. */
export function buildRecordConfigMap(namespace: string, record: BuildRecord, opts: { immutable: boolean } = { immutable: true }): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: buildRecordName(record.model, record.number),
      namespace,
      labels: { ...recordLabels(record.model, 'buildRecord'), 'slipway.dev/build-number': String(record.number) },
    },
    immutable: opts.immutable,
    data: { 'build.json': JSON.stringify(record) },
  };
}

/** A build record's status; records written before builds were recorded as they ran succeeded. */
export function statusOf(record: BuildRecord): 'building' | 'succeeded' | 'failed' {
  return record.status ?? 'succeeded';
}

/** The record a history ConfigMap holds, or null when it is not one Slipway wrote. */
export function parseDeploymentRecord(configMap: V1ConfigMap): DeploymentRecord | null {
  const record = parseJson(configMap.data?.['deployment.json']);
  if (record === null || typeof record.id !== 'number' || typeof record.model !== 'string' || typeof record.build !== 'number') return null;
  if (typeof record.servingHash !== 'string' || typeof record.serving !== 'object' || record.serving === null) return null;
  if (record.state !== 'running' && record.state !== 'stopped') return null;
  return record as unknown as DeploymentRecord;
}

/** The record a build ConfigMap holds, or null when it is not one Slipway wrote. */
export function parseBuildRecord(configMap: V1ConfigMap): BuildRecord | null {
  const record = parseJson(configMap.data?.['build.json']);
  if (record === null || typeof record.number !== 'number' || typeof record.key !== 'string' || typeof record.model !== 'string') return null;
  if (typeof record.inputs !== 'object' || record.inputs === null) return null;
  return record as unknown as BuildRecord;
}

function parseJson(text: string | undefined): Record<string, unknown> | null {
  if (text === undefined) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
