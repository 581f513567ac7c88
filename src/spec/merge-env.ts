// Environment variables of a deployment: global < project < model, the later layer winning per
// variable. Secrets (`{fromEnv: NAME}`) stay references; only a digest of their value is kept, so a
// plan can tell that a secret changed without ever holding it.
import type { EnvValue, Spec } from './types.ts';

/** An env entry as written in models.yaml. */
export type RawEnvValue = string | { fromEnv: string; allowEmpty?: boolean };

/** How to resolve `fromEnv` references: the environment at load time and an optional digest. */
export type SecretSource = {
  env: Record<string, string | undefined>;
  /** Called with the referenced variable's name and value when it is set. */
  digest?: (name: string, value: string) => string;
};

/** Turns models.yaml env entries into EnvValues, digesting the secrets that are set. */
export function toEnvValues(raw: Record<string, RawEnvValue> | undefined, secrets: SecretSource): Record<string, EnvValue> {
  const out: Record<string, EnvValue> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (typeof value === 'string') {
      setOwn(out, name, { value });
      continue;
    }
    setOwn(out, name, secretRef(value.fromEnv, secrets, value.allowEmpty === true));
  }
  return out;
}

/**
 * A `fromEnv` reference, with the digest of its value when the variable is set and a digest is
 * known. Empty counts as not set (GitHub passes a missing secret as ''), unless `allowEmpty`: an
 * empty secret must never show as a change, nor be deployed.
 */
function secretRef(fromEnv: string, secrets: SecretSource, allowEmpty: boolean): EnvValue {
  const present = secrets.env[fromEnv];
  const ref: EnvValue = allowEmpty ? { fromEnv, allowEmpty: true } : { fromEnv };
  const set = present !== undefined && (present !== '' || allowEmpty);
  return set && secrets.digest !== undefined ? { ...ref, digest: secrets.digest(fromEnv, present) } : ref;
}

/**
 * `spec` with every secret that is set digested by `secrets.digest` instead (no digests without
 * one): for a target whose digest key is known only once the target is (a cluster keeps its own;
 * see kubernetes/digest-key.ts).
 */
export function withSecretDigests(spec: Spec, secrets: SecretSource): Spec {
  const models = spec.models.map((model) => {
    const env: Record<string, EnvValue> = {};
    for (const [name, value] of Object.entries(model.serving.env)) setOwn(env, name, 'fromEnv' in value ? secretRef(value.fromEnv, secrets, value.allowEmpty === true) : value);
    return { ...model, serving: { ...model.serving, env } };
  });
  return { ...spec, models };
}

/** Plain `NAME=value` pairs (the global env) as EnvValues. */
export function literalEnv(values: Record<string, string> | undefined): Record<string, EnvValue> {
  const out: Record<string, EnvValue> = {};
  for (const [name, value] of Object.entries(values ?? {})) setOwn(out, name, { value });
  return out;
}

/**
 * Merges env layers from lowest to highest precedence (global, project, model). Keys come out
 * sorted, so equal envs serialize equally whatever order they were written in.
 */
export function mergeEnv(...layers: Array<Record<string, EnvValue> | undefined>): Record<string, EnvValue> {
  const merged = new Map<string, EnvValue>();
  for (const layer of layers) for (const [name, value] of Object.entries(layer ?? {})) merged.set(name, value);
  const sorted: Record<string, EnvValue> = {};
  for (const name of [...merged.keys()].sort()) setOwn(sorted, name, merged.get(name) as EnvValue);
  return sorted;
}

// `__proto__` is a valid variable name; plain assignment would change the object's prototype.
function setOwn(target: Record<string, EnvValue>, name: string, value: EnvValue): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}
