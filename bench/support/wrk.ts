// Runs wrk against one endpoint with a Lua script that sets method, body and headers, and reads
// its summary back as JSON (printed by the script's `done`), not by parsing wrk's text.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type WrkTarget = { url: string; body: string; headers?: Record<string, string> };

export type WrkResult = {
  requests: number;
  seconds: number;
  rps: number;
  /** Latencies in ms. */
  p50: number;
  p99: number;
  max: number;
  /** Non-2xx/3xx answers. */
  non2xx: number;
  /** Socket errors: connect, read, write, timeout. */
  socketErrors: number;
};

function luaString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The Lua script: the request, and a `done` that prints one JSON line prefixed `WRK_JSON `. */
export function wrkScript(target: WrkTarget): string {
  const headers = { 'Content-Type': 'application/json', ...target.headers };
  return [
    'wrk.method = "POST"',
    `wrk.body = ${luaString(target.body)}`,
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`),
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format("WRK_JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d,\\"max_us\\":%d,\\"status\\":%d,\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"timeout\\":%d}\\n",',
    '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,',
    '    e.status, e.connect, e.read, e.write, e.timeout))',
    'end',
    '',
  ].join('\n');
}

/**
 * `wrk -t<threads> -c<connections> -d<seconds>s --latency -s script URL`. wrk counts a request
 * only when its answer is complete, and measures latency per request (µs resolution).
 */
export function runWrk(target: WrkTarget, opts: { threads: number; connections: number; seconds: number }): Promise<WrkResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-wrk-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  // Also when the benchmark is interrupted mid-run.
  process.once('exit', removeDir);
  const script = path.join(dir, 'post.lua');
  writeFileSync(script, wrkScript(target));
  const args = [`-t${opts.threads}`, `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', '-s', script, target.url];
  return new Promise<WrkResult>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', (error) => {
      process.removeListener('exit', removeDir);
      removeDir();
      reject(new Error(`cannot run wrk (install: apt-get install -y wrk): ${error.message}`));
    });
    child.on('close', (code) => {
      process.removeListener('exit', removeDir);
      removeDir();
      const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
      if (code !== 0 || !line) return reject(new Error(`wrk ${args.join(' ')} failed (${code}):\n${out}`));
      const j = JSON.parse(line.slice('WRK_JSON '.length)) as Record<string, number>;
      const seconds = j.duration_us / 1e6;
      resolve({
        requests: j.requests,
        seconds,
        rps: j.requests / seconds,
        p50: j.p50_us / 1000,
        p99: j.p99_us / 1000,
        max: j.max_us / 1000,
        non2xx: j.status,
        socketErrors: j.connect + j.read + j.write + j.timeout,
      });
    });
  });
}

/** `wrk -v`'s first line, e.g. `wrk debian/4.1.0-3+b2 [epoll]`. */
export function wrkVersion(): string {
  try {
    execFileSync('wrk', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // wrk -v prints its version and usage, then exits 1.
    const out = String((error as { stdout?: string }).stdout ?? '');
    return out.split('\n')[0].replace(/ Copyright.*$/, '').trim();
  }
  return 'wrk (unknown version)';
}
