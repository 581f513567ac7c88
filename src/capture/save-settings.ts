// Saves the capture settings a models file declares into the local store, for the daemon's
// recorder (src/capture/recorder.ts), which reads them every few seconds and after each apply.
import { existsSync } from 'node:fs';
import { storePath } from '../backends/local/observe.ts';
import type { Spec } from '../spec/types.ts';
import { saveCaptureSettings } from '../store/captures.ts';
import { openStore, type Store } from '../store/database.ts';

/** The `capture` of each model that declares one. */
export function captureSettingsOf(spec: Spec): Map<string, NonNullable<Spec['models'][number]['capture']>> {
  return new Map(spec.models.flatMap((m) => (m.capture ? [[m.name, m.capture] as const] : [])));
}

/** Saves into `store` (the daemon's apply), or into the store under `root` when it exists (the CLI). */
export function saveCaptureSettingsOf(target: Store | string, spec: Spec): void {
  if (typeof target !== 'string') return saveCaptureSettings(target, captureSettingsOf(spec));
  if (!existsSync(storePath(target))) return;
  const store = openStore(storePath(target));
  try {
    saveCaptureSettings(store, captureSettingsOf(spec));
  } finally {
    store.close();
  }
}
