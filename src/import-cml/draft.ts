// What `slipway import cml` makes of a CML project before it is written out: plain data shared by
// the two readers (an AMP's .project-metadata.yaml, a list of APIv2 requests) and the renderer.
// Paths here are relative to the CML project root (the folder holding the source file).
import type { DataPath } from '../spec/data-path.ts';

/** A variable's value in models.yaml: a literal, or read from the environment when Slipway applies. */
export type EnvDraft = { value: string } | { fromEnv: string };

export type ExampleDraft = { input: unknown; output?: unknown };

/** One model as models.yaml will declare it. */
export type ModelDraft = {
  name: string;
  description: string;
  file: string;
  function: string;
  runtime: 'python3' | 'r';
  examples: ExampleDraft[];
  replicas?: number;
  cpu?: number | string;
  memory?: string;
  gpu?: number;
  env: Record<string, EnvDraft>;
  auth?: boolean;
  /** Build context other than the project root (APIv2's model_root_dir). */
  context?: string;
  /** Build script other than the default (APIv2's build_script_path). */
  script?: string;
};

/** Something of the source that models.yaml does not carry, and why: listed, never dropped silently. */
export type ImportNote = { subject: string; reason: string };

export type Translation = {
  /** Human name of the source format, for the header. */
  format: string;
  project: string;
  /** The project's own name as the source gives it, when it has one. */
  projectTitle: string | null;
  env: Record<string, EnvDraft>;
  models: ModelDraft[];
  notes: ImportNote[];
};

/** A problem with the input, at a data path the reader turns into line:column. */
export type ImportProblem = { path: DataPath; message: string };

export type Translated = { ok: true; translation: Translation } | { ok: false; problems: ImportProblem[] };

/** What the translators need to know about the project's files, gathered by the caller. */
export type ProjectFacts = {
  /** Name for the project when the source has none (the project folder's name). */
  folderName: string;
  /** Whether `cdsw-build.sh` exists at the project root. */
  hasBuildScript: boolean;
};

/** Largest replica count models.yaml accepts (limits.maxReplicas at most). */
export const MAX_REPLICAS = 199;

/**
 * A DNS-1123 label from a CML name (`Churn Model API Endpoint` → `churn-model-api-endpoint`):
 * lowercase, runs of other characters become one '-', at most 63 characters; `fallback` if empty.
 */
export function dnsLabel(name: string, fallback: string): string {
  const label = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label === '' ? fallback : label;
}

/** `base`, or `base-2`, `base-3`… : the first not yet in `taken` (which it is then added to). */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) {
    const suffix = `-${n}`;
    name = `${base.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
  }
  taken.add(name);
  return name;
}

const quantity = /^([0-9]+(\.[0-9]+)?|\.[0-9]+)([eE][0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const plainNumber = /^([0-9]+(\.[0-9]+)?|\.[0-9]+)$/;

/**
 * CML memory (a number of GB, as CML's forms and APIs take it) as a Kubernetes quantity: whole
 * numbers in Gi, fractions in Mi (0.5 → 512Mi). A string that already has a unit is kept.
 */
export function memoryQuantity(value: unknown): { ok: true; value: string } | { ok: false; message: string } {
  let gb: number;
  if (typeof value === 'number') gb = value;
  else if (typeof value === 'string' && plainNumber.test(value.trim())) gb = Number(value.trim());
  else if (typeof value === 'string' && quantity.test(value.trim())) return { ok: true, value: value.trim() };
  else return { ok: false, message: `memory must be a number of GB (CML's unit, e.g. 2) or a quantity like 2Gi, got ${JSON.stringify(value)}` };
  if (!(gb > 0) || !Number.isFinite(gb)) return { ok: false, message: `memory must be more than 0 GB, got ${JSON.stringify(value)}` };
  if (Number.isInteger(gb)) return { ok: true, value: `${gb}Gi` };
  return { ok: true, value: `${Math.max(1, Math.round(gb * 1024))}Mi` };
}

/** A number of CPUs (CML's unit, fractions allowed) as models.yaml takes it. */
export function cpuQuantity(value: unknown): { ok: true; value: number | string } | { ok: false; message: string } {
  if (typeof value === 'number' && value > 0 && Number.isFinite(value)) return { ok: true, value };
  if (typeof value === 'string' && /^([0-9]+(\.[0-9]+)?|\.[0-9]+)m?$/.test(value.trim()) && parseFloat(value) > 0) {
    const text = value.trim();
    return { ok: true, value: text.endsWith('m') ? text : Number(text) };
  }
  return { ok: false, message: `cpu must be a number of CPUs more than 0 (e.g. 1 or 0.5), got ${JSON.stringify(value)}` };
}

/** A whole number of GPUs, 0 or more. */
export function gpuCount(value: unknown): { ok: true; value: number } | { ok: false; message: string } {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return { ok: true, value: n };
  return { ok: false, message: `the number of GPUs must be a whole number, 0 or more, got ${JSON.stringify(value)}` };
}

/** A replica count, 1 to MAX_REPLICAS. */
export function replicaCount(value: unknown): { ok: true; value: number } | { ok: false; message: string } {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_REPLICAS) return { ok: true, value: n };
  return { ok: false, message: `replicas must be a whole number from 1 to ${MAX_REPLICAS}, got ${JSON.stringify(value)}` };
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `name` can be an environment variable's name in models.yaml. */
export function isEnvName(name: string): boolean {
  return envName.test(name);
}

/**
 * An environment value as a string. The reader has already turned unquoted YAML scalars into the
 * text written (`False` stays `False`), so only JSON input can still bring numbers or booleans.
 */
export function envText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** Joins project-relative paths with '/', dropping `.` segments and a leading `./`. */
export function projectPath(...parts: string[]): string {
  const segments = parts.join('/').split('/').filter((s) => s !== '' && s !== '.');
  return segments.length === 0 ? '.' : segments.join('/');
}

/**
 * The runtime of a CML kernel or runtime identifier (else of the file's extension), or null when
 * Slipway has none for it.
 */
export function runtimeOf(kernel: string | null, runtimeIdentifier: string | null, file: string | null): 'python3' | 'r' | null {
  const k = (kernel ?? '').trim().toLowerCase();
  if (k !== '') {
    if (k === 'python3' || /^python ?3(\.\d+)*$/.test(k)) return 'python3';
    if (k === 'r' || /^r ?4(\.\d+)*$/.test(k)) return 'r';
    return null;
  }
  const id = (runtimeIdentifier ?? '').toLowerCase();
  if (id !== '') return /-r\d|workbench-r|jupyterlab-r|[/-]r-/.test(id) ? 'r' : 'python3';
  return file !== null && /\.r$/i.test(file) ? 'r' : 'python3';
}
