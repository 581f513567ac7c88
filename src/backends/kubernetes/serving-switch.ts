// Blue/green on a cluster: each deployment id of a model is a Deployment of its own
// (`slipway-<model>-d<id>`), all behind the model's one Service. Which of them takes traffic is the
// Service's annotation `slipway.dev/serving-deployment-id`, which the in-cluster gateway watches:
// it routes only to endpoints whose pods carry that id, so moving traffic is one write, seen at
// once by every gateway replica. A Service without the annotation was made before this layout: its
// Deployment is `slipway-<model>` and its pods carry no id; the gateway routes to those only.
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { KubeApi } from './kube-api.ts';
import { annotation, label, MANAGED_BY, selectorString, workloadName } from './names.ts';

/** The deployment id a model's Service routes to, or null (none yet, or the layout before). */
export function servingIdOf(service: V1Service | null | undefined): number | null {
  const id = Number(service?.metadata?.annotations?.[annotation.servingDeploymentId]);
  return Number.isInteger(id) && id > 0 ? id : null;
}

/** The deployment id a Deployment runs, from its annotation, or null. */
export function deploymentIdOf(d: V1Deployment): number | null {
  const id = Number(d.metadata?.annotations?.[annotation.deploymentId]);
  return Number.isInteger(id) && id > 0 ? id : null;
}

/**
 * The Deployment that serves `model`: the one with the Service's id, or, for a Service from before
 * (no id), the model's one Deployment of that layout. Undefined when there is none.
 */
export function servingDeployment(model: string, service: V1Service | null | undefined, deployments: V1Deployment[]): V1Deployment | undefined {
  const id = servingIdOf(service);
  if (id === null) return deployments.find((d) => d.metadata?.name === workloadName(model));
  return deployments.find((d) => deploymentIdOf(d) === id);
}

/** Every Deployment of `model`, whatever its deployment id. */
export function modelDeployments(api: KubeApi, model: string): Promise<V1Deployment[]> {
  return api.list<V1Deployment>('apps/v1', 'Deployment', selectorString({ [label.managedBy]: MANAGED_BY, [label.component]: 'model', [label.model]: model }));
}

/** The model's Service, or null. */
export function readService(api: KubeApi, model: string): Promise<V1Service | null> {
  return api.read<V1Service>({ apiVersion: 'v1', kind: 'Service', name: workloadName(model) });
}

/** Moves the model's traffic to deployment `id`: one annotation write on its Service. */
export async function switchTraffic(api: KubeApi, model: string, id: number): Promise<void> {
  await api.mergePatch({ apiVersion: 'v1', kind: 'Service', name: workloadName(model) }, { metadata: { annotations: { [annotation.servingDeploymentId]: String(id) } } });
}

const ref = (d: V1Deployment) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata!.name! });

/** Scales to 0 every Deployment of the model except `keep` (kept for a fast look back until the next apply). */
export async function scaleDownOthers(api: KubeApi, model: string, keep: string): Promise<string[]> {
  const scaled: string[] = [];
  for (const d of await modelDeployments(api, model)) {
    if (d.metadata?.name === keep || d.spec?.replicas === 0) continue;
    await api.mergePatch(ref(d), { spec: { replicas: 0 } });
    scaled.push(d.metadata!.name!);
  }
  return scaled;
}

/**
 * Deletes the model's Deployments that do not serve it: those the last apply scaled down, and any
 * an interrupted apply left behind. Returns the names deleted.
 */
export async function removeRetired(api: KubeApi, model: string): Promise<string[]> {
  const all = await modelDeployments(api, model);
  const serving = servingDeployment(model, await readService(api, model), all);
  const removed: string[] = [];
  for (const d of all) {
    if (d === serving) continue;
    await api.remove(ref(d));
    removed.push(d.metadata!.name!);
  }
  return removed;
}

/** Deletes every Deployment of the model (delete). */
export async function removeAllDeployments(api: KubeApi, model: string): Promise<void> {
  for (const d of await modelDeployments(api, model)) await api.remove(ref(d));
}
