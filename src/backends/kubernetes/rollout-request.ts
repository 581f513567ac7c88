// `slipway promote --target` (and a test's "end this step now"): a request written on the model's
// Service, acted on by the gateway replica that drives rollouts (cluster-rollouts.ts), which removes
// it with its next write. The caller waits for that write; the request stays if no gateway runs.
import type { RolloutState } from '../../rollouts/rollout-controller.ts';
import type { KubeApi } from './kube-api.ts';
import { workloadName } from './names.ts';
import { outcomeFromService, rolloutAnnotation, snapshotFromService, stateOfSnapshot } from './rollout-annotations.ts';
import { readService } from './serving-switch.ts';

/** Thrown when there is nothing to ask, or nobody answered: the message says what to do. */
export class RolloutRequestError extends Error {
  override name = 'RolloutRequestError';
}

/**
 * Asks the gateway to promote the model's canary or shadow now, or to end its current step now
 * (the policy decides: next step, promote, or roll back). Resolves with the rollout as the gateway
 * left it: ended (promote, or a step that ended it) or at its next step.
 */
export async function requestClusterRollout(
  api: KubeApi,
  model: string,
  request: 'promote' | 'step',
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<RolloutState> {
  const before = snapshotFromService(await readService(api, model));
  if (before === null) throw new RolloutRequestError(`${model} has no canary or shadow in progress in namespace ${api.namespace}: nothing to ${request}`);
  const candidate = before.state.candidateDeploymentId;
  await api.mergePatch({ apiVersion: 'v1', kind: 'Service', name: workloadName(model) }, { metadata: { annotations: { [rolloutAnnotation.request]: request } } });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 250));
    const service = await readService(api, model);
    const ended = outcomeFromService(service);
    if (ended?.candidateDeploymentId === candidate && ended.startedAt === before.state.startedAt) return ended;
    const now = snapshotFromService(service);
    if (now === null) throw new RolloutRequestError(`the ${before.state.strategy} of deployment #${candidate} ended without an outcome recorded (a newer apply?): see \`slipway status --target\``);
    if (now.state.candidateDeploymentId !== candidate) throw new RolloutRequestError(`deployment #${now.state.candidateDeploymentId} replaced the ${before.state.strategy} of deployment #${candidate} meanwhile`);
    if (service?.metadata?.annotations?.[rolloutAnnotation.request] === undefined) return stateOfSnapshot(now);
  }
  throw new RolloutRequestError(
    `no in-cluster gateway acted on the ${request} request within ${Math.round(timeoutMs / 1000)} s: is slipway-gateway running in namespace ${api.namespace} (kubectl get pods -l app.kubernetes.io/name=slipway-gateway)? The request stays on Service ${workloadName(model)} and is acted on once a gateway runs`,
  );
}
