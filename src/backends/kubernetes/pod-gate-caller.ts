// The examples that gate traffic on a cluster call the new deployment's pods directly, through the
// API server's pod proxy (`/api/v1/namespaces/<ns>/pods/<pod>:8080/proxy/invoke`), so the machine
// running apply needs no network route into the cluster, only the kubeconfig it already uses.
// The gateway never sees these calls: a failing example never reaches a client.
import { Agent, fetch } from 'undici';
import type { V1Pod } from '@kubernetes/client-node';
import type { CallModel } from '../../apply/test-calls.ts';
import { runtimeAnswer } from '../../apply/replica-invoke.ts';
import type { KubeApi } from './kube-api.ts';
import { label, RUNTIME_PORT, selectorString } from './names.ts';
import { readService, servingIdOf } from './serving-switch.ts';

/** Ready pods of deployment `id` of `model`, by name. */
export async function readyPods(api: KubeApi, model: string, id: number): Promise<string[]> {
  const pods = await api.list<V1Pod>('v1', 'Pod', selectorString({ [label.model]: model, [label.deploymentId]: String(id) }));
  return pods
    .filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => p.metadata!.name!)
    .sort();
}

/** Calls the ready pods of deployment `id` in turn on the runtime protocol, through the pod proxy. */
export async function podGateCaller(api: KubeApi, model: string, id: number, timeoutMs: number): Promise<{ call: CallModel; close(): Promise<void> }> {
  const pods = await readyPods(api, model, id);
  const cluster = api.config.getCurrentCluster();
  if (!cluster) throw new Error('no Kubernetes cluster configured');
  // The kubeconfig's credentials (token, client certificate, CA), as every other API call uses them.
  const options: { headers?: Record<string, string>; ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string; rejectUnauthorized?: boolean } = {};
  await api.config.applyToHTTPSOptions(options as never);
  const dispatcher = new Agent({ connect: { ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: options.rejectUnauthorized } });
  const base = `${cluster.server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(api.namespace)}/pods`;
  let next = 0;
  const call: CallModel = async (_model, input) => {
    if (pods.length === 0) return { ok: false, status: 503, message: `no pod of deployment #${id} is ready` };
    const pod = pods[next++ % pods.length];
    try {
      const response = await fetch(`${base}/${encodeURIComponent(pod)}:${RUNTIME_PORT}/proxy/invoke`, {
        method: 'POST',
        headers: { ...options.headers, 'content-type': 'application/json' },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(timeoutMs),
        dispatcher,
      });
      const text = await response.text();
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: an API server or proxy error page; the status says enough.
      }
      // An API server's own refusal (RBAC, pod gone) is a Status object, not the runtime's answer.
      if ((body as { kind?: string } | null)?.kind === 'Status') {
        return { ok: false, status: response.status, message: `pod ${pod} through the API server's proxy: ${(body as { message?: string }).message ?? response.status}` };
      }
      return runtimeAnswer(response.status, body);
    } catch (error) {
      return (error as Error).name === 'TimeoutError'
        ? { ok: false, status: 504, message: `pod ${pod} gave no answer within the model's timeout of ${timeoutMs / 1000} s` }
        : { ok: false, status: 502, message: `pod ${pod} could not be reached through the API server: ${(error as Error).message}` };
    }
  };
  return { call, close: () => dispatcher.close() };
}

/** How long a call after the switch may take: the model's timeout is not known to this caller. */
const AFTER_SWITCH_TIMEOUT_MS = 60_000;

/**
 * Calls the pods of the deployment serving each model (its Service's id), through the pod proxy:
 * how apply runs the examples after traffic moved (`rollout: recreate`, `gate: false`), from a
 * machine that cannot reach the in-cluster gateway.
 */
export function servingPodsCaller(api: KubeApi): CallModel {
  return async (model, input) => {
    const id = servingIdOf(await readService(api, model));
    if (id === null) return { ok: false, status: 503, message: `${model} has no deployment serving it (its Service names none)` };
    const caller = await podGateCaller(api, model, id, AFTER_SWITCH_TIMEOUT_MS);
    try {
      return await caller.call(model, input);
    } finally {
      await caller.close();
    }
  };
}
