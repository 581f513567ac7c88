// Why a deployment's serving settings changed, field by field. Env values never appear here:
// literals may be credentials pasted into models.yaml, and secrets are only known by digest.
import type { EnvValue, Serving } from '../spec/types.ts';
import type { Reason } from './reason.ts';

/**
 * Reasons `next` differs from `previous`, e.g. `replicas 1 → 3`, `env THRESHOLD changed`.
 * Empty when the settings are the same; a `fromEnv` variable whose digest is unknown on either
 * side is compared by variable name only.
 */
export function servingReasons(previous: Serving, next: Serving): Reason[] {
  const reasons: Reason[] = [];
  const field = (name: string, before: unknown, after: unknown): void => {
    if (before !== after) reasons.push({ kind: 'serving', field: name, from: show(before), to: show(after) });
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

function envReasons(previous: Record<string, EnvValue>, next: Record<string, EnvValue>): Reason[] {
  const names = [...new Set([...Object.keys(previous), ...Object.keys(next)])].sort();
  const reasons: Reason[] = [];
  for (const name of names) {
    const before = previous[name];
    const after = next[name];
    if (before === undefined) reasons.push({ kind: 'env', name, change: 'added' });
    else if (after === undefined) reasons.push({ kind: 'env', name, change: 'removed' });
    else {
      const change = envChange(name, before, after);
      if (change !== null) reasons.push(change);
    }
  }
  return reasons;
}

/** Null when equal, else how `name` changed, naming no value. */
function envChange(name: string, before: EnvValue, after: EnvValue): Reason | null {
  if ('fromEnv' in before && 'fromEnv' in after) {
    if (before.fromEnv !== after.fromEnv) return { kind: 'env', name, change: 'source', from: before.fromEnv, to: after.fromEnv };
    if (before.digest === undefined || after.digest === undefined) return null;
    return before.digest === after.digest ? null : { kind: 'env', name, change: 'secret' };
  }
  if ('fromEnv' in after) return { kind: 'env', name, change: 'now-from-env', to: after.fromEnv };
  if ('fromEnv' in before) return { kind: 'env', name, change: 'no-longer-from-env' };
  return before.value === after.value ? null : { kind: 'env', name, change: 'value' };
}
