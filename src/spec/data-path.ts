// Data paths name a place in models.yaml the way a person reads it: `models[1].env.API_TOKEN`.

/** A data path as segments: keys of mappings and indices of lists. */
export type DataPath = Array<string | number>;

/** Formats a data path as `models[1].replicas`; keys that are not plain names are quoted. */
export function formatPath(path: DataPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Turns an ajv instance path (`/models/1/replicas`) into segments, numbers for list indices. */
export function fromJsonPointer(pointer: string, data: unknown): DataPath {
  if (pointer === '') return [];
  const path: DataPath = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(node) ? Number(key) : key;
    path.push(segment);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return path;
}

/** A problem at a data path, before it is given a position in the file. */
export type Finding = {
  path: DataPath;
  message: string;
  /** Point at the key rather than its value (an unknown key, a bad variable name). */
  onKey?: boolean;
};
