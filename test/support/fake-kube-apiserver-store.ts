// The object store of the fake Kubernetes API server: resourceVersions, generations, field
// ownership for server-side apply, label and field selectors, and watch events. Written against
// https://kubernetes.io/docs/reference/using-api/server-side-apply/ and api-concepts, simplified:
// ownership is tracked per leaf field, and lists are atomic (replaced whole), as `x-kubernetes-list-type: atomic`.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { FakeResource } from './fake-kube-apiserver-resources.ts';
import { groupVersion } from './fake-kube-apiserver-resources.ts';

export type Obj = { apiVersion?: string; kind?: string; metadata: Meta; [key: string]: unknown };
export type Meta = {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: { manager: string; operation: 'Apply' | 'Update'; apiVersion: string; time: string; fieldsType: 'FieldsV1' }[];
  [key: string]: unknown;
};

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type StoredEvent = { rv: number; resource: FakeResource; type: WatchEventType; object: Obj };

/** An API failure, answered as a `Status` object. */
export class FakeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

type Entry = { object: Obj; owners: Map<string, string>; applied: Map<string, Obj> };

/** Paths of every leaf (scalar or list) under `value`; metadata bookkeeping excluded. */
function leaves(value: unknown, at: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [at];
  const out: string[][] = [];
  for (const [key, child] of Object.entries(value)) {
    if (at.length === 0 && ['apiVersion', 'kind', 'status'].includes(key)) continue;
    if (at.length === 1 && at[0] === 'metadata' && !['labels', 'annotations'].includes(key)) continue;
    out.push(...leaves(child, [...at, key]));
  }
  return out;
}

function getAt(value: unknown, path: string[]): unknown {
  let node = value;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

function deleteAt(value: Record<string, unknown>, path: string[]): void {
  const parents: Record<string, unknown>[] = [value];
  for (const key of path.slice(0, -1)) {
    const next = parents[parents.length - 1][key];
    if (next === null || typeof next !== 'object') return;
    parents.push(next as Record<string, unknown>);
  }
  delete parents[parents.length - 1][path[path.length - 1]];
  // Emptied maps go too, as the API prunes them.
  for (let i = parents.length - 1; i > 0; i--) {
    if (Object.keys(parents[i]).length === 0) delete parents[i - 1][path[i - 1]];
  }
}

/** Objects merge key by key; lists and scalars are replaced. `null` removes (merge patch). */
export function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete target[key];
    else if (typeof value === 'object' && !Array.isArray(value) && typeof target[key] === 'object' && target[key] !== null && !Array.isArray(target[key])) {
      mergeInto(target[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else target[key] = structuredClone(value);
  }
}

/** Equality-based label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated. */
export function matchesLabels(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  const own = labels ?? {};
  return selector.split(',').every((term) => {
    const t = term.trim();
    if (t.startsWith('!')) return !(t.slice(1) in own);
    const ne = t.indexOf('!=');
    if (ne >= 0) return own[t.slice(0, ne)] !== t.slice(ne + 2);
    const eq = t.indexOf('=');
    if (eq < 0) return t in own;
    return own[t.slice(0, eq)] === t.slice(t[eq + 1] === '=' ? eq + 2 : eq + 1);
  });
}

/** Field selectors on `metadata.name` and `metadata.namespace`, which every kind supports. */
export function matchesFields(object: Obj, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [field, value] = term.split('=');
    if (field === 'metadata.name') return object.metadata.name === value;
    if (field === 'metadata.namespace') return object.metadata.namespace === value;
    throw new FakeApiError(400, 'BadRequest', `field label not supported: ${field}`);
  });
}

export class FakeStore {
  private entries = new Map<string, Entry>();
  private version = 1;
  readonly events: StoredEvent[] = [];
  private listeners = new Set<(event: StoredEvent) => void>();

  get resourceVersion(): number {
    return this.version;
  }

  onEvent(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private key(resource: FakeResource, namespace: string | null, name: string): string {
    return `${resource.group}/${resource.name}/${namespace ?? ''}/${name}`;
  }

  get(resource: FakeResource, namespace: string | null, name: string): Obj | null {
    const entry = this.entries.get(this.key(resource, namespace, name));
    return entry ? structuredClone(entry.object) : null;
  }

  list(resource: FakeResource, namespace: string | null, labelSelector: string | null = null, fieldSelector: string | null = null): Obj[] {
    const prefix = `${resource.group}/${resource.name}/`;
    return [...this.entries.entries()]
      .filter(([key, entry]) => key.startsWith(prefix) && (namespace === null || entry.object.metadata.namespace === namespace))
      .map(([, entry]) => entry.object)
      .filter((object) => matchesLabels(object.metadata.labels, labelSelector) && matchesFields(object, fieldSelector))
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
      .map((object) => structuredClone(object));
  }

  create(resource: FakeResource, namespace: string | null, body: Obj, manager: string): Obj {
    const name = body.metadata?.name;
    if (!name) throw new FakeApiError(422, 'Invalid', `${resource.kind} has no metadata.name`);
    const key = this.key(resource, namespace, name);
    if (this.entries.has(key)) throw new FakeApiError(409, 'AlreadyExists', `${resource.name} "${name}" already exists`);
    const object = structuredClone(body);
    object.apiVersion = groupVersion(resource);
    object.kind = resource.kind;
    delete object.metadata.resourceVersion;
    if (resource.namespaced) object.metadata.namespace = namespace ?? 'default';
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    object.metadata.generation = 1;
    const entry: Entry = { object, owners: new Map(), applied: new Map() };
    for (const leaf of leaves(object)) entry.owners.set(leaf.join('\u0000'), manager);
    this.entries.set(key, entry);
    this.commit(resource, entry, 'ADDED', manager, 'Update');
    return structuredClone(object);
  }

  /** PUT: the whole object, refused with 409 when its resourceVersion is stale. */
  replace(resource: FakeResource, namespace: string | null, name: string, body: Obj, manager: string): Obj {
    const entry = this.require(resource, namespace, name);
    const sent = body.metadata?.resourceVersion;
    if (sent !== undefined && sent !== entry.object.metadata.resourceVersion) {
      throw new FakeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resource.name} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const next = structuredClone(body);
    next.apiVersion = entry.object.apiVersion;
    next.kind = entry.object.kind;
    next.metadata = { ...next.metadata, ...this.systemMeta(entry.object.metadata) };
    if (entry.object.status !== undefined && next.status === undefined) next.status = entry.object.status;
    return this.update(resource, entry, next, manager, 'Update', leaves(body));
  }

  /** JSON merge patch (RFC 7386). */
  mergePatch(resource: FakeResource, namespace: string | null, name: string, patch: Record<string, unknown>, manager: string): Obj {
    const entry = this.require(resource, namespace, name);
    const next = structuredClone(entry.object);
    const { metadata, ...rest } = patch as { metadata?: Record<string, unknown> };
    mergeInto(next, rest);
    if (metadata) mergeInto(next.metadata, { labels: metadata.labels, annotations: metadata.annotations });
    return this.update(resource, entry, next, manager, 'Update', leaves(patch));
  }

  /**
   * Server-side apply: creates, or sets the applied fields and removes the fields this manager
   * applied before and no longer does. Without force, a field another manager set to another
   * value is a 409 conflict.
   */
  apply(resource: FakeResource, namespace: string | null, name: string, body: Obj, manager: string, force: boolean): Obj {
    const key = this.key(resource, namespace, name);
    const existing = this.entries.get(key);
    if (!existing) {
      const created = this.create(resource, namespace, body, manager);
      const entry = this.entries.get(key)!;
      entry.applied.set(manager, structuredClone(body));
      entry.object.metadata.managedFields = [this.managedEntry(manager, 'Apply', created.apiVersion!)];
      return structuredClone(entry.object);
    }
    const conflicts = leaves(body).filter((leaf) => {
      const owner = existing.owners.get(leaf.join('\u0000'));
      return owner !== undefined && owner !== manager && !isDeepStrictEqual(getAt(existing.object, leaf), getAt(body, leaf));
    });
    if (conflicts.length > 0 && !force) {
      const list = conflicts.map((leaf) => `.${leaf.join('.')} (owned by ${existing.owners.get(leaf.join('\u0000'))})`).join(', ');
      throw new FakeApiError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict(s): ${list}`);
    }
    const next = structuredClone(existing.object);
    const previous = existing.applied.get(manager);
    if (previous) {
      const now = new Set(leaves(body).map((leaf) => leaf.join('\u0000')));
      for (const leaf of leaves(previous)) {
        const id = leaf.join('\u0000');
        if (!now.has(id) && existing.owners.get(id) === manager) deleteAt(next, leaf);
      }
    }
    const { metadata, ...rest } = structuredClone(body);
    mergeInto(next, rest);
    mergeInto(next.metadata, { labels: metadata.labels, annotations: metadata.annotations });
    existing.applied.set(manager, structuredClone(body));
    return this.update(resource, existing, next, manager, 'Apply', leaves(body));
  }

  /** Writes status as a controller would (no generation bump, no ownership). */
  setStatus(resource: FakeResource, namespace: string | null, name: string, status: unknown, manager: string): void {
    const entry = this.entries.get(this.key(resource, namespace, name));
    if (!entry) return;
    const next = structuredClone(entry.object);
    next.status = structuredClone(status);
    this.update(resource, entry, next, manager, 'Update', []);
  }

  remove(resource: FakeResource, namespace: string | null, name: string): Obj {
    const key = this.key(resource, namespace, name);
    const entry = this.require(resource, namespace, name);
    this.entries.delete(key);
    this.version += 1;
    entry.object.metadata.resourceVersion = String(this.version);
    this.emit({ rv: this.version, resource, type: 'DELETED', object: structuredClone(entry.object) });
    return structuredClone(entry.object);
  }

  private require(resource: FakeResource, namespace: string | null, name: string): Entry {
    const entry = this.entries.get(this.key(resource, namespace, name));
    if (!entry) throw new FakeApiError(404, 'NotFound', `${resource.name} "${name}" not found`);
    return entry;
  }

  private systemMeta(meta: Meta): Partial<Meta> {
    return { name: meta.name, namespace: meta.namespace, uid: meta.uid, creationTimestamp: meta.creationTimestamp, generation: meta.generation, resourceVersion: meta.resourceVersion };
  }

  private update(resource: FakeResource, entry: Entry, next: Obj, manager: string, operation: 'Apply' | 'Update', written: string[][]): Obj {
    const strip = (o: Obj) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined, resourceVersion: undefined } });
    if (isDeepStrictEqual(strip(next), strip(entry.object))) return structuredClone(entry.object);
    // Immutable ConfigMaps and Secrets keep their data; metadata may still change.
    if (entry.object.immutable === true && !isDeepStrictEqual(next.data, entry.object.data)) {
      throw new FakeApiError(422, 'Invalid', `${resource.kind} "${entry.object.metadata.name}" is immutable: field is immutable when \`immutable\` is set`);
    }
    if (!isDeepStrictEqual(next.spec, entry.object.spec)) next.metadata.generation = (entry.object.metadata.generation ?? 1) + 1;
    for (const leaf of written) entry.owners.set(leaf.join('\u0000'), manager);
    next.metadata.managedFields = entry.object.metadata.managedFields;
    entry.object = next;
    this.commit(resource, entry, 'MODIFIED', manager, operation);
    return structuredClone(entry.object);
  }

  private managedEntry(manager: string, operation: 'Apply' | 'Update', apiVersion: string) {
    return { manager, operation, apiVersion, time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), fieldsType: 'FieldsV1' as const };
  }

  private commit(resource: FakeResource, entry: Entry, type: WatchEventType, manager: string, operation: 'Apply' | 'Update'): void {
    this.version += 1;
    const meta = entry.object.metadata;
    meta.resourceVersion = String(this.version);
    const others = (meta.managedFields ?? []).filter((m) => !(m.manager === manager && m.operation === operation));
    if (manager !== 'fake-controller') meta.managedFields = [...others, this.managedEntry(manager, operation, entry.object.apiVersion!)];
    this.emit({ rv: this.version, resource, type, object: structuredClone(entry.object) });
  }

  private emit(event: StoredEvent): void {
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }
}
