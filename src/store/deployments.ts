// The deployments table: each apply of a build with a serving configuration, with a global id.
// Rows are never removed; a status tells which one is current.
import type { DesiredState, Serving } from '../spec/types.ts';
import type { Store } from './database.ts';
import { markModelDeleted } from './models.ts';

/**
 * `deploying`: replicas starting; `active`: taking traffic; `superseded`: replaced by a later one;
 * `failed`: never became ready; `deleted`: stopped because the model is no longer declared.
 */
export type DeploymentStatus = 'deploying' | 'active' | 'superseded' | 'failed' | 'deleted';

export type StoredDeployment = {
  id: number;
  model: string;
  buildNumber: number;
  serving: Serving;
  servingHash: string;
  /** The state apply asked for. */
  state: DesiredState;
  status: DeploymentStatus;
  /** Who applied: a user name, `ci`, `daemon`... */
  actor: string | null;
  gitCommit: string | null;
  reason: string | null;
  startedAt: string;
  stoppedAt: string | null;
};

type DeploymentRow = {
  id: number;
  model: string;
  build_number: number;
  serving: string;
  serving_hash: string;
  state: DesiredState;
  status: DeploymentStatus;
  actor: string | null;
  git_commit: string | null;
  reason: string | null;
  started_at: string;
  stopped_at: string | null;
};

const columns =
  'id, model, build_number, serving, serving_hash, state, status, actor, git_commit, reason, started_at, stopped_at';

function toDeployment(row: DeploymentRow): StoredDeployment {
  return {
    id: row.id,
    model: row.model,
    buildNumber: row.build_number,
    serving: JSON.parse(row.serving) as Serving,
    servingHash: row.serving_hash,
    state: row.state,
    status: row.status,
    actor: row.actor,
    gitCommit: row.git_commit,
    reason: row.reason,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
  };
}

export type NewDeployment = {
  model: string;
  buildNumber: number;
  serving: Serving;
  servingHash: string;
  state: DesiredState;
  /** Default `deploying`. */
  status?: DeploymentStatus;
  actor?: string | null;
  gitCommit?: string | null;
  reason?: string | null;
};

/** Records a deployment and returns its id. The build must exist (a foreign key says so). */
export function insertDeployment(store: Store, deployment: NewDeployment, at: Date = new Date()): number {
  const result = store
    .statement(
      `INSERT INTO deployments (model, build_number, serving, serving_hash, state, status, actor, git_commit, reason, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      deployment.model,
      deployment.buildNumber,
      JSON.stringify(deployment.serving),
      deployment.servingHash,
      deployment.state,
      deployment.status ?? 'deploying',
      deployment.actor ?? null,
      deployment.gitCommit ?? null,
      deployment.reason ?? null,
      at.toISOString(),
    );
  return Number(result.lastInsertRowid);
}

const ended: readonly DeploymentStatus[] = ['superseded', 'failed', 'deleted'];

/** Sets a deployment's status; an ending status (superseded, failed, deleted) also records when it stopped. */
export function setDeploymentStatus(store: Store, id: number, status: DeploymentStatus, at: Date = new Date()): void {
  const stoppedAt = ended.includes(status) ? at.toISOString() : null;
  const result = store
    .statement('UPDATE deployments SET status = ?, stopped_at = COALESCE(stopped_at, ?) WHERE id = ?')
    .run(status, stoppedAt, id);
  if (result.changes === 0) throw new Error(`cannot set the status of deployment ${id}: no such deployment`);
}

/** Makes deployment `id` the model's active one and marks the one it replaces `superseded`, atomically. */
export function activateDeployment(store: Store, id: number, at: Date = new Date()): void {
  store.transaction(() => {
    const deployment = getDeployment(store, id);
    if (!deployment) throw new Error(`cannot activate deployment ${id}: no such deployment`);
    store
      .statement(
        `UPDATE deployments SET status = 'superseded', stopped_at = COALESCE(stopped_at, ?)
         WHERE model = ? AND id <> ? AND status IN ('active', 'deploying')`,
      )
      .run(at.toISOString(), deployment.model, id);
    setDeploymentStatus(store, id, 'active', at);
  });
}

/** One deployment, or null. */
export function getDeployment(store: Store, id: number): StoredDeployment | null {
  const row = store.statement(`SELECT ${columns} FROM deployments WHERE id = ?`).get(id) as DeploymentRow | undefined;
  return row ? toDeployment(row) : null;
}

/** Every deployment of a model, oldest first. */
export function listDeployments(store: Store, model: string): StoredDeployment[] {
  const rows = store.statement(`SELECT ${columns} FROM deployments WHERE model = ? ORDER BY id`).all(model) as DeploymentRow[];
  return rows.map(toDeployment);
}

/**
 * What should be running for `model`: its latest `active` deployment, or when none is active
 * (a deploy in progress, a daemon that died mid-deploy, a deleted model) its latest one that did
 * not fail. Null when the model was never deployed.
 */
export function latestApplied(store: Store, model: string): StoredDeployment | null {
  const row = store
    .statement(
      `SELECT ${columns} FROM deployments WHERE model = ? AND status <> 'failed'
       ORDER BY status = 'active' DESC, id DESC LIMIT 1`,
    )
    .get(model) as DeploymentRow | undefined;
  return row ? toDeployment(row) : null;
}

/** Marks a model deleted and its running deployments `deleted`, keeping all history. */
export function markDeleted(store: Store, model: string, at: Date = new Date()): void {
  store.transaction(() => {
    store
      .statement(
        `UPDATE deployments SET status = 'deleted', stopped_at = COALESCE(stopped_at, ?)
         WHERE model = ? AND status IN ('active', 'deploying')`,
      )
      .run(at.toISOString(), model);
    markModelDeleted(store, model, at);
  });
}
