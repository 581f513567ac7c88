// Starts real python3 replicas of the Slipway runtime on temp model folders, for the runtime tests.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/free-port.ts';
export { freePort };

export const runtimeDir = path.resolve(import.meta.dirname, '../../runtime/python');

export type Replica = {
  dir: string;
  port: number;
  url: string;
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** SIGTERM (unless already signalled), wait for the exit, remove the folder; resolves to the exit code. */
  stop: () => Promise<number | null>;
};

export type Started = { proc: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> };

/** A temp build folder holding `files` (path → content). */
export function modelFolder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-runtime-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Start `python3 -m slipway_runtime` in `dir` (the build folder) without waiting for it. */
export function spawnRuntime(
  dir: string,
  file: string,
  fn: string,
  env: Record<string, string> = {},
  port = 0,
): Started {
  const proc = spawn(
    'python3',
    ['-m', 'slipway_runtime', '--file', file, '--function', fn, '--port', String(port), '--host', '127.0.0.1'],
    {
      cwd: dir,
      env: { ...process.env, PYTHONPATH: runtimeDir, PYTHONDONTWRITEBYTECODE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with the port from the ready line; rejects when the process exits first. */
export function readyPort(started: Started): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = /^SLIPWAY_READY port=(\d+)\n/m.exec(started.stdout());
      if (match) resolve(Number(match[1]));
    };
    started.proc.stdout!.on('data', check);
    check();
    started.exited.then((code) =>
      reject(new Error(`replica exited with ${code} before its ready line; stderr:\n${started.stderr()}`)),
    );
  });
}

/** A replica of `fn` in `file`, serving `files`, ready to call. */
export async function startReplica(
  files: Record<string, string>,
  file: string,
  fn: string,
  env: Record<string, string> = {},
): Promise<Replica> {
  const dir = modelFolder(files);
  const started = spawnRuntime(dir, file, fn, env);
  let port: number;
  try {
    port = await readyPort(started);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    port,
    url: `http://127.0.0.1:${port}`,
    proc: started.proc,
    stdout: started.stdout,
    stderr: started.stderr,
    exited: started.exited,
    stop: async () => {
      if (!started.proc.killed && started.proc.exitCode === null) started.proc.kill('SIGTERM');
      const code = await started.exited;
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Wait until `condition` holds (output reaches us through pipes, after the HTTP answer). */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}


/** Send raw bytes on one connection and collect everything until the server closes it or `until` matches. */
export function rawExchange(port: number, data: string, until?: (received: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (until?.(received)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
    socket.write(data);
  });
}
