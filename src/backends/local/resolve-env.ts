// A deployment's variables as its replicas see them: literals as written, fromEnv secrets read
// from the environment of the apply that deploys them.
import type { EnvValue } from '../../spec/types.ts';

export type ResolvedEnv =
  | { ok: true; env: Record<string, string>; secrets: string[] }
  | { ok: false; missing: string[]; empty: string[] };

/**
 * Resolved variables (and the values of the secrets among them, to mask in logs), or the names of
 * secrets that are not set (`missing`) or empty (`empty`: GitHub passes a missing secret as '',
 * which is never deployed unless `allowEmpty`).
 */
export function resolveEnv(env: Record<string, EnvValue>, source: Record<string, string | undefined>): ResolvedEnv {
  const resolved: Record<string, string> = {};
  const secrets: string[] = [];
  const missing: string[] = [];
  const empty: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if ('value' in value) {
      resolved[name] = value.value;
      continue;
    }
    const secret = source[value.fromEnv];
    if (secret === undefined) missing.push(value.fromEnv);
    else if (secret === '' && value.allowEmpty !== true) empty.push(value.fromEnv);
    else {
      resolved[name] = secret;
      secrets.push(secret);
    }
  }
  return missing.length > 0 || empty.length > 0 ? { ok: false, missing, empty } : { ok: true, env: resolved, secrets };
}

/** Why `resolveEnv` failed, in one sentence; `where` says whose environment was read. */
export function unresolvedMessage(result: { missing: string[]; empty: string[] }, where = 'export them before apply'): string {
  const parts: string[] = [];
  if (result.missing.length > 0) parts.push(`fromEnv variables not set: ${result.missing.join(', ')} (${where})`);
  for (const name of result.empty) parts.push(`${name} is empty: the secret is missing in this run`);
  return parts.join('; ');
}
