// Picks the adapter of a build's runtime; an unknown runtime is an error naming the known ones.
import { pythonRuntime } from './python-runtime.ts';
import { rRuntime } from './r-runtime.ts';
import type { RuntimeAdapter } from './runtime-adapter.ts';

/** Runtime folders replacing this installation's (tests, a supervisor given its own). */
export type RuntimeDirs = { python?: string; r?: string };

const FACTORIES: Record<string, (dirs: RuntimeDirs) => RuntimeAdapter> = {
  python3: (dirs) => pythonRuntime(dirs.python),
  r: (dirs) => rRuntime(dirs.r),
};

/** The adapter of `runtime` (default `python3`, for builds recorded before runtimes were named). */
export function runtimeAdapter(runtime: string | undefined, dirs: RuntimeDirs = {}): RuntimeAdapter {
  const make = FACTORIES[runtime ?? 'python3'];
  if (make === undefined) {
    throw new Error(`runtime "${runtime}" has no replica runtime in this Slipway (known: ${Object.keys(FACTORIES).join(', ')}); rebuild the model with a supported runtime`);
  }
  return make(dirs);
}
