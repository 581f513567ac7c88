// The serving hash identifies a deployment's serving settings. The store records it, backends
// label live replicas with it, and the plan compares it to spot settings changed by hand.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../source/key-of.ts';
import type { EnvValue, Serving } from '../spec/types.ts';

/**
 * The sha256 (hex) of the canonical JSON of `serving`: keys sorted at every level, so two equal
 * settings hash the same whatever order they were written in. A `fromEnv` variable contributes its
 * name and digest (null when unknown), never a value: the Serving never holds one.
 */
export function servingHash(serving: Serving): string {
  const env: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(serving.env)) env[name] = hashableEnv(value);
  // A contract only changes how the deployment serves when it validates input; otherwise it is
  // description (OpenAPI), and editing examples must not redeploy (see Serving.contract).
  const { contract, ...rest } = serving;
  const hashable = contract?.validateInput === true ? { ...rest, contract, env } : { ...rest, env };
  return createHash('sha256').update(canonicalJson(hashable)).digest('hex');
}

function hashableEnv(value: EnvValue): unknown {
  if ('fromEnv' in value) return { fromEnv: value.fromEnv, digest: value.digest ?? null };
  return { value: value.value };
}
