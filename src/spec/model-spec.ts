// Builds a ModelSpec from a schema-valid model entry: defaults applied, env merged, paths resolved.
import type { ModelPaths } from './model-paths.ts';
import { rolloutPolicy } from './rollout-policy.ts';
import type { RawModel, RawResources, RawServing } from './raw-spec.ts';
import { modelContract } from '../contract/model-contract.ts';
import type { Contract, EnvValue, Example, Limits, ModelSpec, Position, Resources } from './types.ts';

export type ModelInputs = {
  raw: RawModel;
  defaults: RawServing;
  limits: Limits;
  paths: ModelPaths;
  /** The merged env (global < project < model). */
  env: Record<string, EnvValue>;
  position: Position;
};

/** A model's desired state: its own settings, else `defaults`, else Slipway's defaults. */
export function buildModelSpec({ raw, defaults, limits, paths, env, position }: ModelInputs): ModelSpec {
  const examples = [...(raw.example === undefined ? [] : [raw.example]), ...(raw.examples ?? [])].map(toExample);
  return {
    name: raw.name,
    description: raw.description ?? '',
    file: paths.file,
    function: raw.function,
    runtime: raw.runtime ?? defaults.runtime ?? 'python3',
    examples,
    build: paths.build,
    serving: {
      replicas: raw.replicas ?? defaults.replicas ?? 1,
      resources: resources(raw.resources, defaults.resources),
      env,
      concurrency: raw.concurrency ?? defaults.concurrency ?? 1,
      timeoutSeconds: raw.timeoutSeconds ?? defaults.timeoutSeconds ?? 30,
      busyTimeoutSeconds: raw.busyTimeoutSeconds ?? defaults.busyTimeoutSeconds ?? 30,
      auth: raw.auth ?? defaults.auth ?? true,
      maxRequestBytes: limits.maxRequestBytes,
      // Absent means rolling; see Serving.rollout.
      ...((raw.rollout ?? defaults.rollout) === 'recreate' ? { rollout: 'recreate' as const } : {}),
      ...contractOf(raw, examples),
      ...(raw.sandbox ? { sandbox: { ...(raw.sandbox.network === undefined ? {} : { network: raw.sandbox.network }), paths: raw.sandbox.paths ?? [] } } : {}),
    },
    state: raw.state ?? 'running',
    ...(raw.gate === false ? { gate: false as const } : {}),
    ...(raw.capture ? {
      capture: { sample: raw.capture.sample, maxPerDay: raw.capture.maxPerDay ?? 10_000, retentionDays: raw.capture.retentionDays ?? 14, redact: raw.capture.redact ?? [] },
    } : {}),
    ...(paths.replay === undefined ? {} : { replay: paths.replay }),
    ...(rolloutPolicy(raw.rollout) ? { rolloutPolicy: rolloutPolicy(raw.rollout) } : {}),
    ...(raw.diff ? { diff: { ...raw.diff } } : {}),
    ...(raw.latencyBudget ? {
      latencyBudget: {
        ...(raw.latencyBudget.p95 === undefined ? {} : { p95Ms: latencyMs(raw.latencyBudget.p95) }),
        ...(raw.latencyBudget.maxSlowdown === undefined ? {} : { maxSlowdown: raw.latencyBudget.maxSlowdown }),
      },
    } : {}),
    position,
  };
}

// Each resource falls back on its own, so `defaults` can set memory while a model sets cpu.
function resources(own: RawResources | undefined, fallback: RawResources | undefined): Resources {
  const quantity = (value: string | number | undefined): string | null => (value === undefined ? null : String(value));
  return {
    cpu: quantity(own?.cpu ?? fallback?.cpu),
    memory: quantity(own?.memory ?? fallback?.memory),
    gpu: own?.gpu ?? fallback?.gpu ?? 0,
  };
}

function toExample(raw: { input: unknown; output?: unknown; tolerance?: number }): Example {
  const example: Example = { input: raw.input };
  if ('output' in raw) example.output = raw.output;
  if (raw.tolerance !== undefined) example.tolerance = raw.tolerance;
  return example;
}

function contractOf(raw: RawModel, examples: Example[]): { contract?: Contract } {
  const contract = modelContract(examples, raw.schema, raw.validateInput === true);
  return contract === null ? {} : { contract };
}

/** "50ms" or "0.2s" (the schema's `latency` pattern) in milliseconds. */
function latencyMs(text: string): number {
  return text.endsWith('ms') ? Number(text.slice(0, -2)) : Number(text.slice(0, -1)) * 1000;
}
