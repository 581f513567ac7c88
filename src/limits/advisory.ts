// The one line plan, apply and status print when models declare resources this machine cannot
// enforce locally: nothing is silently ignored.
import type { Spec } from '../spec/types.ts';
import { probeCgroups, type CgroupSupport } from './cgroups.ts';

/** Which declared limits cannot be enforced, for models named by `declared` (name → resources). */
export function advisoryNote(
  declared: ReadonlyArray<{ name: string; cpu: string | null; memory: string | null }>,
  support: CgroupSupport,
): string | null {
  const unenforced = declared.filter((m) => (m.memory !== null && support.memory === null) || (m.cpu !== null && support.cpu === null));
  if (unenforced.length === 0 || support.reason === null) return null;
  const names = unenforced.map((m) => m.name);
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  return `note: resources of ${shown}: ${support.reason}`;
}

/** The note for a spec deployed locally, from what this process could do (a look, no cgroup made). */
export function localAdvisoryNote(spec: Spec): string | null {
  const declared = spec.models.map((m) => ({ name: m.name, cpu: m.serving.resources.cpu, memory: m.serving.resources.memory }));
  if (!declared.some((m) => m.cpu !== null || m.memory !== null)) return null;
  return advisoryNote(declared, probeCgroups({ dryRun: true }));
}
