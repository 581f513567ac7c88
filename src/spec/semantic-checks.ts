// Rules JSON Schema cannot express: unique names, replicas within the project's limit, secrets
// present at apply time. The data is read defensively: these run even when the schema found
// errors elsewhere, so a person sees every problem at once.
import type { DataPath, Finding } from './data-path.ts';
import { isRecord } from './model-paths.ts';
import { defaultLimits, replicaCeiling } from './raw-spec.ts';

/** Model names declared twice; the later declarations are the ones reported. */
export function checkDuplicateNames(models: unknown[], lineOf: (path: DataPath) => number): Finding[] {
  const first = new Map<string, number>();
  const findings: Finding[] = [];
  models.forEach((model, i) => {
    if (!isRecord(model) || typeof model.name !== 'string') return;
    const earlier = first.get(model.name);
    if (earlier === undefined) {
      first.set(model.name, i);
      return;
    }
    findings.push({
      path: ['models', i, 'name'],
      message: `duplicate model name "${model.name}" (models[${earlier}] at line ${lineOf(['models', earlier, 'name'])} has it too); names must be unique`,
    });
  });
  return findings;
}

/** Replicas (in defaults and in each model) above `limits.maxReplicas`. */
export function checkReplicaLimit(spec: Record<string, unknown>, models: unknown[]): Finding[] {
  const limits = isRecord(spec.limits) ? spec.limits : {};
  const max = limits.maxReplicas === undefined ? defaultLimits.maxReplicas : limits.maxReplicas;
  // A bad maxReplicas is the schema's finding; comparing against it would only add noise.
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > replicaCeiling) return [];
  const advice = max < replicaCeiling ? `raise limits.maxReplicas, at most ${replicaCeiling}` : `at most ${replicaCeiling}`;
  const check = (owner: unknown, at: DataPath): Finding[] => {
    if (!isRecord(owner)) return [];
    const replicas = owner.replicas;
    // Above the ceiling, the schema's maximum already says so.
    if (typeof replicas !== 'number' || replicas <= max || replicas > replicaCeiling) return [];
    return [{ path: [...at, 'replicas'], message: `${replicas} is above limits.maxReplicas ${max} (${advice})` }];
  };
  return [...check(spec.defaults, ['defaults']), ...models.flatMap((model, i) => check(model, ['models', i]))];
}

/**
 * `fromEnv` references whose variable is not set (only when `requireSet`, i.e. to apply) or is
 * empty (always, unless the entry says `allowEmpty: true`), reported where they are declared.
 */
export function checkSecretsSet(
  spec: Record<string, unknown>,
  models: unknown[],
  env: Record<string, string | undefined>,
  opts: { requireSet: boolean } = { requireSet: true },
): Finding[] {
  const check = (block: unknown, at: DataPath): Finding[] => {
    if (!isRecord(block)) return [];
    const findings: Finding[] = [];
    for (const [name, value] of Object.entries(block)) {
      if (!isRecord(value) || typeof value.fromEnv !== 'string') continue;
      const present = env[value.fromEnv];
      if (present === undefined && opts.requireSet) {
        findings.push({ path: [...at, name], message: `fromEnv variable ${value.fromEnv} is not set (export it before apply)` });
      } else if (present === '' && value.allowEmpty !== true) {
        findings.push({
          path: [...at, name],
          message: `${value.fromEnv} is empty: the secret is missing in this run (CI passes a missing secret as ''); set it, or write allowEmpty: true if empty is meant`,
        });
      }
    }
    return findings;
  };
  return [...check(spec.env, ['env']), ...models.flatMap((model, i) => (isRecord(model) ? check(model.env, ['models', i, 'env']) : []))];
}
