// Waits for a Deployment's rollout as `kubectl rollout status` does: the controller has seen the
// latest spec, every replica runs the new template, no old replica is left, and all are available;
// or the Progressing condition says ProgressDeadlineExceeded. Reads once, then follows a watch.
import type { V1Deployment } from '@kubernetes/client-node';
import { RolloutFailure } from '../backend.ts';
import type { KubeApi } from './kube-api.ts';

export type RolloutVerdict = { done: true } | { done: false; waiting: string } | { failed: string; reason: string };

/** Thrown when a rollout cannot finish; the previous ReplicaSet keeps serving. */
export class RolloutError extends RolloutFailure {
  readonly model: string;
  readonly reason: string;
  constructor(model: string, reason: string, message: string) {
    super(message);
    this.name = 'RolloutError';
    this.model = model;
    this.reason = reason;
  }
}

/** Where a rollout stands, from the Deployment alone. */
export function rolloutVerdict(d: V1Deployment): RolloutVerdict {
  const status = d.status ?? {};
  const generation = d.metadata?.generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation) return { done: false, waiting: 'waiting for the controller to see the new spec' };
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { failed: progressing.message ?? 'ProgressDeadlineExceeded', reason: 'ProgressDeadlineExceeded' };
  // No pod can be created (Pod Security admission, quota): waiting for the deadline would only hide the message.
  const replicaFailure = status.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (replicaFailure) return { failed: replicaFailure.message ?? replicaFailure.reason ?? 'ReplicaFailure', reason: replicaFailure.reason ?? 'ReplicaFailure' };
  const desired = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < desired) return { done: false, waiting: `${updated} of ${desired} new replicas updated` };
  if (replicas > updated) return { done: false, waiting: `${replicas - updated} old replicas pending termination` };
  if (available < updated) return { done: false, waiting: `${available} of ${updated} updated replicas available` };
  return { done: true };
}

export type WaitOptions = {
  model: string;
  /** Give up after this long even when the API never reports the deadline (a lost controller). */
  timeoutMs: number;
  log?: (line: string) => void;
  /** The Deployment uses the Recreate strategy: the old pods are gone before the new ones start. */
  recreate?: boolean;
};

/** Resolves when the rollout of Deployment `name` completes; throws RolloutError when it fails. */
export async function waitForRollout(api: KubeApi, name: string, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const path = `/apis/apps/v1/namespaces/${encodeURIComponent(api.namespace)}/deployments`;
  let lastWaiting = '';
  // With Recreate the previous pods were stopped first: promising they serve would be false.
  const previous = opts.recreate
    ? 'with rollout: recreate the previous deployment was stopped first, so the model serves nothing until a deployment succeeds'
    : 'the previous deployment keeps serving';
  const judge = (d: V1Deployment): boolean => {
    const verdict = rolloutVerdict(d);
    if ('failed' in verdict) {
      throw new RolloutError(opts.model, verdict.reason,
        `rollout of ${opts.model} failed: ${verdict.reason}: ${verdict.failed.replace(/\.$/, '')}. ${previous[0].toUpperCase()}${previous.slice(1)}; ` +
        `see \`kubectl -n ${api.namespace} describe deployment ${name}\` and the new pods' events and logs`);
    }
    if (verdict.done) return true;
    if (verdict.waiting !== lastWaiting) opts.log?.(`${opts.model}: ${verdict.waiting}`);
    lastWaiting = verdict.waiting;
    return false;
  };

  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name };
  while (Date.now() < deadline) {
    let current: V1Deployment | null;
    try {
      current = await api.read<V1Deployment>(ref);
    } catch (error) {
      // A failed read (API server restarting, a dropped connection) is retried, never fatal.
      opts.log?.(`${opts.model}: cannot read Deployment ${name} (${(error as Error).message}); trying again`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(0, deadline - Date.now()))));
      continue;
    }
    if (current === null) throw new RolloutError(opts.model, 'Deleted', `rollout of ${opts.model}: Deployment ${name} was deleted while it rolled out`);
    if (judge(current)) return;
    const finished = await new Promise<boolean>((resolve, reject) => {
      let settled = false;
      let controller: AbortController | null = null;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        controller?.abort();
        fn();
      };
      const timer = setTimeout(() => settle(() => resolve(false)), Math.max(0, deadline - Date.now()));
      api.watch(path, { fieldSelector: `metadata.name=${name}`, resourceVersion: current.metadata?.resourceVersion ?? '0' }, (event) => {
        if (settled) return;
        try {
          if (event.type === 'DELETED') throw new RolloutError(opts.model, 'Deleted', `rollout of ${opts.model}: Deployment ${name} was deleted while it rolled out`);
          if ((event.type === 'ADDED' || event.type === 'MODIFIED') && judge(event.object as V1Deployment)) settle(() => resolve(true));
        } catch (error) {
          settle(() => reject(error));
        }
      }, () => settle(() => resolve(false)))
        .then((c) => {
          controller = c;
          if (settled) c.abort();
        })
        .catch((error) => settle(() => reject(error)));
    });
    if (finished) return;
    // The watch ended (server timeout, a dropped connection): read again after a short pause.
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now()))));
  }
  // One last look: the rollout may have finished as the wait gave up, and then that is what runs.
  const last = await api.read<V1Deployment>(ref).catch(() => null);
  if (last !== null && judge(last)) return;
  throw new RolloutError(opts.model, 'Timeout',
    `rollout of ${opts.model} did not finish in ${Math.round(opts.timeoutMs / 1000)} s (${lastWaiting || 'no progress reported'}); ${previous}`);
}
