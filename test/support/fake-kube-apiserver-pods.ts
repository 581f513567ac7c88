// Pods for the fake Kubernetes API server, on demand (a test gives a `FakeKubelet`): the
// ReplicaSet controller's pods (`<replicaset>-<5 characters>`, the template's labels plus
// `pod-template-hash`, owned by the ReplicaSet), a kubelet the test supplies that runs each pod as
// a real process on loopback, the EndpointSlice controller's slices for Services that select the
// pods (https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/: endpoints
// grouped by port, `ready` from the pod, `targetRef` the pod), and the API server's pod proxy
// (`/api/v1/namespaces/<ns>/pods/<name>[:<port>]/proxy/<path>`, as `kubectl get --raw` reaches it).
//
// One deviation, said here: a real API server refuses to proxy to loopback addresses
// (IsProxyableIP); this fake's pods all run on 127.0.0.1, each on a port of its own, which the
// fake maps the pod's container port to.
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { fakeResources } from './fake-kube-apiserver-resources.ts';
import { FakeApiError, matchesLabels, type FakeStore, type Obj } from './fake-kube-apiserver-store.ts';

const pods = fakeResources.find((r) => r.name === 'pods')!;
const services = fakeResources.find((r) => r.name === 'services')!;
const slices = fakeResources.find((r) => r.name === 'endpointslices')!;
const MANAGER = 'fake-controller';
const SLICE_MANAGER = 'endpointslice-controller.k8s.io';

/** Runs pods as real processes: the test's side of the fake. */
export type FakeKubelet = {
  /** Starts the pod's container; resolves with the loopback port it serves on, rejects when it cannot start. */
  start(pod: Obj): Promise<{ port: number }>;
  /** Stops it (the pod was deleted). */
  stop(pod: Obj): Promise<void>;
};

export type FakePods = {
  /** Makes the ReplicaSet `rs` have `count` pods; resolves with how many are ready. */
  scale(rs: Obj, count: number): Promise<number>;
  /** Deletes every pod of a ReplicaSet (it was deleted). */
  removeOwnedBy(namespace: string, rsUid: string): Promise<void>;
  /** Answers a pod proxy request, or returns false when `path` is not one. */
  proxy(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): boolean;
  stop(): void;
};

type PodSpec = { containers?: { ports?: { name?: string; containerPort: number }[] }[] };

export function startFakePods(store: FakeStore, kubelet: FakeKubelet): FakePods {
  // The real port each pod's container port is served on, by `namespace/pod`.
  const ports = new Map<string, number>();
  const unsubscribe = store.onEvent((event) => {
    if (event.resource === services || event.resource === pods) syncSlices(event.object.metadata.namespace!);
  });

  const owned = (namespace: string, uid: string): Obj[] =>
    store.list(pods, namespace).filter((p) => (p.metadata.ownerReferences as { uid: string }[] | undefined)?.some((o) => o.uid === uid));
  const isReady = (pod: Obj): boolean =>
    ((pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

  async function startPod(pod: Obj): Promise<void> {
    const ns = pod.metadata.namespace!;
    try {
      const { port } = await kubelet.start(pod);
      if (!store.get(pods, ns, pod.metadata.name)) return void (await kubelet.stop(pod));
      ports.set(`${ns}/${pod.metadata.name}`, port);
      store.setStatus(pods, ns, pod.metadata.name, {
        phase: 'Running', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }],
        conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }],
      }, 'kubelet');
    } catch (error) {
      store.setStatus(pods, ns, pod.metadata.name, {
        phase: 'Running', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }],
        conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: (error as Error).message }],
      }, 'kubelet');
    }
  }

  async function deletePod(pod: Obj): Promise<void> {
    const ns = pod.metadata.namespace!;
    if (store.get(pods, ns, pod.metadata.name)) store.remove(pods, ns, pod.metadata.name);
    ports.delete(`${ns}/${pod.metadata.name}`);
    await kubelet.stop(pod);
  }

  /** One slice per Service and port set, as the controller groups endpoints by their ports. */
  function syncSlices(namespace: string): void {
    for (const service of store.list(services, namespace)) {
      const selector = (service.spec as { selector?: Record<string, string> } | undefined)?.selector;
      const name = service.metadata.name;
      const wanted = new Map<string, Obj>();
      if (selector && Object.keys(selector).length > 0) {
        const term = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
        for (const pod of store.list(pods, namespace).filter((p) => matchesLabels(p.metadata.labels, term))) {
          const port = ports.get(`${namespace}/${pod.metadata.name}`);
          if (port === undefined) continue;
          const sliceName = `${name}-${port}`;
          wanted.set(sliceName, {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { name: sliceName, namespace, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': SLICE_MANAGER } },
            addressType: 'IPv4',
            ports: [{ name: 'http', port, protocol: 'TCP' }],
            endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: isReady(pod), serving: isReady(pod), terminating: false }, targetRef: { kind: 'Pod', name: pod.metadata.name, namespace, uid: pod.metadata.uid } }],
          });
        }
      }
      const existing = store.list(slices, namespace, `kubernetes.io/service-name=${name},endpointslice.kubernetes.io/managed-by=${SLICE_MANAGER}`);
      for (const slice of existing) if (!wanted.has(slice.metadata.name)) store.remove(slices, namespace, slice.metadata.name);
      for (const [sliceName, slice] of wanted) {
        const current = existing.find((s) => s.metadata.name === sliceName);
        if (!current) store.create(slices, namespace, slice, SLICE_MANAGER);
        else if (JSON.stringify(current.endpoints) !== JSON.stringify(slice.endpoints)) store.replace(slices, namespace, sliceName, { ...slice, metadata: { ...slice.metadata, resourceVersion: current.metadata.resourceVersion } }, SLICE_MANAGER);
      }
    }
  }

  return {
    async scale(rs, count) {
      const ns = rs.metadata.namespace!;
      const current = owned(ns, rs.metadata.uid!);
      const template = (rs.spec as { template: { metadata?: { labels?: Record<string, string> }; spec?: unknown } }).template;
      const made: Obj[] = [];
      for (let i = current.length; i < count; i++) {
        made.push(store.create(pods, ns, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `${rs.metadata.name}-${randomBytes(4).toString('hex').slice(0, 5)}`,
            labels: { ...template.metadata?.labels },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true }],
          },
          spec: structuredClone(template.spec),
        }, MANAGER));
      }
      await Promise.all(made.map(startPod));
      for (const pod of current.slice(count)) await deletePod(pod);
      return owned(ns, rs.metadata.uid!).filter(isReady).length;
    },
    async removeOwnedBy(namespace, rsUid) {
      for (const pod of owned(namespace, rsUid)) await deletePod(pod);
    },
    proxy(req, res, path, body) {
      // https://kubernetes.io/docs/tasks/access-application-cluster/access-cluster-services/#manually-constructing-apiserver-proxy-urls
      const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy(\/.*)?$/.exec(path);
      if (!match) return false;
      const namespace = decodeURIComponent(match[1]);
      const [name, portName] = decodeURIComponent(match[2]).split(':');
      const pod = store.get(pods, namespace, name);
      if (!pod) throw new FakeApiError(404, 'NotFound', `pods "${name}" not found`);
      const podIP = (pod.status as { podIP?: string } | undefined)?.podIP;
      if (!podIP) throw new FakeApiError(400, 'BadRequest', 'address not allowed');
      const containerPorts = ((pod.spec as PodSpec).containers ?? []).flatMap((c) => c.ports ?? []);
      // A pod's port is a number (ResourceLocation dials podIP:port; names resolve only for Services).
      const wanted = portName === undefined ? containerPorts[0] : containerPorts.find((p) => String(p.containerPort) === portName);
      const port = ports.get(`${namespace}/${name}`);
      // Nothing listens on a port the container does not declare: the dial fails.
      if (wanted === undefined || port === undefined) {
        throw new FakeApiError(503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${podIP}:${portName ?? '80'}: connect: connection refused`);
      }
      const query = new URL(req.url ?? '/', 'http://fake').search;
      const forwarded = httpRequest({
        host: podIP, port, method: req.method, path: `${match[3] ?? '/'}${query}`,
        headers: { ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}), 'content-length': body.length },
      }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forwarded.on('error', (error) => {
        const text = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `error trying to reach service: ${error.message}`, reason: 'ServiceUnavailable', code: 503 });
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json' });
        res.end(text);
      });
      forwarded.end(body);
      return true;
    },
    stop() {
      unsubscribe();
    },
  };
}
