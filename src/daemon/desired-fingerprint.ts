// One string for "what a plan would read from the working tree": the models file as loaded and every
// model's build key (from git's index and untracked files, as `plan` computes them). Two equal
// fingerprints plan alike against the same running state, so the watcher skips the second.
import { createHash } from 'node:crypto';
import { loadDesired, type DesiredSource } from '../apply/desired.ts';

/** The fingerprint of the working tree now, or null when models.yaml or a build key cannot be read. */
export async function desiredFingerprint(source: DesiredSource): Promise<string | null> {
  const desired = await loadDesired(source);
  if (!desired.ok) return null;
  const keys = Object.fromEntries(Object.entries(desired.keys).map(([model, key]) => [model, key.key]));
  return createHash('sha256').update(JSON.stringify({ spec: desired.spec, keys })).digest('hex');
}
