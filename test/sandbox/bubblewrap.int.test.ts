// Replicas run for real under bubblewrap: a model reports what it could read and reach. Beside a
// build folder sit a `.slipway/daemon.json` and another model's files; a TCP listener waits on
// loopback. Plain, the model reads and reaches everything (so the probe can fail); sandboxed, it
// reads only its build, writes only /tmp, and with the network off reaches nothing, while the
// supervisor still calls it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { detectSandbox } from '../../src/sandbox/detect-sandbox.ts';
import type { SandboxPolicy } from '../../src/sandbox/launcher.ts';
import { plainLauncher } from '../../src/sandbox/plain-launcher.ts';
import { createHarness, type Harness } from '../supervisor/supervisor-harness.ts';
import { replicaRequest } from '../support/replica-request.ts';

const sandbox = detectSandbox({ PATH: process.env.PATH });
if (!sandbox.ok && process.env.CI === 'true') throw new Error(`no sandbox on this machine: ${sandbox.reason}. CI must run this test; .ci/run installs bubblewrap.`);

const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

/** Tries each thing a hostile model would, and says what happened (`ok: …` or the error's class). */
const PROBE_MODEL = `import os, socket

def attempt(fn):
    try:
        return "ok: " + str(fn())[:60]
    except Exception as exc:
        return type(exc).__name__

def environ_of(pid):
    with open("/proc/%d/environ" % pid, "rb") as f:
        return "PATH=" in f.read().decode("latin-1")

def predict(args):
    def connect():
        s = socket.create_connection(("127.0.0.1", args["port"]), timeout=2)
        s.close()
        return "connected"
    def write_build():
        with open("written.txt", "w") as f:
            f.write("x")
        return "written"
    def write_tmp():
        with open("/tmp/scratch.txt", "w") as f:
            f.write("x")
        return "written"
    return {
        "daemon_json": attempt(lambda: open(args["daemon_json"]).read()),
        "other_model": attempt(lambda: open(args["other_model"]).read()),
        "home": attempt(lambda: os.listdir(args["home"])),
        "own_build": attempt(lambda: open("model.py").read()[:9]),
        "parent_environ": attempt(lambda: environ_of(args["parent_pid"])),
        "tcp": attempt(connect),
        "write_build": attempt(write_build),
        "write_tmp": attempt(write_tmp),
    }
`;

type Report = Record<string, string>;

const test = suite('bubblewrap sandbox');
let h: Harness;
let listener: net.Server;
let port: number;
let layout: { buildDir: string; daemonJson: string; otherModel: string };

test.before(async () => {
  listener = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  port = (listener.address() as net.AddressInfo).port;
});
test.after(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});
test.after.each(async () => {
  await h?.cleanup();
});

/** A repository-like layout: `.slipway/daemon.json`, this model's build and another model's. */
function setup(launcher: Parameters<typeof createHarness>[0]): void {
  h = createHarness(launcher);
  const state = path.join(h.dir, 'repo', '.slipway');
  const buildDir = path.join(state, 'builds', 'probe', '1');
  fs.mkdirSync(buildDir, { recursive: true });
  fs.mkdirSync(path.join(state, 'builds', 'other', '1'), { recursive: true });
  fs.writeFileSync(path.join(buildDir, 'model.py'), PROBE_MODEL);
  const daemonJson = path.join(state, 'daemon.json');
  fs.writeFileSync(daemonJson, '{"token": "admin-token"}', { mode: 0o600 });
  const otherModel = path.join(state, 'builds', 'other', '1', 'model.py');
  fs.writeFileSync(otherModel, 'SECRET = 1\n');
  layout = { buildDir, daemonJson, otherModel };
}

async function probe(policy: SandboxPolicy): Promise<Report> {
  const [replica] = await h.supervisor.start(h.spec({ model: 'probe', buildDir: layout.buildDir, python: PYTHON, sandbox: policy, env: { ANSWER: '42' } }));
  const input = { port, daemon_json: layout.daemonJson, other_model: layout.otherModel, home: path.join(h.dir, 'repo'), parent_pid: process.pid };
  const answer = await replicaRequest(replica.origin!, '/invoke', { method: 'POST', body: JSON.stringify(input) });
  assert.is(answer.status, 200, answer.text);
  return (JSON.parse(answer.text) as { response: Report }).response;
}

test('plain: the model reads the daemon file, other builds and the parent, and connects (what the sandbox must stop)', async () => {
  setup({ launcher: plainLauncher });
  const report = await probe({ network: false, paths: [] });
  assert.equal(report.daemon_json, 'ok: {"token": "admin-token"}');
  assert.equal(report.other_model, 'ok: SECRET = 1\n');
  assert.ok(report.home.startsWith('ok: '), report.home);
  assert.equal(report.parent_environ, 'ok: True');
  assert.equal(report.tcp, 'ok: connected');
  assert.equal(report.write_build, 'ok: written');
});

test('bubblewrap, network off: only its build (read-only) and a private /tmp; no connection; still served', async () => {
  if (!sandbox.ok) return console.log(`skipped: ${sandbox.reason}`);
  setup({ launcher: sandbox.launcher });
  const report = await probe({ network: false, paths: [] });
  assert.equal(report, {
    daemon_json: 'FileNotFoundError',
    other_model: 'FileNotFoundError',
    // The repository folder exists only as the path to the build: empty but for that path.
    home: "ok: ['.slipway']",
    own_build: 'ok: import os',
    parent_environ: 'FileNotFoundError',
    tcp: 'ConnectionRefusedError',
    write_build: 'OSError',
    write_tmp: 'ok: written',
  });
  assert.not.ok(fs.existsSync(path.join(layout.buildDir, 'written.txt')));
});

test('bubblewrap, network on (deployed models): the same filesystem, and connections work', async () => {
  if (!sandbox.ok) return;
  setup({ launcher: sandbox.launcher });
  const report = await probe({ network: true, paths: [] });
  assert.equal([report.daemon_json, report.other_model, report.parent_environ, report.tcp], ['FileNotFoundError', 'FileNotFoundError', 'FileNotFoundError', 'ok: connected']);
});

test('bubblewrap: sandbox.paths mounts more, read-only', async () => {
  if (!sandbox.ok) return;
  setup({ launcher: sandbox.launcher });
  const report = await probe({ network: false, paths: [path.dirname(layout.otherModel)] });
  assert.equal([report.other_model, report.daemon_json], ['ok: SECRET = 1\n', 'FileNotFoundError']);
});

test.run();
