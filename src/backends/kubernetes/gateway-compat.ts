// An in-cluster gateway installed before deployment ids does not read the Service's
// `slipway.dev/serving-deployment-id` and would route calls to a new deployment's pods while their
// examples are still being called. Its Role tells: the gateway that selects by deployment id may
// watch Services. Apply refuses to deploy beside an older one, and says how to upgrade it.
import type { V1Role } from '@kubernetes/client-node';
import { KubeApiError, type KubeApi } from './kube-api.ts';
import { GATEWAY_NAME } from './names.ts';

/** Throws when the namespace runs a gateway too old for blue/green deploys; logs when it cannot tell. */
export async function assertGatewaySelectsById(api: KubeApi, log: (line: string) => void): Promise<void> {
  let role: V1Role | null;
  try {
    role = await api.read<V1Role>({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', name: GATEWAY_NAME });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 403) {
      log(`cannot read Role ${GATEWAY_NAME} to check the gateway's version (forbidden); make sure \`slipway install\` ran with this release`);
      return;
    }
    throw error;
  }
  if (role === null) return;
  const watchesServices = (role.rules ?? []).some((r) => (r.apiGroups ?? []).includes('') && (r.resources ?? []).includes('services') && r.verbs.includes('watch'));
  if (!watchesServices) {
    throw new Error(`the in-cluster gateway in namespace ${api.namespace} predates deployment ids and would send calls to new pods before their examples pass: run \`slipway install --target <target>\` with this release first, then apply`);
  }
}
