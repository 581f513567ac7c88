// The Service in front of a model's pods. The in-cluster gateway does not call through it: it
// reads the Service's EndpointSlices to reach each ready replica directly (see endpoint-discovery.ts),
// so that it can count calls per replica. The Service gives those EndpointSlices (and people) a name.
import type { V1Service } from '@kubernetes/client-node';
import { modelLabels, selectorLabels, workloadName } from './names.ts';

/** ClusterIP Service `slipway-<model>`: port 80 to the runtime's port 8080 (named `http`). */
export function modelService(input: { project: string; namespace: string; model: string }): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: workloadName(input.model), namespace: input.namespace, labels: modelLabels(input.project, input.model) },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(input.model),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      // Replicas still starting must not get calls through the Service either.
      publishNotReadyAddresses: false,
    },
  };
}
