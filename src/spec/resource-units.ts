// CML gives memory in GB (`memory: 2` is two gigabytes there); Kubernetes reads a bare number as
// bytes. A CML user's `memory: 2` would ask for two bytes and never schedule, or be killed at
// once, so a bare number too small to be meant as bytes is an error with the quantity meant.
// CPU needs no such check: a number of cores means the same in both.
import type { DataPath, Finding } from './data-path.ts';
import { isRecord } from './model-paths.ts';

/** Below this, a unitless memory is not a plausible number of bytes for a model (1 MiB). */
const SMALLEST_BYTES = 1024 * 1024;

function check(owner: unknown, at: DataPath): Finding[] {
  if (!isRecord(owner) || !isRecord(owner.resources)) return [];
  const memory = owner.resources.memory;
  const text = typeof memory === 'number' ? String(memory) : typeof memory === 'string' ? memory.trim() : null;
  if (text === null || !/^([0-9]+(\.[0-9]+)?|\.[0-9]+)$/.test(text) || Number(text) <= 0 || Number(text) >= SMALLEST_BYTES) return [];
  return [
    {
      path: [...at, 'resources', 'memory'],
      message:
        `memory ${text} has no unit, so it means ${text} bytes; CML gives memory in GB: did you mean ${text}Gi? ` +
        '(write a Kubernetes quantity such as 512Mi or 2Gi)',
    },
  ];
}

/** Unitless memory quantities in `defaults` and every model. */
export function checkMemoryUnits(spec: Record<string, unknown>, models: unknown[]): Finding[] {
  return [...check(spec.defaults, ['defaults']), ...models.flatMap((model, i) => check(model, ['models', i]))];
}
