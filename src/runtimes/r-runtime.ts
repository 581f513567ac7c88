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
      // The build's library first, then a declared one; the `cdsw` helpers are found through
      // SLIPWAY_R_RUNTIME (`source(file.path(Sys.getenv("SLIPWAY_R_RUNTIME"), "cdsw.R"))`).
      const user = declared.R_LIBS_USER;
      const libs = [library, user].filter((p): p is string => typeof p === 'string' && p !== '');
      return { ...(libs.length > 0 ? { R_LIBS_USER: libs.join(path.delimiter) } : {}), SLIPWAY_R_RUNTIME: runtimeDir };
    },
  };
}
