// The object store of the fake Kubernetes API server: resourceVersions, generations, field
// ownership for server-side apply, label and field selectors, and watch events. Written against
// https://kubernetes.io/docs/reference/using-api/server-side-apply/ and api-concepts: ownership per
// field and per manager (see fake-kube-apiserver-fields.ts for the merge strategy), shared when two
// managers set the same value, taken by an Update for the fields whose value it changed.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { fieldSet, mergeApplied, printPath, removeAt, toFieldsV1, valueAt, type FieldPath } from './fake-kube-apiserver-fields.ts';
import { validateObject, validateUpdate } from './fake-kube-apiserver-validation.ts';
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
  managedFields?: { manager: string; operation: 'Apply' | 'Update'; apiVersion: string; time: string; fieldsType: 'FieldsV1'; fieldsV1: Record<string, unknown> }[];
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

/** A field manager as managedFields tells them apart: its name and its operation. */
type ManagerKey = string;
const managerKey = (manager: string, operation: 'Apply' | 'Update'): ManagerKey => `${manager}\u0000${operation}`;
type Entry = { object: Obj; owners: Map<string, Set<ManagerKey>>; paths: Map<string, FieldPath> };

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

  /** Events before this resourceVersion were compacted: a watch from an older one gets 410 Gone. */
  compactedBelow = 0;

  /** Forgets the event history, as etcd compaction does (https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses). */
  compact(): void {
    this.compactedBelow = this.version;
  }

  create(resource: FakeResource, namespace: string | null, body: Obj, manager: string, operation: 'Apply' | 'Update' = 'Update'): Obj {
    const name = body.metadata?.name;
    if (!name) throw new FakeApiError(422, 'Invalid', `${resource.kind} has no metadata.name`);
    const key = this.key(resource, namespace, name);
    if (this.entries.has(key)) throw new FakeApiError(409, 'AlreadyExists', `${resource.name} "${name}" already exists`);
    const object = structuredClone(body);
    object.apiVersion = groupVersion(resource);
    object.kind = resource.kind;
    delete object.metadata.resourceVersion;
    delete object.metadata.managedFields;
    if (resource.namespaced) object.metadata.namespace = namespace ?? 'default';
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    object.metadata.generation = 1;
    validateObject(resource, object);
    const entry: Entry = { object, owners: new Map(), paths: new Map() };
    const who = managerKey(manager, operation);
    for (const [id, path] of fieldSet(object)) {
      entry.owners.set(id, new Set([who]));
      entry.paths.set(id, path);
    }
    this.entries.set(key, entry);
    this.commit(resource, entry, 'ADDED', who);
    return structuredClone(object);
  }

  /** PUT: the whole object, refused with 409 when its resourceVersion is stale; status is kept (it has its own subresource). */
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
    delete next.status;
    if (entry.object.status !== undefined) next.status = entry.object.status;
    return this.update(resource, entry, next, managerKey(manager, 'Update'));
  }

  /** JSON merge patch (RFC 7386). */
  mergePatch(resource: FakeResource, namespace: string | null, name: string, patch: Record<string, unknown>, manager: string): Obj {
    const entry = this.require(resource, namespace, name);
    // A resourceVersion in the patch is a precondition, as on a real API server: 409 when stale.
    const sent = (patch as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
    if (sent !== undefined && sent !== entry.object.metadata.resourceVersion) {
      throw new FakeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resource.name} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const next = structuredClone(entry.object);
    const { metadata, ...rest } = patch as { metadata?: Record<string, unknown> };
    mergeInto(next, rest);
    if (metadata) mergeInto(next.metadata, { labels: metadata.labels, annotations: metadata.annotations });
    return this.update(resource, entry, next, managerKey(manager, 'Update'));
  }

  /** An Update by another client that changes the object as `mutate` does (what `kubectl set image/env` amount to). */
  updateWith(resource: FakeResource, namespace: string | null, name: string, mutate: (object: Obj) => void, manager: string): Obj {
    const entry = this.require(resource, namespace, name);
    const next = structuredClone(entry.object);
    mutate(next);
    return this.update(resource, entry, next, managerKey(manager, 'Update'));
  }

  /**
   * Server-side apply: creates, or merges the applied configuration (maps by key, associative lists
   * by merge key). Fields this manager applied before and no longer does are removed unless another
   * manager owns them too. Without force, a field another manager owns with another value is a 409
   * conflict; with force, the applier takes it over.
   */
  apply(resource: FakeResource, namespace: string | null, name: string, body: Obj, manager: string, force: boolean): Obj {
    const existing = this.entries.get(this.key(resource, namespace, name));
    if (!existing) return this.create(resource, namespace, body, manager, 'Apply');
    const who = managerKey(manager, 'Apply');
    const applied = fieldSet(body);
    const conflicts: string[] = [];
    for (const [id, path] of applied) {
      const others = [...(existing.owners.get(id) ?? [])].filter((o) => o !== who);
      if (others.length === 0 || path[path.length - 1] === '.') continue;
      if (isDeepStrictEqual(valueAt(existing.object, path), valueAt(body, path))) continue;
      conflicts.push(...others.map((o) => `conflict with "${o.split('\u0000')[0]}": ${printPath(path)}`));
      if (force) existing.owners.set(id, new Set([...existing.owners.get(id)!].filter((o) => o === who)));
    }
    if (conflicts.length > 0 && !force) {
      throw new FakeApiError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.join('; ')}`);
    }
    const next = structuredClone(existing.object);
    const released: FieldPath[] = [];
    for (const [id, owners] of existing.owners) {
      if (!owners.has(who) || applied.has(id)) continue;
      owners.delete(who);
      if (owners.size === 0) released.push(existing.paths.get(id)!);
    }
    // Leaves before the elements holding them; an element another manager still has fields in stays.
    for (const path of released.sort((a, b) => b.length - a.length)) {
      if (path[path.length - 1] === '.') {
        const prefix = JSON.stringify(path.slice(0, -1)).slice(0, -1);
        const held = [...existing.owners].some(([id, owners]) => owners.size > 0 && id.startsWith(prefix) && id !== JSON.stringify(path));
        if (held) continue;
      }
      removeAt(next, path);
    }
    const { metadata, status: _ignored, ...rest } = structuredClone(body);
    mergeApplied(next, rest);
    mergeApplied(next.metadata, { labels: metadata.labels, annotations: metadata.annotations });
    return this.update(resource, existing, next, who, applied);
  }

  /** The status subresource: only status changes (no generation bump, no field ownership). */
  setStatus(resource: FakeResource, namespace: string | null, name: string, status: unknown, manager: string): Obj | null {
    const entry = this.entries.get(this.key(resource, namespace, name));
    if (!entry) return null;
    const next = structuredClone(entry.object);
    next.status = structuredClone(status);
    return this.update(resource, entry, next, managerKey(manager, 'Update'));
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
    return { name: meta.name, namespace: meta.namespace, uid: meta.uid, creationTimestamp: meta.creationTimestamp, generation: meta.generation, resourceVersion: meta.resourceVersion, managedFields: meta.managedFields };
  }

  /**
   * Stores `next`: the writer takes the fields whose value it changed (an Update) or that it
   * applied (`claimed`, an Apply); fields gone from the object have no owner left.
   */
  private update(resource: FakeResource, entry: Entry, next: Obj, who: ManagerKey, claimed?: Map<string, FieldPath>): Obj {
    next.metadata.managedFields = entry.object.metadata.managedFields;
    const ownersBefore = JSON.stringify([...entry.owners].map(([id, o]) => [id, [...o].sort()]));
    const strip = (o: Obj) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined, resourceVersion: undefined } });
    const unchanged = isDeepStrictEqual(strip(next), strip(entry.object));
    if (!unchanged) {
      validateObject(resource, next);
      validateUpdate(resource, entry.object, next);
    }
    const owners = new Map([...entry.owners].map(([id, o]) => [id, new Set(o)]));
    const paths = new Map(entry.paths);
    const before = fieldSet(entry.object);
    const after = fieldSet(next);
    for (const id of before.keys()) {
      if (!after.has(id)) {
        owners.delete(id);
        paths.delete(id);
      }
    }
    for (const [id, path] of after) {
      const changed = path[path.length - 1] === '.' ? !before.has(id) : !before.has(id) || !isDeepStrictEqual(valueAt(entry.object, path), valueAt(next, path));
      if (changed) owners.set(id, new Set([who]));
      if (claimed?.has(id)) owners.set(id, new Set([...(owners.get(id) ?? []), who]));
      paths.set(id, path);
    }
    for (const [id, o] of owners) if (o.size === 0) owners.delete(id);
    const ownersAfter = JSON.stringify([...owners].map(([id, o]) => [id, [...o].sort()]));
    if (unchanged && ownersBefore === ownersAfter) return structuredClone(entry.object);
    if (!isDeepStrictEqual(next.spec, entry.object.spec)) next.metadata.generation = (entry.object.metadata.generation ?? 1) + 1;
    entry.owners = owners;
    entry.paths = paths;
    entry.object = next;
    this.commit(resource, entry, 'MODIFIED', who);
    return structuredClone(entry.object);
  }

  /** managedFields from the owners: one entry per manager and operation, with its fieldsV1. */
  private managedFields(entry: Entry, who: ManagerKey): NonNullable<Meta['managedFields']> {
    const byManager = new Map<ManagerKey, FieldPath[]>();
    for (const previous of entry.object.metadata.managedFields ?? []) byManager.set(managerKey(previous.manager, previous.operation), []);
    for (const [id, owners] of entry.owners) for (const o of owners) (byManager.get(o) ?? byManager.set(o, []).get(o)!).push(entry.paths.get(id)!);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    return [...byManager].filter(([, fields]) => fields.length > 0).map(([key, fields]) => {
      const [manager, operation] = key.split('\u0000') as [string, 'Apply' | 'Update'];
      const old = entry.object.metadata.managedFields?.find((m) => m.manager === manager && m.operation === operation);
      return { manager, operation, apiVersion: entry.object.apiVersion!, time: key === who || !old ? now : old.time, fieldsType: 'FieldsV1' as const, fieldsV1: toFieldsV1(fields) };
    });
  }

  private commit(resource: FakeResource, entry: Entry, type: WatchEventType, who: ManagerKey): void {
    this.version += 1;
    const meta = entry.object.metadata;
    meta.resourceVersion = String(this.version);
    meta.managedFields = this.managedFields(entry, who);
    this.emit({ rv: this.version, resource, type, object: structuredClone(entry.object) });
  }

  private emit(event: StoredEvent): void {
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }
}
