// Each model's first example input, for the test widget: read from the models file of the last
// apply (remembered in the store), reloaded when that file changes.
import { statSync } from 'node:fs';
import { loadSpec } from '../spec/load.ts';
import type { Store } from '../store/database.ts';
import { lastModelsFile } from '../store/ui-actions.ts';

export type ExampleInputs = (model: string) => Promise<unknown>;

export function createExampleInputs(store: Store, root: string): ExampleInputs {
  let cached: { file: string; mtimeMs: number; inputs: Map<string, unknown> } | null = null;
  return async (model) => {
    const file = lastModelsFile(store);
    if (!file) return undefined;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
    if (!cached || cached.file !== file || cached.mtimeMs !== mtimeMs) {
      const loaded = await loadSpec(file, { root, checkFunctions: false });
      const inputs = new Map<string, unknown>();
      if (loaded.ok) for (const m of loaded.spec.models) inputs.set(m.name, m.examples[0]?.input);
      cached = { file, mtimeMs, inputs };
    }
    return cached.inputs.get(model);
  };
}
