// Starting a runtime under test on a Unix socket in a private temp folder, and talking to it
// with raw bytes (the suite checks the wire, not a client library's reading of it).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Fixture, RuntimeUnderTest } from './runtimes.ts';

export type RunningRuntime = {
  dir: string;
  socketPath: string;
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves once the ready line is out (rejects when the process exits first). */
  ready: Promise<void>;
  stop(): Promise<number | null>;
};

/** Starts `runtime` serving `fixture` with the protocol's variables plus `env`. */
export function startRuntime(runtime: RuntimeUnderTest, fixture: Fixture, env: Record<string, string> = {}): RunningRuntime {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-conformance-'));
  fs.writeFileSync(path.join(dir, fixture.file), fixture.source);
  const runDir = path.join(dir, 'run');
  fs.mkdirSync(runDir, { mode: 0o700 });
  const socketPath = path.join(runDir, 'r.sock');
  const [command, args] = runtime.command(fixture, socketPath);
  const proc = spawn(command, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...runtime.env, SLIPWAY_REPLICA_ID: 'conformance', SLIPWAY_PARENT_PID: String(process.pid), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    // The ready line, after a `SLIPWAY_LOAD` line where the runtime reports what loading found.
    const check = (): void => {
      if (/^SLIPWAY_READY .*\n/m.test(out)) resolve();
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`runtime exited with ${code} before its ready line; stderr:\n${err}`)));
  });
  ready.catch(() => {});
  return {
    dir,
    socketPath,
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    ready,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const code = await exited;
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

export type RawAnswer = { status: number; head: string; body: string };

/** Reads one HTTP/1.1 answer with a Content-Length body from the front of `data`, or null. */
export function parseAnswer(data: Buffer): { answer: RawAnswer; rest: Buffer } | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = data.subarray(0, end).toString('latin1');
  const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
  if (data.length < end + 4 + length) return null;
  const status = Number(head.split(' ')[1]);
  return { answer: { status, head, body: data.subarray(end + 4, end + 4 + length).toString('utf8') }, rest: data.subarray(end + 4 + length) };
}

/** A keep-alive connection to a runtime's socket that sends raw requests and reads answers in order. */
export class RawConnection {
  #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: ((answer: RawAnswer | null) => void)[] = [];
  #closed = false;

  constructor(socketPath: string) {
    this.#socket = net.connect(socketPath);
    this.#socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      for (;;) {
        const parsed = this.#waiting.length > 0 ? parseAnswer(this.#buffer) : null;
        if (parsed === null) return;
        this.#buffer = parsed.rest;
        this.#waiting.shift()!(parsed.answer);
      }
    });
    const closed = (): void => {
      this.#closed = true;
      for (const waiter of this.#waiting.splice(0)) waiter(null);
    };
    this.#socket.on('close', closed);
    this.#socket.on('error', closed);
  }

  /** Sends `data` as is and resolves with the next answer (null when the connection closed first). */
  send(data: string | Buffer): Promise<RawAnswer | null> {
    if (this.#closed) return Promise.resolve(null);
    const answer = new Promise<RawAnswer | null>((resolve) => this.#waiting.push(resolve));
    this.#socket.write(data);
    return answer;
  }

  /** Resolves once the peer closed the connection. */
  closed(): Promise<void> {
    return this.#closed ? Promise.resolve() : new Promise((resolve) => this.#socket.once('close', () => resolve()));
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** A POST request's bytes. */
export function post(pathname: string, body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`POST ${pathname} HTTP/1.1\r\nHost: replica\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\n\r\n`), bytes]);
}

/** One request on a fresh connection. */
export async function exchange(socketPath: string, data: string | Buffer): Promise<RawAnswer | null> {
  const connection = new RawConnection(socketPath);
  try {
    return await connection.send(data);
  } finally {
    connection.close();
  }
}
