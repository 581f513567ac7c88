// A kubelet for the fake Kubernetes API server that runs each pod's image with podman, as a node
// would: the pod's env resolved (values, Secret keys, the pod's name), the runtime on a loopback port.
import { startImageReplica, type ImageReplica } from '../../src/build/podman-test-run.ts';
import type { FakeKubelet } from './fake-kube-apiserver-pods.ts';
import type { FakeKubeApiServer } from './fake-kube-apiserver.ts';
import type { Obj } from './fake-kube-apiserver-store.ts';

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } };

/** Runs pods of `fake` with podman; `stopAll` removes whatever still runs. */
export function podmanKubelet(fake: () => FakeKubeApiServer): FakeKubelet & { stopAll(): Promise<void> } {
  const running = new Map<string, ImageReplica>();
  const envOf = (pod: Obj, vars: EnvVar[]): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const v of vars) {
      if (v.value !== undefined) env[v.name] = v.value;
      else if (v.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[v.name] = pod.metadata.name;
      else if (v.valueFrom?.secretKeyRef) {
        const secret = fake().get('secrets', pod.metadata.namespace!, v.valueFrom.secretKeyRef.name);
        const data = (secret as { data?: Record<string, string> } | null)?.data?.[v.valueFrom.secretKeyRef.key];
        if (data === undefined) throw new Error(`pod ${pod.metadata.name}: Secret ${v.valueFrom.secretKeyRef.name} has no ${v.valueFrom.secretKeyRef.key}`);
        env[v.name] = Buffer.from(data, 'base64').toString('utf8');
      }
    }
    return env;
  };
  return {
    async start(pod) {
      const container = (pod.spec as { containers: { image: string; env?: EnvVar[] }[] }).containers[0];
      const started = await startImageReplica(container.image, { env: envOf(pod, container.env ?? []), tlsVerify: false, model: pod.metadata.name, listen: 'port' });
      if (!started.ok) throw new Error(`${started.message}\n${started.logs}`);
      running.set(pod.metadata.name, started.replica);
      return { port: Number(new URL(started.replica.origin).port) };
    },
    async stop(pod) {
      await running.get(pod.metadata.name)?.stop();
      running.delete(pod.metadata.name);
    },
    async stopAll() {
      for (const replica of running.values()) await replica.stop();
      running.clear();
    },
  };
}
