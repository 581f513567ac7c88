// The local store's deployments as history records: every model, every deployment, with its
// build's key and the commit. Secret and literal env values never leave: only their names do.
import type { Store } from '../store/database.ts';
import { getBuild } from '../store/builds.ts';
import { listDeployments, type StoredDeployment } from '../store/deployments.ts';
import { getDeploymentTests } from '../store/deployment-tests.ts';
import { gateSummary, type GateSummary } from './gate-summary.ts';
import { listModels } from '../store/models.ts';
import type { HistoryRecord } from './timeline.ts';

/** A stored deployment as a history record; the build's commit stands in for older records without their own. */
export function toHistoryRecord(d: StoredDeployment, build: { key: string; gitCommit: string | null } | null, gate: GateSummary | null = null): HistoryRecord {
  const { env, ...settings } = d.serving;
  return {
    model: d.model,
    deploymentId: d.id,
    build: d.buildNumber,
    buildKey: build?.key ?? null,
    commit: d.gitCommit ?? build?.gitCommit ?? null,
    actor: d.actor,
    state: d.state,
    status: d.status,
    serving: { ...settings, env: Object.keys(env).sort() },
    reason: d.reason,
    startedAt: d.startedAt,
    stoppedAt: d.stoppedAt,
    gate,
  };
}

/** Every deployment in the store (of `model` only, when given), as history records. */
export function localHistory(store: Store, model?: string): HistoryRecord[] {
  const models = model === undefined ? listModels(store).map((m) => m.name) : [model];
  const records: HistoryRecord[] = [];
  for (const name of models) {
    // Many deployments share a build (reconfigures, rollbacks): read each build once.
    const builds = new Map<number, ReturnType<typeof getBuild>>();
    for (const d of listDeployments(store, name)) {
      if (!builds.has(d.buildNumber)) builds.set(d.buildNumber, getBuild(store, name, d.buildNumber));
      const tests = getDeploymentTests(store, d.id);
      records.push(toHistoryRecord(d, builds.get(d.buildNumber) ?? null, tests ? gateSummary(tests.results) : null));
    }
  }
  return records;
}
