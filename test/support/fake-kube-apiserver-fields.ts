// Field sets of the fake Kubernetes API server's server-side apply, after
// https://kubernetes.io/docs/reference/using-api/server-side-apply/#merge-strategy : maps merge key
// by key, lists marked `x-kubernetes-list-type: map` merge element by element on their merge key
// (containers and env by `name`, container ports by `containerPort`, Service ports by `port`...),
// other lists are atomic and replaced whole. A field is a path of segments as managedFields'
// FieldsV1 writes them: `f:<field>` for a map key, `k:{"name":"x"}` for a keyed list element, and
// `.` for the element itself (its existence is owned like a field).

export type Segment = string;
export type FieldPath = Segment[];

/** Merge keys of the associative lists the fake knows, by field name (the schemas' patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
};

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The merge key of list `field` holding `items`, or null when the list is atomic. */
export function mergeKeyOf(field: string, items: unknown[]): string | null {
  if (field === 'ports') {
    // Container ports merge on containerPort, a Service's on port.
    if (items.length > 0 && items.every((i) => isMap(i) && 'containerPort' in i)) return 'containerPort';
    if (items.length > 0 && items.every((i) => isMap(i) && 'port' in i)) return 'port';
    return null;
  }
  return MERGE_KEYS[field] ?? null;
}

function keySegment(key: string, item: Json): Segment {
  return `k:${JSON.stringify({ [key]: item[key] })}`;
}

/** Every owned field of `object`: leaves, and keyed list elements' `.`; status and system metadata excluded. */
export function fieldSet(object: Json): Map<string, FieldPath> {
  const out = new Map<string, FieldPath>();
  const add = (path: FieldPath): void => void out.set(JSON.stringify(path), path);
  const walk = (value: unknown, path: FieldPath, field: string): void => {
    if (Array.isArray(value)) {
      const key = mergeKeyOf(field, value);
      if (key === null || value.length === 0 || !value.every((i) => isMap(i) && key in i)) return add(path);
      for (const item of value as Json[]) {
        const at = [...path, keySegment(key, item)];
        add([...at, '.']);
        for (const [k, v] of Object.entries(item)) walk(v, [...at, `f:${k}`], k);
      }
      return;
    }
    if (!isMap(value) || Object.keys(value).length === 0) return add(path);
    for (const [k, v] of Object.entries(value)) walk(v, [...path, `f:${k}`], k);
  };
  for (const [key, value] of Object.entries(object)) {
    if (['apiVersion', 'kind', 'status'].includes(key)) continue;
    if (key === 'metadata') {
      const meta = value as Json;
      for (const part of ['labels', 'annotations'] as const) {
        if (isMap(meta[part])) for (const k of Object.keys(meta[part])) add(['f:metadata', `f:${part}`, `f:${k}`]);
      }
      continue;
    }
    walk(value, [`f:${key}`], key);
  }
  return out;
}

/** The value at `path` (the element itself for `.`), or undefined. */
export function valueAt(object: unknown, path: FieldPath): unknown {
  let node = object;
  for (const segment of path) {
    if (segment === '.') return node;
    if (segment.startsWith('f:')) node = isMap(node) ? node[segment.slice(2)] : undefined;
    else node = Array.isArray(node) ? node.find((item) => matchesKey(item, segment)) : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

function matchesKey(item: unknown, segment: Segment): boolean {
  const wanted = JSON.parse(segment.slice(2)) as Json;
  return isMap(item) && Object.entries(wanted).every(([k, v]) => item[k] === v);
}

/** Removes the field at `path` (the whole element for `.`), pruning maps it empties. */
export function removeAt(object: Json, path: FieldPath): void {
  const parents: unknown[] = [object];
  const steps = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  for (const segment of steps.slice(0, -1)) {
    const next = valueAt(parents[parents.length - 1], [segment]);
    if (next === undefined || next === null || typeof next !== 'object') return;
    parents.push(next);
  }
  const last = steps[steps.length - 1];
  const container = parents[parents.length - 1];
  if (last.startsWith('f:') && isMap(container)) delete container[last.slice(2)];
  else if (last.startsWith('k:') && Array.isArray(container)) {
    const index = container.findIndex((item) => matchesKey(item, last));
    if (index >= 0) container.splice(index, 1);
  }
  // Emptied maps go too, as the API prunes them (lists stay, possibly empty).
  for (let i = parents.length - 1; i > 0; i--) {
    const node = parents[i];
    if (!isMap(node) || Object.keys(node).length > 0) break;
    removeAt(object, steps.slice(0, i));
  }
}

/** Merges an applied configuration into `live`: maps by key, associative lists by merge key. */
export function mergeApplied(live: Json, applied: Json): void {
  for (const [key, value] of Object.entries(applied)) {
    if (value === undefined) continue;
    const current = live[key];
    if (isMap(value) && isMap(current)) mergeApplied(current, value);
    else if (Array.isArray(value) && Array.isArray(current) && mergeKeyOf(key, value) !== null && mergeKeyOf(key, current) === mergeKeyOf(key, value)) {
      const mergeKey = mergeKeyOf(key, value)!;
      for (const item of value as Json[]) {
        const existing = (current as Json[]).find((c) => isMap(c) && c[mergeKey] === item[mergeKey]);
        if (existing) mergeApplied(existing, item);
        else current.push(structuredClone(item));
      }
    } else live[key] = structuredClone(value);
  }
}

/** A set of paths as managedFields' `fieldsV1` writes it. */
export function toFieldsV1(paths: FieldPath[]): Json {
  const root: Json = {};
  for (const path of paths) {
    let node = root;
    for (const segment of path) node = (node[segment] ??= {}) as Json;
  }
  return root;
}

/** `.spec.template.spec.containers[name="model"].image`, as the API's conflict messages print a field. */
export function printPath(path: FieldPath): string {
  return path.map((s) => {
    if (s === '.') return '';
    if (s.startsWith('f:')) return `.${s.slice(2)}`;
    const [[k, v]] = Object.entries(JSON.parse(s.slice(2)) as Json);
    return `[${k}=${JSON.stringify(v)}]`;
  }).join('');
}
