// How the in-cluster gateway finds models and their replicas: it lists and watches the models'
// Services (which deployment id serves: `slipway.dev/serving-deployment-id`, see serving-switch.ts),
// Deployments (route settings in the `slipway.dev/route` annotation), pods (the deployment id each
// carries), the Services' EndpointSlices (label `kubernetes.io/service-name`: one ready endpoint per
// ready replica) and the two key Secrets (access-key hashes, API keys), and turns them into
// `gateway.setRoute` calls and a keyring. A model's route holds only endpoints whose pods carry the
// serving id, so the pods of a deployment still being tested never get a call.
import type { V1Deployment, V1EndpointSlice, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { Gateway, ModelRoute, ReplicaHandle } from '../../gateway/types.ts';
import { keyringFrom, type Keyring } from '../../keys/keyring.ts';
import type { StoredAccessKey } from '../../store/access-keys.ts';
import type { StoredApiKey } from '../../store/api-keys.ts';
import type { KubeApi } from './kube-api.ts';
import { startListWatch, type ListWatch } from './list-watch.ts';
import { ACCESS_KEYS_SECRET, annotation, label, MANAGED_BY, selectorString, workloadName } from './names.ts';
import { API_KEYS_SECRET } from './cluster-api-keys.ts';
import { parseRouteSettings } from './route-settings.ts';
import { deploymentIdOf, servingDeployment, servingIdOf } from './serving-switch.ts';
import { variantFromService, type ServiceVariant } from './rollout-annotations.ts';

export type EndpointDiscoveryOptions = {
  api: KubeApi;
  gateway: Pick<Gateway, 'setRoute' | 'removeRoute'>;
  log?: (line: string) => void;
  /**
   * The canary or shadow a model's route carries beside the serving deployment (default: as the
   * Service's rollout annotations say, rollout-annotations.ts); its replicas are the endpoints of
   * the pods with its deployment id.
   */
  variantOf?: (model: string, service: V1Service | undefined) => ServiceVariant | null;
  /** Told after a model's Service was listed, changed or deleted. */
  onService?: (model: string) => void;
};

export type EndpointDiscovery = {
  /** Resolves once Deployments, EndpointSlices and Secrets have each been listed and routes set. */
  synced: Promise<void>;
  /** Access keys and API keys as the Secrets hold them now. */
  keyring(): Keyring;
  /** The API key rows (hashes, never keys) behind the keyring: the dashboard's login reads them. */
  apiKeys(): StoredApiKey[];
  /** The routes last given to the gateway, by model. */
  routes(): Map<string, ModelRoute>;
  /** The model's Service as last seen, or null. */
  service(model: string): V1Service | null;
  /** Every model with a Service. */
  models(): string[];
  /** The model a replica (pod name) serves, or null. */
  modelOfReplica(replicaId: string): string | null;
  /** Gives the gateway a model's route again (after it stopped using a replica that died). */
  refresh(model: string): void;
  stop(): void;
};

/** The replicas an EndpointSlice lists as ready: `http://<address>:<http port>`, named by pod. */
export function readyReplicas(slice: V1EndpointSlice): ReplicaHandle[] {
  const port = slice.ports?.find((p) => p.name === 'http')?.port ?? slice.ports?.[0]?.port;
  if (port === undefined || port === null) return [];
  const handles: ReplicaHandle[] = [];
  for (const endpoint of slice.endpoints ?? []) {
    // The API: a nil `ready` means ready. A terminating endpoint is never ready.
    if (endpoint.conditions?.ready === false || endpoint.conditions?.terminating === true) continue;
    const address = endpoint.addresses[0];
    if (address === undefined) continue;
    const host = address.includes(':') ? `[${address}]` : address;
    handles.push({ id: endpoint.targetRef?.name ?? `${address}:${port}`, origin: `http://${host}:${port}` });
  }
  return handles;
}

/** The access key records of access-key Secrets, and the API key records of api-keys Secrets. */
export function keysFromSecrets(secrets: Iterable<V1Secret>): { accessKeys: StoredAccessKey[]; apiKeys: StoredApiKey[] } {
  const accessKeys: StoredAccessKey[] = [];
  const apiKeys: StoredApiKey[] = [];
  for (const secret of secrets) {
    const kind = secret.metadata?.labels?.[label.secret];
    const model = secret.metadata?.labels?.[label.model];
    const decode = (key: string): string | null => (secret.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : null);
    if (kind === 'access-key' && model) {
      const hash = decode('accessKeySha256');
      if (hash) accessKeys.push({ model, keyHash: hash, createdAt: String(secret.metadata?.creationTimestamp ?? '') });
    } else if (kind === 'access-key-hashes') {
      for (const name of Object.keys(secret.data ?? {})) {
        const hash = decode(name);
        if (hash) accessKeys.push({ model: name, keyHash: hash, createdAt: String(secret.metadata?.creationTimestamp ?? '') });
      }
    } else if (kind === 'api-keys') {
      try {
        const records = JSON.parse(decode('keys.json') ?? '[]') as StoredApiKey[];
        if (Array.isArray(records)) apiKeys.push(...records);
      } catch {
        // A hand-edited Secret that is not JSON adds no key; the rest keep working.
      }
    }
  }
  return { accessKeys, apiKeys };
}

/** Starts discovery in `api`'s namespace; runs until `stop`. */
export function startEndpointDiscovery(opts: EndpointDiscoveryOptions): EndpointDiscovery {
  const { api } = opts;
  const ns = encodeURIComponent(api.namespace);
  // Deployments by name (a model has one per deployment id), Services by model, pods' deployment id by pod name.
  const deployments = new Map<string, V1Deployment>();
  const services = new Map<string, V1Service>();
  const podIds = new Map<string, string | null>();
  const slices = new Map<string, V1EndpointSlice>();
  const secrets = new Map<string, V1Secret>();
  const routes = new Map<string, ModelRoute>();
  const replicaModels = new Map<string, string>();
  let keyring = keyringFrom([], []);
  let apiKeyRows: StoredApiKey[] = [];
  let ready = false;

  const modelOf = (o: { metadata?: { labels?: Record<string, string> } }) => o.metadata?.labels?.[label.model] ?? null;
  const modelObjects = selectorString({ [label.managedBy]: MANAGED_BY, [label.component]: 'model' });

  function update(model: string): void {
    if (!ready) return;
    const service = services.get(model);
    const d = servingDeployment(model, service, [...deployments.values()].filter((x) => modelOf(x) === model));
    const settings = parseRouteSettings(d?.metadata?.annotations?.[annotation.route]);
    if (!d || !settings) {
      if (routes.delete(model)) opts.gateway.removeRoute(model);
      return;
    }
    // A Service from before deployment ids (no annotation) serves the pods that carry none.
    const servingId = servingIdOf(service);
    const wanted = servingId === null ? null : String(servingId);
    const name = workloadName(model);
    const listed = [...slices.values()].filter((s) => s.metadata?.labels?.[label.serviceName] === name).flatMap(readyReplicas);
    const replicasOf = (id: string | null) => listed.filter((r) => podIds.has(r.id) && podIds.get(r.id) === id).sort((a, b) => (a.id < b.id ? -1 : 1));
    const replicas = replicasOf(wanted);
    for (const replica of replicas) replicaModels.set(replica.id, model);
    const route: ModelRoute = { name: model, ...settings, replicas };
    // A canary or shadow beside it: the candidate's Deployment must still exist (its build is in its settings).
    const variant = servingId === null || settings.state !== 'running' ? null : (opts.variantOf ?? ((_m, s) => variantFromService(s)))(model, service);
    const candidate = variant === null ? undefined : [...deployments.values()].find((x) => modelOf(x) === model && deploymentIdOf(x) === variant.deploymentId);
    const candidateSettings = parseRouteSettings(candidate?.metadata?.annotations?.[annotation.route]);
    if (variant !== null && candidateSettings !== null && variant.deploymentId !== servingId) {
      const variantReplicas = replicasOf(String(variant.deploymentId));
      for (const replica of variantReplicas) replicaModels.set(replica.id, model);
      route.variants = [{ ...variant, build: candidateSettings.build, replicas: variantReplicas }];
    }
    routes.set(model, route);
    opts.gateway.setRoute(route);
  }

  const all = (): void => {
    const names = new Set([...routes.keys(), ...services.keys(), ...[...deployments.values()].map(modelOf).filter((m): m is string => m !== null)]);
    for (const model of names) update(model);
  };
  const modelOfSlice = (s: V1EndpointSlice): string | null => {
    const service = s.metadata?.labels?.[label.serviceName] ?? '';
    return service.startsWith('slipway-') ? service.slice('slipway-'.length) : null;
  };
  const reloadKeys = (): void => {
    const keys = keysFromSecrets(secrets.values());
    keyring = keyringFrom(keys.accessKeys, keys.apiKeys);
    apiKeyRows = keys.apiKeys;
  };
  const key = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? '';

  const watches: ListWatch[] = [
    startListWatch<V1Deployment>({
      api, apiVersion: 'apps/v1', kind: 'Deployment', path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      labelSelector: modelObjects, log: opts.log,
      onList(items) {
        deployments.clear();
        for (const d of items) if (modelOf(d)) deployments.set(key(d), d);
        all();
      },
      onEvent({ type, object }) {
        const model = modelOf(object);
        if (!model) return;
        if (type === 'DELETED') deployments.delete(key(object));
        else deployments.set(key(object), object);
        update(model);
      },
    }),
    startListWatch<V1Service>({
      api, apiVersion: 'v1', kind: 'Service', path: `/api/v1/namespaces/${ns}/services`,
      labelSelector: modelObjects, log: opts.log,
      onList(items) {
        services.clear();
        for (const s of items) if (modelOf(s)) services.set(modelOf(s)!, s);
        all();
        for (const model of services.keys()) opts.onService?.(model);
      },
      onEvent({ type, object }) {
        const model = modelOf(object);
        if (!model) return;
        if (type === 'DELETED') services.delete(model);
        else services.set(model, object);
        update(model);
        opts.onService?.(model);
      },
    }),
    startListWatch<V1Pod>({
      api, apiVersion: 'v1', kind: 'Pod', path: `/api/v1/namespaces/${ns}/pods`,
      labelSelector: modelObjects, log: opts.log,
      onList(items) {
        podIds.clear();
        for (const p of items) podIds.set(key(p), p.metadata?.labels?.[label.deploymentId] ?? null);
        all();
      },
      onEvent({ type, object }) {
        const id = object.metadata?.labels?.[label.deploymentId] ?? null;
        const before = podIds.get(key(object));
        if (type === 'DELETED') podIds.delete(key(object));
        else podIds.set(key(object), id);
        // Only a pod's arrival, departure or id changes a route; its status comes through the slices.
        const model = modelOf(object);
        if (model && (type === 'DELETED' || before !== id)) update(model);
      },
    }),
    startListWatch<V1EndpointSlice>({
      api, apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', path: `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
      labelSelector: label.serviceName, log: opts.log,
      onList(items) {
        slices.clear();
        for (const s of items) slices.set(key(s), s);
        all();
      },
      onEvent({ type, object }) {
        if (type === 'DELETED') slices.delete(key(object));
        else slices.set(key(object), object);
        const model = modelOfSlice(object);
        if (model) update(model);
      },
    }),
    // Only the two key Secrets, by name: the Role grants nothing else (gateway-manifests.ts).
    ...[ACCESS_KEYS_SECRET, API_KEYS_SECRET].map((name) => startListWatch<V1Secret>({
      api, apiVersion: 'v1', kind: 'Secret', path: `/api/v1/namespaces/${ns}/secrets`,
      fieldSelector: `metadata.name=${name}`, log: opts.log,
      onList(items) {
        secrets.delete(name);
        for (const s of items) secrets.set(key(s), s);
        reloadKeys();
      },
      onEvent({ type, object }) {
        if (type === 'DELETED') secrets.delete(key(object));
        else secrets.set(key(object), object);
        reloadKeys();
      },
    })),
  ];
  const synced = Promise.all(watches.map((w) => w.synced)).then(() => {
    ready = true;
    all();
  });

  return {
    synced,
    keyring: () => keyring,
    apiKeys: () => apiKeyRows,
    routes: () => routes,
    service: (model) => services.get(model) ?? null,
    models: () => [...services.keys()],
    modelOfReplica: (id) => replicaModels.get(id) ?? null,
    refresh: update,
    stop() {
      for (const w of watches) w.stop();
    },
  };
}
