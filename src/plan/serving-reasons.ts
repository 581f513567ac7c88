// Why a deployment's serving settings changed, field by field. Env values never appear here:
// literals may be credentials pasted into models.yaml, and secrets are only known by digest.
import type { EnvValue, Serving } from '../spec/types.ts';

/**
 * Reasons `next` differs from `previous`, e.g. `replicas 1 → 3`, `env THRESHOLD changed`.
 * Empty when the settings are the same; a `fromEnv` variable whose digest is unknown on either
 * side is compared by variable name only.
 */
export function servingReasons(previous: Serving, next: Serving): string[] {
  const reasons: string[] = [];
  const field = (name: string, before: unknown, after: unknown): void => {
    if (before !== after) reasons.push(`${name} ${show(before)} → ${show(after)}`);
  };
  field('replicas', previous.replicas, next.replicas);
  field('cpu', previous.resources.cpu, next.resources.cpu);
  field('memory', previous.resources.memory, next.resources.memory);
  field('gpu', previous.resources.gpu, next.resources.gpu);
  field('concurrency', previous.concurrency, next.concurrency);
  field('timeoutSeconds', previous.timeoutSeconds, next.timeoutSeconds);
  field('busyTimeoutSeconds', previous.busyTimeoutSeconds, next.busyTimeoutSeconds);
  field('auth', previous.auth, next.auth);
  field('maxRequestBytes', previous.maxRequestBytes, next.maxRequestBytes);
  field('rollout', previous.rollout ?? 'rolling', next.rollout ?? 'rolling');
  field('sandbox.network', previous.sandbox?.network ?? 'default', next.sandbox?.network ?? 'default');
  field('sandbox.paths', (previous.sandbox?.paths ?? []).join(', ') || 'none', (next.sandbox?.paths ?? []).join(', ') || 'none');
  reasons.push(...envReasons(previous.env, next.env));
  return reasons;
}

function show(value: unknown): string {
  return value === null ? 'none' : String(value);
}

function envReasons(previous: Record<string, EnvValue>, next: Record<string, EnvValue>): string[] {
  const names = [...new Set([...Object.keys(previous), ...Object.keys(next)])].sort();
  const reasons: string[] = [];
  for (const name of names) {
    const before = previous[name];
    const after = next[name];
    if (before === undefined) reasons.push(`env ${name} added`);
    else if (after === undefined) reasons.push(`env ${name} removed`);
    else {
      const change = envChange(before, after);
      if (change !== null) reasons.push(`env ${name} changed${change}`);
    }
  }
  return reasons;
}

/** Null when equal, else a suffix for `env NAME changed` that names no value. */
function envChange(before: EnvValue, after: EnvValue): string | null {
  if ('fromEnv' in before && 'fromEnv' in after) {
    if (before.fromEnv !== after.fromEnv) return ` (now from ${after.fromEnv}, was ${before.fromEnv})`;
    if (before.digest === undefined || after.digest === undefined) return null;
    return before.digest === after.digest ? null : ' (secret)';
  }
  if ('fromEnv' in after) return ` (now from ${after.fromEnv})`;
  if ('fromEnv' in before) return ' (no longer from the environment)';
  return before.value === after.value ? null : '';
}
