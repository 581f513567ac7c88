// The R runtime (runtime/r/slipway_runtime.R on httpuv + jsonlite, run by Rscript).
import path from 'node:path';
import { packagePath } from '../package-paths.ts';
import { READY_LINE, type RuntimeAdapter } from './runtime-adapter.ts';

/** The adapter for `runtime: r`; `runtimeDir` is this installation's `runtime/r` unless given. */
export function rRuntime(runtimeDir: string = packagePath('runtime', 'r')): RuntimeAdapter {
  return {
    name: 'r',
    runtimeDir,
    readyLine: READY_LINE,
    // httpuv binds its own socket: it cannot adopt a descriptor.
    takesListenFd: false,
    launch: (req) => ({
      command: req.interpreter,
      args: ['--no-save', '--no-restore', path.join(runtimeDir, 'slipway_runtime.R'), '--file', req.file, '--function', req.function, '--socket', req.socket],
    }),
    env(declared, library) {
      // The build's library first, then one the deployment declares.
      const user = declared.R_LIBS_USER;
      const libs = [library, user].filter((p): p is string => typeof p === 'string' && p !== '');
      const env: Record<string, string> = {};
      if (libs.length > 0) env.R_LIBS_USER = libs.join(path.delimiter);
      return env;
    },
  };
}
