// Runs one build step (venv, pip, build script) as a child process, streaming its output into the
// build log line by line as it comes. A step has a time limit and can be cancelled; either way its
// whole process group is killed, so a build script's own children (a `sleep`, a compiler) go too
// and cannot keep the output pipes open.
import { spawn } from 'node:child_process';
import { cancelReason, overLimit } from './step-limits.ts';

export type StepResult = {
  /** Exit code, or null when the process was killed by a signal or could not start. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  startError: Error | null;
  /** The step's output lines, kept when `keepOutput` is set (for messages that quote them). */
  output: string[];
  /** Set when Slipway stopped the step: at its time limit, or because the signal aborted. */
  stopped: { why: 'limit'; seconds: number } | { why: 'cancelled'; reason: string } | null;
};

export type StepOptions = {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Prefix of each output line in the log: `[pip]`. */
  tag: string;
  line: (text: string) => void;
  keepOutput?: boolean;
  /** Seconds the step may run before it is killed; none when absent. */
  timeoutSeconds?: number;
  /** Kills the step when it aborts (an apply superseded by a newer one). */
  signal?: AbortSignal;
};

/** Runs `command args`, with no stdin, until it exits; never rejects. */
export function runStep(command: string, args: string[], options: StepOptions): Promise<StepResult> {
  const output: string[] = [];
  const emit = (text: string) => {
    options.line(`[${options.tag}] ${text}`);
    if (options.keepOutput) output.push(text);
  };
  return new Promise((resolve) => {
    let stopped: StepResult['stopped'] = null;
    if (options.signal?.aborted) {
      resolve({ code: null, signal: null, startError: null, output, stopped: { why: 'cancelled', reason: cancelReason(options.signal) } });
      return;
    }
    // Its own process group (detached), so a kill reaches everything the step started.
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = (why: NonNullable<StepResult['stopped']>) => {
      if (stopped !== null || child.pid === undefined) return;
      stopped = why;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const limit = options.timeoutSeconds;
    const timer = limit === undefined ? null : setTimeout(() => killGroup({ why: 'limit', seconds: limit }), limit * 1000);
    const onAbort = () => killGroup({ why: 'cancelled', reason: cancelReason(options.signal!) });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (result: Omit<StepResult, 'stopped' | 'output'>) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, output, stopped });
    };
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
    child.on('error', (error) => settle({ code: null, signal: null, startError: error }));
    child.on('close', (code, signal) => {
      out.end();
      err.end();
      settle({ code, signal, startError: null });
    });
  });
}

/**
 * How a failed step ended, for messages: `exited with 2`, `was killed by SIGKILL`, `could not start
 * (…)`, `did not finish within 60 s and was stopped (…)`, `was cancelled: …`.
 */
export function describeEnd(result: StepResult): string {
  if (result.stopped?.why === 'limit') return overLimit(result.stopped.seconds);
  if (result.stopped?.why === 'cancelled') return `was cancelled: ${result.stopped.reason}`;
  if (result.startError !== null) return `could not start (${result.startError.message})`;
  if (result.signal !== null) return `was killed by ${result.signal}`;
  return `exited with ${result.code}`;
}
