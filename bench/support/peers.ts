// The peers the gateway is measured against: the same add-numbers function served directly by
// gunicorn + Flask (one sync worker) and by uvicorn + FastAPI (one worker), from Debian's
// packages for /usr/bin/python3. Each app imports the example file unchanged and answers
// {"response": <result>}, about the size of the gateway's envelope.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, repoRoot } from './project.ts';

export const PEER_PYTHON = '/usr/bin/python3';
const exampleDir = path.join(repoRoot, 'examples', 'add-numbers');

const flaskApp = `import sys
sys.path.insert(0, ${JSON.stringify(exampleDir)})
from add_numbers import add
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/predict")
def predict():
    return jsonify(response=add(request.get_json()))
`;

// async def calling the (synchronous) function inline: the fastest form FastAPI offers for a
// function this small (a plain \`def\` endpoint would add a thread-pool hop per call).
const fastapiApp = `import sys
sys.path.insert(0, ${JSON.stringify(exampleDir)})
from add_numbers import add
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/predict")
async def predict(request: Request):
    return {"response": add(await request.json())}
`;

export type PeerName = 'gunicorn-flask' | 'uvicorn-fastapi' | 'uvicorn-fastapi-uvloop';

export type Peer = {
  name: PeerName;
  label: string;
  command: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
};

function peerCommand(name: PeerName, port: number): { cmd: string; args: string[]; label: string } {
  const bind = `127.0.0.1:${port}`;
  switch (name) {
    case 'gunicorn-flask':
      return {
        cmd: PEER_PYTHON,
        args: ['-m', 'gunicorn', '--workers', '1', '--worker-class', 'sync', '--bind', bind, '--log-level', 'warning', 'flask_app:app'],
        label: 'gunicorn + Flask (1 sync worker)',
      };
    case 'uvicorn-fastapi':
      return {
        cmd: PEER_PYTHON,
        args: ['-m', 'uvicorn', '--workers', '1', '--host', '127.0.0.1', '--port', String(port), '--loop', 'asyncio', '--http', 'h11', '--no-access-log', '--log-level', 'warning', 'fastapi_app:app'],
        label: 'uvicorn + FastAPI (1 worker, asyncio + h11)',
      };
    case 'uvicorn-fastapi-uvloop':
      return {
        cmd: PEER_PYTHON,
        args: ['-m', 'uvicorn', '--workers', '1', '--host', '127.0.0.1', '--port', String(port), '--loop', 'uvloop', '--http', 'httptools', '--no-access-log', '--log-level', 'warning', 'fastapi_app:app'],
        label: 'uvicorn + FastAPI (1 worker, uvloop + httptools)',
      };
  }
}

/** Whether uvicorn can run with uvloop and httptools (Debian's python3-uvloop, python3-httptools). */
export function hasUvloop(): boolean {
  try {
    execFileSync(PEER_PYTHON, ['-c', 'import uvloop, httptools'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts a peer on a free loopback port and resolves once it answers a call. */
export async function startPeer(name: PeerName): Promise<Peer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-peer-'));
  writeFileSync(path.join(dir, 'flask_app.py'), flaskApp);
  writeFileSync(path.join(dir, 'fastapi_app.py'), fastapiApp);
  const port = await freePort();
  const { cmd, args, label } = peerCommand(name, port);
  const child: ChildProcess = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const url = `http://127.0.0.1:${port}/predict`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":3,"b":5}' });
      const body = await res.text();
      if (res.status === 200 && body.replace(/\s/g, '') === '{"response":8}') {
        return { name, label, command: `${path.basename(cmd)} ${args.join(' ')}`, url, pid: child.pid!, stop };
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${label} did not start (install: apt-get install -y gunicorn python3-flask python3-uvicorn python3-fastapi):\n${stderr}`);
}

/** Versions of the peers' packages and of /usr/bin/python3, one string. */
export function peerVersions(): string {
  const script = [
    'import sys, flask, fastapi, uvicorn, gunicorn, importlib.metadata as m',
    'def v(n):',
    '    try: return m.version(n)',
    '    except Exception: return "absent"',
    'print("Python %s, gunicorn %s, Flask %s, uvicorn %s, FastAPI %s, Starlette %s, h11 %s, uvloop %s, httptools %s" % (sys.version.split()[0], v("gunicorn"), v("flask"), v("uvicorn"), v("fastapi"), v("starlette"), v("h11"), v("uvloop"), v("httptools")))',
  ].join('\n');
  return execFileSync(PEER_PYTHON, ['-c', script], { encoding: 'utf8' }).trim();
}
