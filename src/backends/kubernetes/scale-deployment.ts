// Scaling a model's Deployment through its `scale` subresource: what the in-cluster gateway may do
// to Deployments when a rollout ends (update on `deployments/scale` changes the replica count and
// nothing else, unlike patch on the Deployment, which could change its image).
import { AppsV1Api } from '@kubernetes/client-node';
import { wrap, type KubeApi } from './kube-api.ts';

/** Sets Deployment `name`'s replicas to `replicas`; false when it does not exist. */
export async function scaleDeployment(api: KubeApi, name: string, replicas: number): Promise<boolean> {
  const apps = api.config.makeApiClient(AppsV1Api);
  try {
    await apps.replaceNamespacedDeploymentScale({
      name,
      namespace: api.namespace,
      body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace: api.namespace }, spec: { replicas } },
    });
    return true;
  } catch (error) {
    const wrapped = wrap(`scale Deployment/${name} in namespace ${api.namespace}`, error);
    if ((wrapped as { status?: number }).status === 404) return false;
    throw wrapped;
  }
}
