// The one place Slipway talks to the Kubernetes API: client-node's KubernetesObjectApi (which finds
// each kind's path through the API's discovery documents) for reads and writes, and its Watch for
// streams. Library errors are wrapped here into KubeApiError, which callers branch on by status.
import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { FIELD_MANAGER } from './names.ts';
import { overLimit, stepLimitSeconds } from '../../build/step-limits.ts';

/** A failed API call: `status` is the HTTP status (404 not found, 409 exists or conflict...). */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string | null;
  constructor(status: number, reason: string | null, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
  }
}

export type ObjectRef = { apiVersion: string; kind: string; name: string };

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: KubernetesObject };

export type KubeApi = {
  readonly namespace: string;
  readonly config: KubeConfig;
  /** Server-side apply: PATCH `application/apply-patch+yaml`, `fieldManager=slipway`, `force=true`. */
  apply<T extends KubernetesObject>(object: T): Promise<T>;
  /** POST; a KubeApiError with status 409 when it exists. */
  create<T extends KubernetesObject>(object: T): Promise<T>;
  /** PUT with the object's resourceVersion; 409 when someone changed it since it was read. */
  replace<T extends KubernetesObject>(object: T): Promise<T>;
  /** JSON merge patch (RFC 7386) of a few fields, for by-hand style edits (stop, record markers). */
  mergePatch<T extends KubernetesObject>(ref: ObjectRef, patch: Record<string, unknown>): Promise<T>;
  /** The object, or null when it does not exist. */
  read<T extends KubernetesObject>(ref: ObjectRef): Promise<T | null>;
  list<T extends KubernetesObject>(apiVersion: string, kind: string, labelSelector?: string): Promise<T[]>;
  /** Every page of a list, and the list's resourceVersion, from which a watch can go on. */
  listWithVersion<T extends KubernetesObject>(apiVersion: string, kind: string, labelSelector?: string, fieldSelector?: string): Promise<{ items: T[]; resourceVersion: string }>;
  /** Deletes; false when it was already gone. */
  remove(ref: ObjectRef): Promise<boolean>;
  /** Streams changes under `path` (e.g. `/apis/apps/v1/namespaces/ns/deployments`) until aborted or closed. */
  watch(path: string, query: Record<string, string>, onEvent: (event: WatchEvent) => void, onDone: (error: unknown) => void): Promise<AbortController>;
};

export type KubeConfigOptions = {
  /** A ready KubeConfig (tests, or a caller that loaded one). */
  kubeConfig?: KubeConfig;
  /** A kubeconfig file; default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account. */
  kubeconfig?: string;
  /** A context of the kubeconfig; default: its current context. */
  context?: string | null;
};

/** Loads a KubeConfig as kubectl would, switching to `context` when given. */
export function loadKubeConfig(options: KubeConfigOptions): KubeConfig {
  const kc = options.kubeConfig ?? new KubeConfig();
  if (!options.kubeConfig) {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  }
  if (options.context) {
    if (kc.getContextObject(options.context) === null) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new Error(`kubeconfig has no context "${options.context}" (contexts: ${known}); fix targets.<name>.context or pass --context`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) throw new Error('no Kubernetes cluster configured: set KUBECONFIG, write ~/.kube/config, or run in a pod');
  return kc;
}

/** The namespace to use: the one given, else the current context's, else `default`. */
export function namespaceOf(kc: KubeConfig, namespace: string | null | undefined): string {
  if (namespace) return namespace;
  const context = kc.getContextObject(kc.getCurrentContext());
  return context?.namespace || 'default';
}

/**
 * A KubeApi for one namespace. Each call has a time limit (`timeoutSeconds`, default per
 * step-limits.ts): an API server that stops answering fails the call with a message naming it
 * instead of holding the apply, and its lock, forever. Watches have no limit; their callers do.
 */
export function createKubeApi(kc: KubeConfig, namespace: string, opts: { timeoutSeconds?: number } = {}): KubeApi {
  const seconds = stepLimitSeconds('kubernetes API', opts.timeoutSeconds);
  const call = <T>(what: string, run: () => Promise<T>): Promise<T> => callWithin(seconds, what, run);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const watcher = new Watch(kc);
  const withNamespace = <T extends KubernetesObject>(object: T): T => ({ ...object, metadata: { ...object.metadata, namespace } });
  const header = (ref: ObjectRef) => ({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace } });
  const what = (verb: string, ref: { kind?: string; metadata?: { name?: string } }) => `${verb} ${ref.kind}/${ref.metadata?.name ?? ''} in namespace ${namespace}`;

  return {
    namespace,
    config: kc,
    apply: (object) => call(what('apply', object), () => objects.patch(withNamespace(object), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply)),
    create: (object) => call(what('create', object), () => objects.create(withNamespace(object), undefined, undefined, FIELD_MANAGER)),
    replace: (object) => call(what('replace', object), () => objects.replace(withNamespace(object), undefined, undefined, FIELD_MANAGER)),
    mergePatch: <T extends KubernetesObject>(ref: ObjectRef, patch: Record<string, unknown>) =>
      call(what('patch', header(ref)), () => {
        const body = { ...patch, ...header(ref), metadata: { ...(patch.metadata as object), ...header(ref).metadata } };
        return objects.patch(body, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch) as Promise<T>;
      }),
    async read(ref) {
      try {
        return await call(what('read', header(ref)), () => objects.read(header(ref)));
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return null;
        throw error;
      }
    },
    async list(apiVersion, kind, labelSelector) {
      return (await this.listWithVersion(apiVersion, kind, labelSelector)).items as never;
    },
    async listWithVersion(apiVersion, kind, labelSelector, fieldSelector) {
      const items: KubernetesObject[] = [];
      let next: string | undefined;
      let resourceVersion = '';
      do {
        const page = await call(`list ${kind} in namespace ${namespace}`, () =>
          objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, fieldSelector, labelSelector, 500, next));
        items.push(...page.items);
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        next = page.metadata?._continue || undefined;
      } while (next);
      // The list's items carry no apiVersion/kind of their own; callers may apply them back.
      return { items: items.map((item) => ({ ...item, apiVersion, kind })) as never, resourceVersion };
    },
    async remove(ref) {
      try {
        await call(what('delete', header(ref)), () => objects.delete(header(ref)));
        return true;
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return false;
        throw error;
      }
    },
    watch: (path, query, onEvent, onDone) =>
      watcher.watch(path, query, (type: string, object: KubernetesObject) => onEvent({ type: type as WatchEvent['type'], object }), onDone),
  };
}

/**
 * Runs one API call, its errors wrapped; past `seconds` it fails with a KubeApiError (status 0,
 * reason `Timeout`). client-node takes no per-call signal, so the request is abandoned, not aborted.
 */
async function callWithin<T>(seconds: number, what: string, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new KubeApiError(0, 'Timeout', `cannot ${what}: the Kubernetes API ${overLimit(seconds)}; is the cluster reachable?`)),
      seconds * 1000,
    );
  });
  try {
    return await Promise.race([run().catch((error: unknown) => Promise.reject(wrap(what, error))), limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** A library error as a KubeApiError (exported for the few calls KubernetesObjectApi cannot make). */
export function wrap(what: string, error: unknown): Error {
  if (error instanceof ApiException) {
    const body = (typeof error.body === 'string' ? safeJson(error.body) : error.body) as { message?: string; reason?: string } | null;
    const message = body?.message ?? (typeof error.body === 'string' ? error.body : `HTTP ${error.code}`);
    return new KubeApiError(error.code, body?.reason ?? null, `cannot ${what}: ${message} (HTTP ${error.code})`);
  }
  const cause = error instanceof Error ? error.message : String(error);
  return new KubeApiError(0, null, `cannot ${what}: ${cause} (is the cluster reachable? check the kubeconfig context)`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
