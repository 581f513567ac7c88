// A fake Kubernetes API server for tests: an in-process node:http server on 127.0.0.1, written
// against the documented API (https://kubernetes.io/docs/reference/using-api/api-concepts/ and
// server-side-apply/) and named a fake because it is one. It serves discovery, GET / LIST (label
// and field selectors) / POST / PUT / DELETE, PATCH (server-side apply, JSON merge patch), watch
// (`?watch=1`: one JSON event per line, with bookmarks, timeouts, 410 Gone and injected failures),
// the status subresource, `limit`/`continue` pagination, validation (fake-kube-apiserver-validation.ts)
// and a minimal deployment controller with a stall mode and Pod Security admission.
// Every request is recorded for assertions.
import { writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { startFakeController, type FakeController } from './fake-kube-apiserver-controller.ts';
import { startFakePods, type FakeKubelet } from './fake-kube-apiserver-pods.ts';
import { proxyToService, SERVICE_PROXY } from './fake-kube-apiserver-services.ts';
import { discoveryDocument, fakeResources, groupVersion as groupVersionOf, parseResourcePath, withStatus, type FakeResource } from './fake-kube-apiserver-resources.ts';
import type { PodSecurityLevel } from './fake-kube-apiserver-pod-security.ts';
import { FakeApiError, FakeStore, matchesFields, matchesLabels, type Obj, type StoredEvent } from './fake-kube-apiserver-store.ts';

export type RecordedRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | null;
  body: unknown;
};

export type FakeKubeApiServer = {
  url: string;
  token: string;
  /** A KubeConfig whose current context points here. */
  kubeConfig(namespace?: string): KubeConfig;
  requests: RecordedRequest[];
  store: FakeStore;
  controller: FakeController;
  /** The stored object, or null. `kind` is the plural resource name, e.g. `deployments`. */
  get(resource: string, namespace: string, name: string): Obj | null;
  list(resource: string, namespace: string, labelSelector?: string): Obj[];
  /** Changes an object as another client's Update would (`kubectl set image/env`: manager `kubectl-set`), not recorded. */
  update(resource: string, namespace: string, name: string, mutate: (object: Obj) => void, manager?: string): Obj;
  watches: WatchControl;
  /** The next `count` requests that `match` fail with HTTP `code` (an API server restarting: 500, 503). */
  failRequests(match: (method: string, path: string) => boolean, code: number, count: number): void;
  /** Changes an object as `kubectl edit` would (JSON merge patch, manager `kubectl-edit`), not recorded. */
  edit(resource: string, namespace: string, name: string, patch: Record<string, unknown>): Obj;
  /** Creates an object as another client would, not recorded. */
  put(resource: string, namespace: string, object: Obj): Obj;
  /** Deletes as `kubectl delete` would, not recorded. */
  remove(resource: string, namespace: string, name: string): void;
  close(): Promise<void>;
};

export type FakeOptions = {
  /** Delay of each controller step; short in tests. Default 10 ms. */
  controllerStepMs?: number;
  /** Pod Security level enforced in namespaces without a `pod-security.kubernetes.io/enforce` label. Default restricted. */
  podSecurity?: PodSecurityLevel;
  /** Watches end after this long, as the server's own watch timeout ends them. Default: never. */
  watchTimeoutMs?: number;
  /**
   * Runs pods as real processes: with it, ReplicaSets get pods, Services get EndpointSlices and
   * `pods/<name>/proxy` reaches them (fake-kube-apiserver-pods.ts). Without it there are no pods.
   */
  kubelet?: FakeKubelet;
};

/**
 * Watch behaviours of a real API server, on demand. See
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes .
 */
export type WatchControl = {
  /** Sends a BOOKMARK with the current resourceVersion to every open watch that asked for them (`allowWatchBookmarks`; https://kubernetes.io/docs/reference/using-api/api-concepts/#watch-bookmarks). */
  bookmark(): void;
  /** Ends every open watch, as the server does when its timeout passes. */
  closeAll(): void;
  /** Sends an ERROR event with this Status code to every open watch, then ends it. */
  error(code: number, reason: string, message: string): void;
  /** The next `count` watch requests fail at once with HTTP `code` (403 Forbidden, 429 TooManyRequests). */
  failNext(code: 403 | 429 | 500, count: number): void;
  /** Open watches now. */
  readonly open: number;
};

function resourceNamed(name: string): FakeResource {
  const resource = fakeResources.find((r) => r.name === name);
  if (!resource) throw new Error(`the fake API server has no resource ${name}`);
  return resource;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function status(error: FakeApiError) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: error.message, reason: error.reason, code: error.code };
}

/** Starts the fake on a free loopback port. */
export async function startFakeKubeApiServer(options: FakeOptions = {}): Promise<FakeKubeApiServer> {
  const token = 'fake-token';
  const store = new FakeStore();
  const pods = options.kubelet ? startFakePods(store, options.kubelet) : null;
  const controller = startFakeController(store, options.controllerStepMs ?? 10, options.podSecurity ?? 'restricted', pods);
  const requests: RecordedRequest[] = [];
  const watches = new Map<ServerResponse, { bookmarks: boolean; kind: string; apiVersion: string }>();
  const failures: number[] = [];
  const injectedFailures: { match: (method: string, path: string) => boolean; code: number; count: number }[] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (error) {
        if (error instanceof FakeApiError) send(res, error.code, status(error));
        else send(res, 500, status(new FakeApiError(500, 'InternalError', (error as Error).stack ?? String(error))));
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams.entries());
    const contentType = req.headers['content-type']?.split(';')[0].trim() ?? null;
    // A proxied body is the pod's business: forwarded as bytes, recorded as text.
    const proxied = /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/proxy(\/|$)/.test(url.pathname);
    const serviceProxied = SERVICE_PROXY.test(url.pathname);
    const text = raw.toString('utf8');
    let body: unknown = null;
    if (text !== '' && !proxied && !serviceProxied) body = contentType === 'application/apply-patch+yaml' ? parseYaml(text) : JSON.parse(text);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query, contentType, body: proxied || serviceProxied ? text : body });

    if (req.headers.authorization !== `Bearer ${token}`) throw new FakeApiError(401, 'Unauthorized', 'Unauthorized');
    if (proxied) {
      if (pods === null) throw new FakeApiError(404, 'NotFound', `pods not found (this fake runs pods only when given a kubelet)`);
      pods.proxy(req, res, url.pathname, raw);
      return;
    }
    if (serviceProxied) return proxyToService(store, req, res, url.pathname, raw);
    const injected = injectedFailures.find((f) => f.count > 0 && f.match(req.method ?? 'GET', url.pathname));
    if (injected) {
      injected.count--;
      throw new FakeApiError(injected.code, 'InternalError', `injected failure ${injected.code}`);
    }
    const discovery = req.method === 'GET' ? discoveryDocument(url.pathname) : null;
    if (discovery !== null) return send(res, 200, discovery);
    const parsed = parseResourcePath(url.pathname);
    if (!parsed) throw new FakeApiError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    const { resource, name, subresource } = parsed;
    const namespace = resource.namespaced ? parsed.namespace : null;
    const manager = query.fieldManager ?? 'unknown';

    if (name === null) {
      if (req.method === 'GET' && (query.watch === '1' || query.watch === 'true')) return watch(res, resource, namespace, query);
      if (req.method === 'GET') return send(res, 200, listPage(resource, namespace, query));
      if (req.method === 'POST') return send(res, 201, store.create(resource, namespace, withoutStatus(resource, body as Obj), manager));
      throw new FakeApiError(405, 'MethodNotAllowed', `${req.method} is not allowed on a collection`);
    }
    if (subresource === 'status') {
      // https://kubernetes.io/docs/reference/using-api/api-concepts/ (subresources): a write to
      // /status changes status only; a write to the object leaves status alone.
      const current = store.get(resource, namespace, name);
      if (!current) throw new FakeApiError(404, 'NotFound', `${resource.name} "${name}" not found`);
      if (req.method === 'GET') return send(res, 200, current);
      if (req.method !== 'PUT' && req.method !== 'PATCH') throw new FakeApiError(405, 'MethodNotAllowed', `${req.method} is not allowed on status`);
      const next = structuredClone((body as Obj | null)?.status ?? {});
      return send(res, 200, store.setStatus(resource, namespace, name, req.method === 'PATCH' ? { ...(current.status as object), ...(next as object) } : next, manager));
    }
    if (subresource === 'scale') return scale(res, req.method ?? 'GET', resource, namespace, name, body as Obj | null, manager);
    switch (req.method) {
      case 'GET': {
        const object = store.get(resource, namespace, name);
        if (!object) throw new FakeApiError(404, 'NotFound', `${resource.name} "${name}" not found`);
        return send(res, 200, object);
      }
      case 'PUT':
        return send(res, 200, store.replace(resource, namespace, name, withoutStatus(resource, body as Obj), manager));
      case 'DELETE':
        return send(res, 200, store.remove(resource, namespace, name));
      case 'PATCH':
        if (contentType === 'application/apply-patch+yaml') {
          if (!query.fieldManager) throw new FakeApiError(400, 'BadRequest', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
          const applied = body as Obj;
          if (applied.metadata?.name !== name) throw new FakeApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
          const existed = store.get(resource, namespace, name) !== null;
          return send(res, existed ? 200 : 201, store.apply(resource, namespace, name, withoutStatus(resource, applied), manager, query.force === 'true'));
        }
        if (contentType === 'application/merge-patch+json') return send(res, 200, store.mergePatch(resource, namespace, name, withoutStatus(resource, body as Obj), manager));
        throw new FakeApiError(415, 'UnsupportedMediaType', `the fake does not support the patch type ${contentType}`);
      default:
        throw new FakeApiError(405, 'MethodNotAllowed', `${req.method} is not allowed`);
    }
  }

  /**
   * A Deployment's `scale` subresource (autoscaling/v1 Scale): GET reads it, PUT writes
   * `spec.replicas` and nothing else, refused with 409 when its resourceVersion is stale, as the
   * API server does (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/#replace-replace-scale-of-the-specified-deployment).
   */
  function scale(res: ServerResponse, method: string, resource: FakeResource, namespace: string | null, name: string, body: Obj | null, manager: string): void {
    const current = store.get(resource, namespace, name);
    if (!current) throw new FakeApiError(404, 'NotFound', `deployments.apps "${name}" not found`);
    const scaleOf = (d: Obj) => ({
      apiVersion: 'autoscaling/v1', kind: 'Scale',
      metadata: { name, namespace, uid: d.metadata.uid, resourceVersion: d.metadata.resourceVersion, creationTimestamp: d.metadata.creationTimestamp },
      spec: { replicas: (d.spec as { replicas?: number }).replicas ?? 1 },
      status: { replicas: (d.status as { replicas?: number } | undefined)?.replicas ?? 0 },
    });
    if (method === 'GET') return send(res, 200, scaleOf(current));
    if (method !== 'PUT') throw new FakeApiError(405, 'MethodNotAllowed', `the fake supports GET and PUT on scale, not ${method}`);
    const replicas = (body?.spec as { replicas?: unknown } | undefined)?.replicas;
    if (body?.kind !== 'Scale' || !Number.isInteger(replicas) || (replicas as number) < 0) {
      throw new FakeApiError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
    }
    const sent = body.metadata?.resourceVersion;
    if (sent !== undefined && sent !== current.metadata.resourceVersion) {
      throw new FakeApiError(409, 'Conflict', `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    send(res, 200, scaleOf(store.mergePatch(resource, namespace, name, { spec: { replicas } }, manager)));
  }

  /** A main-resource write carries no status for kinds with a status subresource. */
  function withoutStatus(resource: FakeResource, object: Obj): Obj {
    if (!withStatus.has(resource.kind) || object === null || typeof object !== 'object' || !('status' in object)) return object;
    const { status: _ignored, ...rest } = object;
    return rest as Obj;
  }

  /** One page of a list: `limit` items after the `continue` token (https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks). */
  function listPage(resource: FakeResource, namespace: string | null, query: Record<string, string>) {
    const all = store.list(resource, namespace, query.labelSelector ?? null, query.fieldSelector ?? null);
    let start = 0;
    let resourceVersion = String(store.resourceVersion);
    if (query.continue) {
      const token = JSON.parse(Buffer.from(query.continue, 'base64url').toString('utf8')) as { after: string; rv: string };
      if (Number(token.rv) < store.compactedBelow) throw new FakeApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter');
      start = all.findIndex((o) => o.metadata.name > token.after);
      if (start < 0) start = all.length;
      resourceVersion = token.rv;
    }
    const limit = Number(query.limit ?? 0);
    const items = limit > 0 ? all.slice(start, start + limit) : all.slice(start);
    const more = limit > 0 && start + limit < all.length;
    const metadata: Record<string, unknown> = { resourceVersion };
    if (more) metadata.continue = Buffer.from(JSON.stringify({ after: items[items.length - 1].metadata.name, rv: resourceVersion })).toString('base64url');
    return { kind: `${resource.kind}List`, apiVersion: groupVersionOf(resource), metadata, items };
  }

  const watchControl: WatchControl = {
    bookmark() {
      for (const [res, wants] of watches) if (wants.bookmarks) res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: wants.kind, apiVersion: wants.apiVersion, metadata: { resourceVersion: String(store.resourceVersion) } } })}\n`);
    },
    closeAll() {
      for (const res of watches.keys()) res.end();
    },
    error(code, reason, message) {
      for (const res of watches.keys()) res.end(`${JSON.stringify({ type: 'ERROR', object: status(new FakeApiError(code, reason, message)) })}\n`);
    },
    failNext(code, count) {
      failures.push(...Array.from({ length: count }, () => code));
    },
    get open() {
      return watches.size;
    },
  };

  function watch(res: ServerResponse, resource: FakeResource, namespace: string | null, query: Record<string, string>): void {
    const failure = failures.shift();
    if (failure !== undefined) {
      const reasons: Record<number, string> = { 403: 'Forbidden', 429: 'TooManyRequests', 500: 'InternalError' };
      throw new FakeApiError(failure, reasons[failure], `watch ${resource.name} refused (injected ${failure})`);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const since = Number(query.resourceVersion ?? '0');
    // A resourceVersion older than the compacted history: "410 Gone", sent as an ERROR event
    // (https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses).
    if (since > 0 && since < store.compactedBelow) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: status(new FakeApiError(410, 'Expired', `too old resource version: ${since} (${store.compactedBelow})`)) })}\n`);
      return;
    }
    watches.set(res, { bookmarks: query.allowWatchBookmarks === 'true', kind: resource.kind, apiVersion: groupVersionOf(resource) });
    const wanted = (event: StoredEvent): boolean =>
      event.resource === resource &&
      (namespace === null || event.object.metadata.namespace === namespace) &&
      matchesLabels(event.object.metadata.labels, query.labelSelector ?? null) &&
      matchesFields(event.object, query.fieldSelector ?? null);
    const write = (event: StoredEvent): void => {
      if (wanted(event)) res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    };
    if (since > 0) {
      for (const event of store.events) if (event.rv > since) write(event);
    } else if (query.resourceVersion === undefined) {
      // No resourceVersion: the current state first, as ADDED events (the API's "Get State and Start at Most Recent").
      for (const object of store.list(resource, namespace, query.labelSelector ?? null, query.fieldSelector ?? null)) {
        res.write(`${JSON.stringify({ type: 'ADDED', object })}\n`);
      }
    }
    const unsubscribe = store.onEvent(write);
    // `timeoutSeconds`, else the server's own limit: the watch ends and the client watches again.
    const seconds = Number(query.timeoutSeconds ?? 0);
    const limitMs = seconds > 0 ? seconds * 1000 : (options.watchTimeoutMs ?? 0);
    const timer = limitMs > 0 ? setTimeout(() => res.end(), limitMs) : null;
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      unsubscribe();
      watches.delete(res);
    });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    token,
    kubeConfig(namespace = 'default') {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'tester', token }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'tester', namespace }],
        currentContext: 'fake',
      });
      return kc;
    },
    requests,
    store,
    controller,
    get: (resource, namespace, name) => store.get(resourceNamed(resource), namespace, name),
    list: (resource, namespace, labelSelector) => store.list(resourceNamed(resource), namespace, labelSelector ?? null),
    update: (resource, namespace, name, mutate, manager = 'kubectl-set') => store.updateWith(resourceNamed(resource), namespace, name, mutate, manager),
    watches: watchControl,
    failRequests: (match, code, count) => void injectedFailures.push({ match, code, count }),
    edit: (resource, namespace, name, patch) => store.mergePatch(resourceNamed(resource), namespace, name, patch, 'kubectl-edit'),
    put: (resource, namespace, object) => store.create(resourceNamed(resource), namespace, object, 'kubectl-create'),
    remove: (resource, namespace, name) => void store.remove(resourceNamed(resource), namespace, name),
    async close() {
      controller.stop();
      pods?.stop();
      for (const res of watches.keys()) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A kubeconfig file pointing at `fake` (what a CLI under test is given with --kubeconfig). */
export function writeKubeconfig(file: string, fake: FakeKubeApiServer): string {
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "${fake.url}", insecure-skip-tls-verify: true}}]
users: [{name: tester, user: {token: ${fake.token}}}]
contexts: [{name: fake, context: {cluster: fake, user: tester, namespace: default}}]
current-context: fake
`,
  );
  return file;
}
