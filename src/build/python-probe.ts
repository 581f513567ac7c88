// Which interpreter a python command really is. `python3` may be a pyenv shim that picks a version
// per folder, so the dependency hash and build.json use the executable it resolves to.
import { execFile } from 'node:child_process';

export type PythonIdentity = {
  /** The command as configured (`python3`, a path). */
  command: string;
  /** Absolute path of the interpreter (`sys.executable`). */
  executable: string;
  /** `platform.python_version()`, like `3.11.2`. */
  version: string;
};

const PROBE = 'import sys, platform; print(sys.executable); print(platform.python_version())';

/** Runs `command` in `cwd` (a pyenv shim resolves by folder) and reports what it is. */
export function probePython(
  command: string,
  cwd: string,
): Promise<{ ok: true; python: PythonIdentity } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    execFile(command, ['-c', PROBE], { cwd, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const [executable, version] = stdout.trim().split('\n');
      if (error !== null || executable === undefined || executable === '' || version === undefined) {
        const detail = (stderr.trim().split('\n').pop() ?? '') || error?.message || 'no output';
        resolve({
          ok: false,
          message: `python "${command}" could not be run (${detail}); declare build.python (a path such as /usr/bin/python3) in models.yaml`,
        });
        return;
      }
      resolve({ ok: true, python: { command, executable, version } });
    });
  });
}
