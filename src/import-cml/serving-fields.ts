// The serving settings CML spells the same way in an AMP and in APIv2 (cpu, memory in GB, GPUs,
// replicas, environment variables), read into a ModelDraft with problems at their data paths.
import type { DataPath } from '../spec/data-path.ts';
import { cpuQuantity, envText, gpuCount, isEnvName, memoryQuantity, replicaCount } from './draft.ts';
import type { ImportProblem, ModelDraft } from './draft.ts';

/** A value and where it was written, so a problem can point at it. */
export type Located = { value: unknown; at: DataPath };

/** Sets cpu / memory / gpu / replicas on `model` from the values given (absent ones are skipped). */
export function applyResources(
  model: ModelDraft,
  fields: { cpu?: Located; memory?: Located; gpu?: Located; replicas?: Located },
  problems: ImportProblem[],
): void {
  const take = <T>(field: Located | undefined, read: (v: unknown) => { ok: true; value: T } | { ok: false; message: string }, set: (v: T) => void): void => {
    if (field === undefined || field.value === undefined || field.value === null) return;
    const parsed = read(field.value);
    if (parsed.ok) set(parsed.value);
    else problems.push({ path: field.at, message: parsed.message });
  };
  take(fields.cpu, cpuQuantity, (v) => (model.cpu = v));
  take(fields.memory, memoryQuantity, (v) => (model.memory = v));
  take(fields.gpu, gpuCount, (v) => {
    if (v > 0) model.gpu = v;
  });
  take(fields.replicas, replicaCount, (v) => (model.replicas = v));
}

/**
 * Adds a mapping of variables (`NAME: value`) to the model's env; later calls override earlier
 * ones, as a deployment's variables override a build's in CML.
 */
export function applyEnv(model: ModelDraft, env: Located, problems: ImportProblem[]): void {
  let value = env.value;
  if (value === undefined || value === null) return;
  // CML's first API took the environment as a JSON string.
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      problems.push({ path: env.at, message: 'environment must be a mapping of NAME: value (or a JSON object in a string)' });
      return;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ path: env.at, message: 'environment variables must be a mapping of NAME: value' });
    return;
  }
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    if (!isEnvName(name)) {
      problems.push({ path: [...env.at, name], message: `${JSON.stringify(name)} is not a valid variable name (letters, digits and '_', not starting with a digit)` });
      continue;
    }
    // Some AMPs write a model's variables in the top-level form, {default: ...}.
    const text = envText(isRecord(raw) && 'default' in raw ? raw.default : raw);
    if (text === null) {
      problems.push({ path: [...env.at, name], message: `the value of ${name} must be a string, a number or a boolean` });
      continue;
    }
    model.env[name] = { value: text };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field's value when it is a non-empty string, else null. */
export function stringField(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** The model's description: its CML name, kept since the name had to become DNS-safe, and its text. */
export function describe(original: string, description: string | null): string {
  if (description === null || description === original) return original;
  return `${original}: ${description}`;
}
