// The build key itself: a hash of a canonical document, so the same inputs give the same key on
// every machine and in every process, whatever order they were gathered in.
import { createHash } from 'node:crypto';
import type { KeyInputs, ManifestEntry } from './types.ts';

/** Orders repository paths the same way everywhere (UTF-16 code units, as `<` does). */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON with object keys sorted at every depth and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const fields = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort(comparePaths)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${fields.join(',')}}`;
}

/** The build key of `inputs`: sha256 (hex) of their canonical JSON, files sorted by path. */
export function keyOf(inputs: KeyInputs): string {
  const entry = (e: ManifestEntry): ManifestEntry => ({ path: e.path, blob: e.blob });
  const canonical: KeyInputs = {
    ...inputs,
    files: inputs.files.map(entry).sort((a, b) => comparePaths(a.path, b.path)),
    requirements: inputs.requirements && entry(inputs.requirements),
    script: inputs.script && entry(inputs.script),
  };
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex');
}
