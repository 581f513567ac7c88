// A minimal deployment controller for the fake Kubernetes API server, after
// https://kubernetes.io/docs/concepts/workloads/controllers/deployment/: each pod template gets a
// ReplicaSet (annotated with the Deployment's annotations and a revision); status moves forward in
// two steps (the new ReplicaSet is created and counted, then its replicas are ready and old ones
// scaled down). In stall mode the new replicas never become ready: the old ReplicaSet keeps serving
// and the Deployment ends with Progressing=False, reason ProgressDeadlineExceeded. Pods of a template
// that the namespace's Pod Security level refuses are never created: the ReplicaSet and the
// Deployment get ReplicaFailure=True, reason FailedCreate, with admission's message, as the
// ReplicaSet controller reports it (https://kubernetes.io/docs/concepts/security/pod-security-admission/).
import { createHash } from 'node:crypto';
import { fakeResources } from './fake-kube-apiserver-resources.ts';
import { podSecurityViolations, type PodSecurityLevel } from './fake-kube-apiserver-pod-security.ts';
import type { FakeStore, Obj } from './fake-kube-apiserver-store.ts';
import type { FakePods } from './fake-kube-apiserver-pods.ts';

const deployments = fakeResources.find((r) => r.name === 'deployments')!;
const replicaSets = fakeResources.find((r) => r.name === 'replicasets')!;
const namespaces = fakeResources.find((r) => r.name === 'namespaces')!;
const MANAGER = 'fake-controller';

type DeploymentSpec = { replicas?: number; template: { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> } };
type RsStatus = { replicas: number; readyReplicas: number; availableReplicas: number; observedGeneration?: number };

export type FakeController = {
  /** Deployments whose new pods never become ready, by `namespace/name`; `on: false` lets them become ready. */
  stall(namespace: string, name: string, on?: boolean): void;
  /** Deployments whose new ReplicaSet gets only `ready` replicas ready, then times out (a rollout that progressed partly). */
  partial(namespace: string, name: string, ready: number): void;
  /** Resolves once every pending step has run. */
  idle(): Promise<void>;
  stop(): void;
};

/** With `pods`, ReplicaSets get pods a test's kubelet runs, and become ready only as those pods do. */
export function startFakeController(store: FakeStore, stepMs: number, defaultLevel: PodSecurityLevel = 'restricted', pods: FakePods | null = null): FakeController {
  const stalled = new Set<string>();
  const partials = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  // Pod work in flight (the kubelet starting processes), which idle() waits for too.
  let pending = 0;

  const schedule = (fn: () => void): void => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, stepMs);
    timers.add(timer);
  };

  const unsubscribe = store.onEvent((event) => {
    if (event.resource !== deployments) return;
    const meta = event.object.metadata;
    if (event.type === 'DELETED') {
      for (const rs of ownedReplicaSets(meta.namespace!, meta.uid!)) {
        store.remove(replicaSets, meta.namespace!, rs.metadata.name);
        void pods?.removeOwnedBy(meta.namespace!, rs.metadata.uid!).catch((error: Error) => console.error(`fake controller: pods of ${rs.metadata.name}: ${error.message}`));
      }
      return;
    }
    const status = (event.object.status ?? {}) as { observedGeneration?: number };
    // Only spec changes need work; status writes (our own) come back here too.
    if (status.observedGeneration === meta.generation) return;
    schedule(() => step1(meta.namespace!, meta.name));
  });

  function ownedReplicaSets(namespace: string, uid: string): Obj[] {
    return store.list(replicaSets, namespace).filter((rs) => (rs.metadata.ownerReferences as { uid: string }[] | undefined)?.some((o) => o.uid === uid));
  }

  /** The ReplicaSet of the current template, created when missing; the others. */
  function replicaSetsOf(d: Obj): { current: Obj; old: Obj[] } {
    const spec = d.spec as DeploymentSpec;
    const hash = createHash('sha256').update(JSON.stringify(spec.template)).digest('hex').slice(0, 10);
    const owned = ownedReplicaSets(d.metadata.namespace!, d.metadata.uid!);
    let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    if (!current) {
      const revision = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0))) + 1;
      current = store.create(replicaSets, d.metadata.namespace!, {
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          labels: { ...spec.template.metadata?.labels, 'pod-template-hash': hash },
          annotations: { ...d.metadata.annotations, 'deployment.kubernetes.io/revision': String(revision) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true }],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { ...(d.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels, 'pod-template-hash': hash } },
          template: { ...spec.template, metadata: { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, 'pod-template-hash': hash } } },
        },
        status: { replicas: 0, readyReplicas: 0, availableReplicas: 0 },
      }, MANAGER);
    }
    return { current, old: owned.filter((rs) => rs.metadata.name !== current!.metadata.name) };
  }

  function setRs(rs: Obj, replicas: number, ready: number): void {
    const ns = rs.metadata.namespace!;
    store.mergePatch(replicaSets, ns, rs.metadata.name, { spec: { replicas } }, MANAGER);
    store.setStatus(replicaSets, ns, rs.metadata.name, { replicas, readyReplicas: ready, availableReplicas: ready }, MANAGER);
  }

  const rsStatus = (rs: Obj): RsStatus => (rs.status ?? { replicas: 0, readyReplicas: 0, availableReplicas: 0 }) as RsStatus;

  /** The namespace's enforced level: its `pod-security.kubernetes.io/enforce` label, else the default. */
  function levelOf(namespace: string): PodSecurityLevel {
    const label = store.get(namespaces, null, namespace)?.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    return (label as PodSecurityLevel | undefined) ?? defaultLevel;
  }

  /** Pods refused by admission: nothing new runs; the old ReplicaSets keep theirs. */
  function failedCreate(d: Obj, current: Obj, old: Obj[], violations: string[]): void {
    const namespace = d.metadata.namespace!;
    const message = `pods "${current.metadata.name}-" is forbidden: violates PodSecurity "${levelOf(namespace)}:latest": ${violations.join(', ')}`;
    const failure = condition('ReplicaFailure', 'True', 'FailedCreate', message);
    store.setStatus(replicaSets, namespace, current.metadata.name, { replicas: 0, readyReplicas: 0, availableReplicas: 0, conditions: [failure] }, MANAGER);
    const oldReady = old.reduce((n, rs) => n + rsStatus(rs).readyReplicas, 0);
    store.setStatus(deployments, namespace, d.metadata.name, {
      observedGeneration: d.metadata.generation,
      replicas: old.reduce((n, rs) => n + rsStatus(rs).replicas, 0),
      updatedReplicas: 0,
      readyReplicas: oldReady,
      availableReplicas: oldReady,
      unavailableReplicas: (d.spec as DeploymentSpec).replicas ?? 1,
      conditions: [
        condition('Available', oldReady > 0 ? 'True' : 'False', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
        condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${current.metadata.name}" is progressing.`),
        failure,
      ],
    }, MANAGER);
  }

  /** Step 1: the new ReplicaSet exists and is scaled up; nothing new is ready yet. */
  function step1(namespace: string, name: string): void {
    const d = store.get(deployments, namespace, name);
    if (!d) return;
    const desired = (d.spec as DeploymentSpec).replicas ?? 1;
    const { current, old } = replicaSetsOf(d);
    const violations = desired > 0 ? podSecurityViolations((d.spec as DeploymentSpec).template.spec ?? {}, levelOf(namespace)) : [];
    if (violations.length > 0) return failedCreate(d, current, old, violations);
    const alreadyReady = rsStatus(current).readyReplicas;
    setRs(current, desired, Math.min(alreadyReady, desired));
    const oldReady = old.reduce((n, rs) => n + rsStatus(rs).readyReplicas, 0);
    const ready = Math.min(alreadyReady, desired) + oldReady;
    store.setStatus(deployments, namespace, name, {
      observedGeneration: d.metadata.generation,
      replicas: desired + old.reduce((n, rs) => n + rsStatus(rs).replicas, 0),
      updatedReplicas: desired,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, desired - Math.min(alreadyReady, desired)),
      conditions: [
        condition('Available', oldReady + Math.min(alreadyReady, desired) > 0 || desired === 0 ? 'True' : 'False', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
        condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${current.metadata.name}" is progressing.`),
      ],
    }, MANAGER);
    const generation = d.metadata.generation;
    const id = `${namespace}/${name}`;
    schedule(() => (partials.has(id) ? partialStep : stalled.has(id) ? stallStep : step2)(namespace, name, generation!));
  }

  /** Step 2: the new replicas are ready and the old ReplicaSets are scaled to zero. */
  function step2(namespace: string, name: string, generation: number): void {
    if (pods) {
      pending++;
      // A kubelet that fails is the test's to see, not a crash of the fake.
      void withPods(namespace, name, generation, pods)
        .catch((error: Error) => console.error(`fake controller: pods of ${namespace}/${name}: ${error.message}`))
        .finally(() => pending--);
      return;
    }
    const d = store.get(deployments, namespace, name);
    if (!d || d.metadata.generation !== generation) return;
    const desired = (d.spec as DeploymentSpec).replicas ?? 1;
    const { current, old } = replicaSetsOf(d);
    setRs(current, desired, desired);
    for (const rs of old) if (rsStatus(rs).replicas > 0 || (rs.spec as { replicas: number }).replicas > 0) setRs(rs, 0, 0);
    complete(d, current, desired);
  }

  /** Step 2 with pods: the kubelet runs the new ReplicaSet's pods; once they are ready, the old ones go. */
  async function withPods(namespace: string, name: string, generation: number, pods: FakePods): Promise<void> {
    const d = store.get(deployments, namespace, name);
    if (!d || d.metadata.generation !== generation || stopped) return;
    const desired = (d.spec as DeploymentSpec).replicas ?? 1;
    const { current, old } = replicaSetsOf(d);
    const ready = await pods.scale(current, desired);
    if (stopped || store.get(deployments, namespace, name)?.metadata.generation !== generation) return;
    setRs(current, desired, ready);
    if (ready < desired) return;
    for (const rs of old) {
      await pods.scale(rs, 0);
      if (rsStatus(rs).replicas > 0 || (rs.spec as { replicas: number }).replicas > 0) setRs(rs, 0, 0);
    }
    complete(d, current, desired);
  }

  function complete(d: Obj, current: Obj, desired: number): void {
    const { namespace, name, generation } = d.metadata as { namespace: string; name: string; generation: number };
    store.setStatus(deployments, namespace, name, {
      observedGeneration: generation,
      replicas: desired,
      updatedReplicas: desired,
      readyReplicas: desired,
      availableReplicas: desired,
      conditions: [
        condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
        condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${current.metadata.name}" has successfully progressed.`),
      ],
    }, MANAGER);
  }

  /** Partly: some new replicas become ready, the rest never do; then the deadline passes. */
  function partialStep(namespace: string, name: string, generation: number): void {
    const d = store.get(deployments, namespace, name);
    if (!d || d.metadata.generation !== generation) return;
    const desired = (d.spec as DeploymentSpec).replicas ?? 1;
    const { current, old } = replicaSetsOf(d);
    const ready = Math.min(partials.get(`${namespace}/${name}`) ?? 0, desired);
    setRs(current, desired, ready);
    const oldReady = old.reduce((n, rs) => n + rsStatus(rs).readyReplicas, 0);
    const status = structuredClone(d.status) as Record<string, unknown>;
    store.setStatus(deployments, namespace, name, { ...status, readyReplicas: oldReady + ready, availableReplicas: oldReady + ready, unavailableReplicas: desired - ready }, MANAGER);
    schedule(() => stallStep(namespace, name, generation));
  }

  /** Stalled: the deadline passes with the new replicas unready; the old ones keep serving. */
  function stallStep(namespace: string, name: string, generation: number): void {
    const d = store.get(deployments, namespace, name);
    if (!d || d.metadata.generation !== generation) return;
    const { current } = replicaSetsOf(d);
    const status = structuredClone(d.status) as { conditions: ReturnType<typeof condition>[] };
    status.conditions = status.conditions.map((c) =>
      c.type === 'Progressing' ? condition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${current.metadata.name}" has timed out progressing.`) : c);
    store.setStatus(deployments, namespace, name, status, MANAGER);
  }

  return {
    partial(namespace, name, ready) {
      partials.set(`${namespace}/${name}`, ready);
    },
    stall(namespace, name, on = true) {
      if (on) {
        stalled.add(`${namespace}/${name}`);
        return;
      }
      // The pods can start now: the controller sees them ready and the rollout completes.
      if (!stalled.delete(`${namespace}/${name}`)) return;
      const generation = store.get(deployments, namespace, name)?.metadata.generation;
      if (generation !== undefined) schedule(() => step2(namespace, name, generation));
    },
    async idle() {
      while (timers.size > 0 || pending > 0) await new Promise((resolve) => setTimeout(resolve, stepMs));
    },
    stop() {
      stopped = true;
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

function condition(type: string, status: 'True' | 'False', reason: string, message: string) {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { type, status, reason, message, lastUpdateTime: now, lastTransitionTime: now };
}
