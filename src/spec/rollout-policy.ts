// Progressive rollouts declared in models.yaml (`rollout: {strategy: canary | shadow, …}`): the
// checks JSON Schema cannot express, and the policy with its defaults applied.
import type { DataPath, Finding } from './data-path.ts';
import { isRecord } from './model-paths.ts';
import type { RolloutPolicy } from './types.ts';

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `50ms`, `10m`, `1h` in milliseconds; null for anything else (the schema said why). */
export function rolloutMs(text: unknown): number | null {
  const match = typeof text === 'string' ? /^([1-9][0-9]*)(ms|s|m|h)$/.exec(text) : null;
  return match ? Number(match[1]) * unitMs[match[2]] : null;
}

const canaryOnly = ['steps', 'interval'];
const shadowOnly = ['duration'];

/** Steps that do not increase or do not end at 100, and keys of the other strategy. */
export function checkRolloutPolicies(models: unknown[]): Finding[] {
  const findings: Finding[] = [];
  models.forEach((model, i) => {
    if (!isRecord(model) || !isRecord(model.rollout)) return;
    const rollout = model.rollout;
    const at: DataPath = ['models', i, 'rollout'];
    const strategy = rollout.strategy;
    if (strategy !== 'canary' && strategy !== 'shadow') return;
    const foreign = strategy === 'canary' ? shadowOnly : canaryOnly;
    for (const key of foreign) {
      if (key in rollout) findings.push({ path: [...at, key], onKey: true, message: `"${key}" only applies to ${strategy === 'canary' ? 'shadow' : 'canary'} rollouts; remove it or set strategy: ${strategy === 'canary' ? 'shadow' : 'canary'}` });
    }
    const steps = rollout.steps;
    if (Array.isArray(steps) && steps.every((s) => typeof s === 'number')) {
      const numbers = steps as number[];
      const bad = numbers.findIndex((s, k) => k > 0 && s <= numbers[k - 1]);
      if (bad > 0) {
        findings.push({ path: [...at, 'steps', bad], message: `${numbers[bad]} does not follow ${numbers[bad - 1]}: steps must increase, e.g. [5, 25, 50, 100]` });
      } else if (numbers.length > 0 && numbers[numbers.length - 1] !== 100) {
        findings.push({ path: [...at, 'steps'], message: `the last step is ${numbers[numbers.length - 1]}: end at 100, where the canary takes every call, e.g. [5, 25, 50, 100]` });
      }
    }
  });
  return findings;
}

/** The policy of a schema-valid `rollout` mapping, defaults applied; undefined for the plain strings. */
export function rolloutPolicy(raw: unknown): RolloutPolicy | undefined {
  if (!isRecord(raw)) return undefined;
  const maxErrorRate = typeof raw.maxErrorRate === 'number' ? raw.maxErrorRate : 0.01;
  const maxP95Ms = rolloutMs(raw.maxP95);
  if (raw.strategy === 'canary') {
    return {
      strategy: 'canary',
      steps: Array.isArray(raw.steps) ? (raw.steps as number[]) : [5, 25, 50, 100],
      intervalMs: rolloutMs(raw.interval) ?? 600_000,
      maxErrorRate,
      maxP95Ms,
    };
  }
  return { strategy: 'shadow', durationMs: rolloutMs(raw.duration) ?? 3_600_000, maxErrorRate, maxP95Ms };
}
