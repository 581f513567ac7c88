// The replica runtimes the conformance suite runs against. A runtime is added here with the
// command that starts it on a Unix socket and its version of each fixture model; the suite itself
// (conformance.int.test.ts) is the same for every runtime.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** What each fixture model does, whatever its language. */
export type FixtureName =
  /** Returns its request as it got it. */
  | 'echo'
  /** Returns a description of its request (`describe_request` in the file), so tests see the exact decoded value. */
  | 'describe'
  /** Sleeps `request.seconds`, returns `{start, end}` from a monotonic clock. */
  | 'sleep'
  /** Raises an error whose message is `request.message`. */
  | 'raise';

export type Fixture = { file: string; function: string; source: string };

export type RuntimeUnderTest = {
  name: string;
  /** Why it cannot run on this machine, or null. */
  missing(): string | null;
  /** The command (executable, arguments) serving `fixture` on the socket at `socketPath`, run in the build folder. */
  command(fixture: Fixture, socketPath: string): [string, string[]];
  /** Variables the runtime needs besides the protocol's own (SLIPWAY_*). */
  env: Record<string, string>;
  fixtures: Record<FixtureName, Fixture>;
  /**
   * What the `describe` fixture's answer must show for `{"big": 9223372036854775809, "huge":
   * 1e400, "e": "\u00e9"}`: the decoded values as the language holds them.
   */
  described: RegExp[];
};

const pythonRuntimeDir = path.resolve(import.meta.dirname, '../../../runtime/python');

function commandMissing(command: string, args: string[]): string | null {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return null;
  } catch {
    return `${command} is not installed`;
  }
}

const python: RuntimeUnderTest = {
  name: 'python',
  missing: () => commandMissing('python3', ['--version']),
  command: (fixture, socketPath) => ['python3', ['-m', 'slipway_runtime', '--file', fixture.file, '--function', fixture.function, '--socket', socketPath]],
  env: { PYTHONPATH: pythonRuntimeDir, PYTHONDONTWRITEBYTECODE: '1' },
  fixtures: {
    echo: { file: 'echo.py', function: 'predict', source: 'def predict(request):\n    return request\n' },
    describe: {
      file: 'describe.py',
      function: 'predict',
      // repr() shows exactly what the JSON decoder made: 9223372036854775809 stays an exact int,
      // 1e400 is inf, "\u00e9" is é.
      source: 'def predict(request):\n    return {"repr": repr(request)}\n',
    },
    sleep: {
      file: 'sleep.py',
      function: 'predict',
      source: 'import time\n\ndef predict(request):\n    start = time.monotonic()\n    time.sleep(request["seconds"])\n    return {"start": start, "end": time.monotonic()}\n',
    },
    raise: {
      file: 'fail.py',
      function: 'predict',
      source: 'def predict(request):\n    raise ValueError(request["message"])\n',
    },
  },
  // Python's json keeps an exact int; 1e400 is inf.
  described: [/9223372036854775809/, /inf/, /é/],
};

const rRuntimeScript = path.resolve(import.meta.dirname, '../../../runtime/r/slipway_runtime.R');

const r: RuntimeUnderTest = {
  name: 'r',
  missing: () => commandMissing('Rscript', ['-e', 'stopifnot(requireNamespace("jsonlite"), requireNamespace("httpuv"))']),
  command: (fixture, socketPath) => ['Rscript', ['--no-save', '--no-restore', rRuntimeScript, '--file', fixture.file, '--function', fixture.function, '--socket', socketPath]],
  env: {},
  fixtures: {
    echo: { file: 'echo.R', function: 'predict', source: 'predict <- function(request) request\n' },
    describe: {
      file: 'describe.R',
      function: 'predict',
      source: 'predict <- function(request) list(repr = paste(deparse(request, control = "digits17"), collapse = ""))\n',
    },
    sleep: {
      file: 'sleep.R',
      function: 'predict',
      source: 'predict <- function(request) {\n  start <- proc.time()[["elapsed"]]\n  Sys.sleep(request$seconds)\n  list(start = start, end = proc.time()[["elapsed"]])\n}\n',
    },
    raise: { file: 'fail.R', function: 'predict', source: 'predict <- function(request) stop(request$message)\n' },
  },
  // jsonlite decodes every JSON number to a double, as CML's R models get them: 2^63 + 1 is the
  // nearest double, 1e400 is Inf.
  described: [/9\.22337203685477\d*e\+18/, /Inf/, /é/],
};

/** Every runtime the suite checks. */
export const RUNTIMES: RuntimeUnderTest[] = [python, r];
