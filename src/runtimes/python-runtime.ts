// The Python runtime (runtime/python, `python -m slipway_runtime`).
import path from 'node:path';
import { packagePath } from '../package-paths.ts';
import { READY_LINE, type RuntimeAdapter } from './runtime-adapter.ts';

/** The adapter for `runtime: python3`; `runtimeDir` is this installation's `runtime/python` unless given. */
export function pythonRuntime(runtimeDir: string = packagePath('runtime', 'python')): RuntimeAdapter {
  return {
    name: 'python3',
    runtimeDir,
    readyLine: READY_LINE,
    takesListenFd: true,
    launch: (req) => ({
      command: req.interpreter,
      args: ['-m', 'slipway_runtime', '--file', req.file, '--function', req.function, '--socket', req.socket],
    }),
    env(declared) {
      // The runtime first, so `-m slipway_runtime`, `cdsw` and `cml` are Slipway's; a declared
      // PYTHONPATH follows it.
      const user = declared.PYTHONPATH;
      return {
        // Output reaches the logs line by line, not when a buffer fills; the deployment may say otherwise.
        PYTHONUNBUFFERED: declared.PYTHONUNBUFFERED ?? '1',
        PYTHONPATH: user ? `${runtimeDir}${path.delimiter}${user}` : runtimeDir,
        PYTHONDONTWRITEBYTECODE: '1',
      };
    },
  };
}
