// The apply's side of rollouts on a cluster (the gateway's is cluster-rollouts.ts). Under the apply
// lock, a deploy first settles the last rollout's outcome into the deployment records (the gateway
// may not write records: a rolled-back deployment is marked failed here, with the reason), then
// supersedes a rollout still running (its candidate goes, its record fails, saying why). Once the
// new deployment passed its examples, `startClusterRollout` records the rollout on the Service
// instead of switching traffic; the leading gateway replica picks it up from there.
import type { V1ConfigMap, V1Role, V1Service } from '@kubernetes/client-node';
import { createRolloutController, type RolloutSnapshot } from '../../rollouts/rollout-controller.ts';
import { rolloutRecord } from '../../rollouts/rollout-text.ts';
import type { RolloutPolicy } from '../../spec/types.ts';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { annotation, deploymentName, GATEWAY_NAME, historyName, label, workloadName } from './names.ts';
import { endedAnnotations, outcomeFromService, rolloutAnnotation, runningAnnotations, snapshotFromService, stateOfSnapshot } from './rollout-annotations.ts';
import { modelDeployments, readService, servingDeployment, servingIdOf } from './serving-switch.ts';

/** On a deployment record: how its rollout ended (a line as `slipway deployments` shows it). */
export const ROLLOUT_RESULT = 'slipway.dev/rollout-result';

const serviceRef = (model: string) => ({ apiVersion: 'v1', kind: 'Service', name: workloadName(model) });
const recordRef = (model: string, id: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: historyName(model, id) });

/** Writes the last rollout's end into the candidate's record once: failed with the reason, or how it was promoted. */
export async function settleRolloutOutcome(api: KubeApi, model: string, service: V1Service | null): Promise<void> {
  const outcome = outcomeFromService(service);
  if (outcome === null) return;
  const record = await api.read<V1ConfigMap>(recordRef(model, outcome.candidateDeploymentId));
  if (record === null || record.metadata?.annotations?.[ROLLOUT_RESULT] !== undefined) return;
  const failed = outcome.outcome !== 'promoted';
  const line = failed ? `${outcome.strategy} ${outcome.outcome}: ${outcome.reason ?? 'no reason recorded'}` : rolloutRecord(outcome);
  await api.mergePatch(recordRef(model, outcome.candidateDeploymentId), {
    metadata: { ...(failed ? { labels: { [label.outcome]: 'failed' } } : {}), annotations: { [ROLLOUT_RESULT]: line } },
  });
}

/** Ends the model's rollout in progress because deployment `byId` replaces it (see endClusterRollout). */
export function supersedeClusterRollout(api: KubeApi, model: string, byId: number): Promise<string | null> {
  return endClusterRollout(api, model, `superseded by deployment #${byId} (a newer apply)`);
}

/**
 * Ends the model's rollout in progress (a newer apply, a stop, a delete): the Service stops naming
 * it, the candidate's Deployment is scaled to 0 (an apply's cleanup deletes it), and its record is
 * marked failed with `reason`. Returns the line to log, or null when no rollout ran.
 */
export async function endClusterRollout(api: KubeApi, model: string, reason: string): Promise<string | null> {
  const service = await readService(api, model);
  const snapshot = snapshotFromService(service);
  if (snapshot === null) return null;
  const candidate = snapshot.state.candidateDeploymentId;
  const finished = { ...stateOfSnapshot(snapshot), outcome: 'superseded' as const, reason };
  const gone = (error: Error) => {
    if (!(error instanceof KubeApiError && error.status === 404)) throw error;
  };
  await api.mergePatch(serviceRef(model), { metadata: { annotations: endedAnnotations(finished) } });
  await api.mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName(model, candidate) }, { spec: { replicas: 0 } }).catch(gone);
  await api.mergePatch(recordRef(model, candidate), {
    metadata: { labels: { [label.outcome]: 'failed' }, annotations: { [ROLLOUT_RESULT]: `${finished.strategy} ended: ${reason}` } },
  }).catch(gone);
  return `${model}: the ${finished.strategy} of deployment #${candidate} ended: ${reason}; its Deployment is scaled to 0 and its record marked failed`;
}

/**
 * Starts a canary or shadow of deployment `candidate` beside the one serving, by writing the
 * rollout on the Service (the serving id stays). Returns why it could not (nothing live to compare
 * with, a gateway that cannot drive rollouts), in which case the caller switches blue/green.
 */
export async function startClusterRollout(api: KubeApi, model: string, policy: RolloutPolicy, candidate: { id: number; build: number }): Promise<{ started: true; line: string } | { started: false; why: string }> {
  const service = await readService(api, model);
  const live = servingDeployment(model, service, await modelDeployments(api, model));
  const liveId = servingIdOf(service);
  if (liveId === null || live === undefined || (live.spec?.replicas ?? 1) === 0 || live.metadata?.annotations?.[annotation.state] === 'stopped') {
    return { started: false, why: 'no running deployment to compare it with' };
  }
  const unable = await gatewayCannotDrive(api);
  if (unable !== null) return { started: false, why: unable };
  // The same controller the gateway runs makes the first snapshot, so both agree on its shape.
  let snapshot = null as RolloutSnapshot | null;
  const first = createRolloutController({ reroute() {}, promote: async () => {}, rollBack: async () => {}, saved: (_model, s) => void (snapshot = s) });
  first.start(model, policy, { id: liveId, build: Number(live.metadata?.annotations?.[annotation.buildNumber] ?? 0) }, candidate);
  await api.mergePatch(serviceRef(model), { metadata: { annotations: { ...runningAnnotations(snapshot!, Date.now()), [rolloutAnnotation.request]: null } } });
  const share = policy.strategy === 'canary' ? `serves ${policy.steps[0]} % of calls` : 'gets a copy of every call';
  return { started: true, line: `${model}: deployment #${candidate.id} is a ${policy.strategy}: it ${share} beside deployment #${liveId}; the in-cluster gateway moves it on (slipway status --target shows it, slipway promote --target ends it)` };
}

/** Why the namespace's gateway cannot drive a rollout (its Role predates them), or null. */
async function gatewayCannotDrive(api: KubeApi): Promise<string | null> {
  let role: V1Role | null;
  try {
    role = await api.read<V1Role>({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', name: GATEWAY_NAME });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 403) return null;
    throw error;
  }
  if (role === null) return `no in-cluster gateway in namespace ${api.namespace} (run \`slipway install\`)`;
  const patchesServices = (role.rules ?? []).some((r) => (r.apiGroups ?? []).includes('') && (r.resources ?? []).includes('services') && r.verbs.includes('patch'));
  return patchesServices ? null : `the in-cluster gateway predates cluster rollouts (its Role cannot patch Services): run \`slipway install --target <target>\` with this release`;
}
