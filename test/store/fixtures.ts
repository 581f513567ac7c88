// Plain values and temp stores shared by the store, keys and observe tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyInputs } from '../../src/source/types.ts';
import type { Serving } from '../../src/spec/types.ts';
import { openStore, type Store } from '../../src/store/database.ts';

export function keyInputs(files: Record<string, string> = { 'models/add/add.py': 'a'.repeat(40) }): KeyInputs {
  return {
    files: Object.entries(files).map(([path, blob]) => ({ path, blob })),
    requirements: null,
    script: null,
    file: Object.keys(files)[0]!,
    function: 'add',
    runtime: 'python3',
    baseImage: null,
    defaultBaseImage: null,
    runtimeVersion: '1',
  };
}

export function serving(overrides: Partial<Serving> = {}): Serving {
  return {
    replicas: 1,
    resources: { cpu: null, memory: null, gpu: 0 },
    env: { THRESHOLD: { value: '0.5' }, TOKEN: { fromEnv: 'TOKEN', digest: 'ab'.repeat(32) } },
    concurrency: 1,
    timeoutSeconds: 30,
    busyTimeoutSeconds: 30,
    auth: true,
    maxRequestBytes: 5 * 1024 * 1024,
    ...overrides,
  };
}

/** A fresh temp folder; call the returned cleanup when done. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-store-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A store on a real file in a temp folder. */
export function tempStore(): { store: Store; dir: string; path: string; cleanup: () => void } {
  const { dir, cleanup } = tempDir();
  const path = join(dir, '.slipway', 'state.db');
  const store = openStore(path);
  return {
    store,
    dir,
    path,
    cleanup: () => {
      store.close();
      cleanup();
    },
  };
}
