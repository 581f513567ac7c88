// Runs one build step (venv, pip, build script) as a child process, streaming its output into the
// build log line by line as it comes.
import { spawn } from 'node:child_process';

export type StepResult = {
  /** Exit code, or null when the process was killed by a signal or could not start. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  startError: Error | null;
  /** The step's output lines, kept when `keepOutput` is set (for messages that quote them). */
  output: string[];
};

export type StepOptions = {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Prefix of each output line in the log: `[pip]`. */
  tag: string;
  line: (text: string) => void;
  keepOutput?: boolean;
};

/** Runs `command args`, with no stdin, until it exits; never rejects. */
export function runStep(command: string, args: string[], options: StepOptions): Promise<StepResult> {
  const output: string[] = [];
  const emit = (text: string) => {
    options.line(`[${options.tag}] ${text}`);
    if (options.keepOutput) output.push(text);
  };
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const splitter = () => {
      let partial = '';
      return {
        data(chunk: string) {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) emit(line.replace(/\r$/, ''));
        },
        end() {
          if (partial !== '') emit(partial);
          partial = '';
        },
      };
    };
    const out = splitter();
    const err = splitter();
    // Decoding in the stream keeps a character split across chunks whole.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', out.data);
    child.stderr.on('data', err.data);
    child.on('error', (error) => resolve({ code: null, signal: null, startError: error, output }));
    child.on('close', (code, signal) => {
      out.end();
      err.end();
      resolve({ code, signal, startError: null, output });
    });
  });
}

/** How a failed step ended, for messages: `exited with 2`, `was killed by SIGKILL`, `could not start (…)`. */
export function describeEnd(result: StepResult): string {
  if (result.startError !== null) return `could not start (${result.startError.message})`;
  if (result.signal !== null) return `was killed by ${result.signal}`;
  return `exited with ${result.code}`;
}
