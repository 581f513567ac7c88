// One runtime process: started in its own process group (so a model's own subprocesses go with
// it, and a Ctrl-C on the daemon's terminal reaches the daemon, which stops replicas gracefully),
// its output split into lines, ready once it printed `SLIPWAY_READY socket=<path>` (or
// `port=<port>`) AND `/ready` answered 200 there.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { replicaAddress, unixOrigin } from '../gateway/replica-origin.ts';
import { parseLoadLine, type LoadReport } from './load-report.ts';
import type { LogStream, ReplicaExit } from './supervisor-types.ts';
import { READY_LINE } from '../runtimes/runtime-adapter.ts';

export type ReplicaProcessOptions = {
  python: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** The runtime's ready line (src/runtimes/); default `SLIPWAY_READY socket=<path>` or `port=<port>`. */
  readyLine?: RegExp;
  /** Time allowed from spawn to ready; past it the process is killed. */
  readyTimeoutMs: number;
  /** Each output line, with the runtime's timestamp when the line carried one. */
  onLine: (stream: LogStream, text: string, time: string | undefined) => void;
};

/** Why a process never became ready. */
export type NotReady = { reason: 'exited'; exit: ReplicaExit } | { reason: 'timeout' } | { reason: 'spawn'; message: string };

export type ReplicaProcess = {
  pid: number | null;
  /**
   * Resolves with the replica's origin (`unix:<path>` or `http://127.0.0.1:<port>`) once ready;
   * rejects with a `NotReadyError` when the process exits, times out or cannot start.
   */
  ready: Promise<string>;
  /** Resolves once the process ended and its output was read to the end. */
  exited: Promise<ReplicaExit>;
  /** Sends a signal to the process group; does nothing once the process ended. */
  signal(signal: NodeJS.Signals): void;
  /** What the runtime reported about the model's import (warnings, a classified error), once it did. */
  load(): LoadReport | null;
};

export class NotReadyError extends Error {
  readonly detail: NotReady;
  constructor(detail: NotReady) {
    super(detail.reason === 'spawn' ? `could not start ${detail.message}` : `replica ${detail.reason === 'timeout' ? 'timed out' : 'exited'} before it was ready`);
    this.detail = detail;
  }
}

/**
 * The runtime writes each line as `<ISO time> <stream> <text>` (stream: stdout, stderr, runtime).
 * Output that bypassed it (a subprocess, C code) arrives bare and is kept as it is.
 */
const TIMESTAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?) (?:(stdout|stderr|runtime) )?(.*)$/s;
/** Longer output without a newline is cut into lines of this size so memory stays bounded. */
const MAX_LINE = 64 * 1024;
const PROBE_INTERVAL_MS = 50;

/** Starts one runtime process. */
export function spawnReplica(options: ReplicaProcessOptions): ReplicaProcess {
  const child = spawn(options.python, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? null;
  let ended = false;
  let announced: string | null = null;
  let loadReport: LoadReport | null = null;
  let resolveReady!: (origin: string) => void;
  let rejectReady!: (error: NotReadyError) => void;
  let resolveExited!: (exit: ReplicaExit) => void;
  /** Once ready resolved or rejected, later outcomes (a probe answering after the timeout) are ignored. */
  let readySettled = false;
  const ready = new Promise<string>((resolve, reject) => {
    resolveReady = (origin) => {
      if (readySettled) return;
      readySettled = true;
      clearTimeout(timer);
      resolve(origin);
    };
    rejectReady = (error) => {
      if (readySettled) return;
      readySettled = true;
      clearTimeout(timer);
      reject(error);
    };
  });
  // Callers that only watch `exited` must not see an unhandled rejection.
  ready.catch(() => {});
  const exited = new Promise<ReplicaExit>((resolve) => (resolveExited = resolve));

  function signalGroup(signal: NodeJS.Signals): void {
    if (pid === null) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is gone already.
    }
  }

  const timer = setTimeout(() => {
    if (readySettled || ended) return;
    rejectReady(new NotReadyError({ reason: 'timeout' }));
    signalGroup('SIGKILL');
  }, options.readyTimeoutMs);

  function onLine(stream: 'stdout' | 'stderr', raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const report = stream === 'stdout' && announced === null && loadReport === null ? parseLoadLine(line) : null;
    if (report !== null) {
      loadReport = report;
      return;
    }
    const announce = stream === 'stdout' && announced === null ? (options.readyLine ?? READY_LINE).exec(line) : null;
    if (announce) {
      announced = announce[1] !== undefined ? `http://127.0.0.1:${announce[1]}` : unixOrigin(announce[2] as string);
      void probeReady(announced);
      return;
    }
    const stamped = TIMESTAMPED.exec(line);
    if (stamped) {
      options.onLine((stamped[2] as LogStream | undefined) ?? stream, stamped[3] as string, normalizeTime(stamped[1] as string));
    } else {
      options.onLine(stream, line, undefined);
    }
  }

  async function probeReady(origin: string): Promise<void> {
    while (!ended && !readySettled) {
      if (await answersReady(origin)) {
        if (!ended) resolveReady(origin);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
  }

  splitLines(child.stdout, (line) => onLine('stdout', line));
  splitLines(child.stderr, (line) => onLine('stderr', line));

  child.on('error', (error) => {
    if (pid !== null) return; // errors after a successful spawn (a failed kill) change nothing
    ended = true;
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    rejectReady(new NotReadyError({ reason: 'spawn', message: `${options.python}: ${code}` }));
    resolveExited({ code: null, signal: null });
  });
  child.on('exit', () => {
    ended = true;
    // Subprocesses the model left behind would keep the pipes open: take the group down with it.
    signalGroup('SIGKILL');
  });
  child.on('close', (code, signal) => {
    ended = true;
    const exit = { code, signal };
    rejectReady(new NotReadyError({ reason: 'exited', exit }));
    resolveExited(exit);
  });

  return {
    pid,
    ready,
    exited,
    signal(signal) {
      if (!ended) signalGroup(signal);
    },
    load: () => loadReport,
  };
}

/** Calls `onLine` for each complete line of a stream, and for the unterminated rest at its end. */
function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const take = (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
    while (pending.length > MAX_LINE) {
      onLine(pending.slice(0, MAX_LINE));
      pending = pending.slice(MAX_LINE);
    }
  };
  stream.on('data', (chunk: Buffer) => take(decoder.write(chunk)));
  stream.on('end', () => {
    take(decoder.end());
    if (pending) onLine(pending);
    pending = '';
  });
}

function normalizeTime(stamp: string): string | undefined {
  const date = new Date(stamp);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function answersReady(origin: string): Promise<boolean> {
  const address = replicaAddress(origin);
  const where = 'socketPath' in address ? { socketPath: address.socketPath } : { host: new URL(address.url).hostname, port: Number(new URL(address.url).port) };
  return new Promise((resolve) => {
    const request = http.get({ ...where, path: '/ready', agent: false, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
