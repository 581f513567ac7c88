// A deployment's variables as its replicas see them: literals as written, fromEnv secrets read
// from the environment of the apply that deploys them.
import type { EnvValue } from '../../spec/types.ts';

/** Resolved variables (and the values of the secrets among them, to mask in logs), or the names of secrets that are not set. */
export function resolveEnv(
  env: Record<string, EnvValue>,
  source: Record<string, string | undefined>,
): { ok: true; env: Record<string, string>; secrets: string[] } | { ok: false; missing: string[] } {
  const resolved: Record<string, string> = {};
  const secrets: string[] = [];
  const missing: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if ('value' in value) {
      resolved[name] = value.value;
      continue;
    }
    const secret = source[value.fromEnv];
    if (secret === undefined) missing.push(value.fromEnv);
    else {
      resolved[name] = secret;
      secrets.push(secret);
    }
  }
  return missing.length > 0 ? { ok: false, missing } : { ok: true, env: resolved, secrets };
}
