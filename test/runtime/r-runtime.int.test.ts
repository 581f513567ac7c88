// The R replica (runtime/r/slipway_runtime.R) against a real Rscript process: the runtime protocol
// of the Python replica (ready line, GET /ready, POST /invoke answers and errors), jsonlite's
// named lists in and auto_unbox out, the model's output as prefixed log lines, load failures and
// stopping once its parent is gone. Not yet started by the supervisor (see the R issue).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, request } from 'undici';
import { modelFolder, readyPort, waitFor, type Started } from './replica-process.ts';

const server = path.resolve(import.meta.dirname, '../../runtime/r/slipway_runtime.R');
const haveR = spawnSync('Rscript', ['-e', 'library(httpuv); library(jsonlite)'], { stdio: 'ignore' }).status === 0;
if (!haveR && process.env.CI === 'true') throw new Error('Rscript with httpuv and jsonlite is missing. CI must run these tests; .ci/run installs r-base-core r-cran-httpuv r-cran-jsonlite.');
const rTest = haveR ? test : test.skip;
if (!haveR) console.log('skipping the R runtime tests: Rscript with httpuv and jsonlite is not installed');

function startR(dir: string, file: string, fn: string, env: Record<string, string> = {}): Started {
  const proc = spawn('Rscript', [server, '--file', file, '--function', fn, '--port', '0'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, stdout: () => out, stderr: () => err, exited };
}

async function call(port: number, method: string, route: string, body?: string): Promise<{ status: number; json: any; allow?: unknown }> {
  const res = await request(`http://127.0.0.1:${port}${route}`, { method: method as 'GET', body });
  return { status: res.statusCode, json: await res.body.json(), allow: res.headers.allow };
}

const model = `print("loading the model")
message("a message while loading")
scale <- function(v) v * 1.5
predict <- function(args) {
  cat("called with x =", args$x, "\\n")
  if (!is.null(args$fail)) stop("asked to fail: ", args$fail)
  if (!is.null(args$warn)) warning("careful")
  list(prediction = scale(args$x), values = c(1, 2), label = "r", nothing = NULL, one = list(a = 1L))
}
nothing <- function(args) NULL
`;

rTest('ready line first, then GET /ready and POST /invoke with the Python runtime\'s answers', async () => {
  const dir = modelFolder({ 'score.R': model });
  const r = startR(dir, 'score.R', 'predict');
  try {
    const port = await readyPort(r);
    assert.match(r.stdout(), /^SLIPWAY_READY port=\d+\n/);
    assert.equal(await call(port, 'GET', '/ready'), { status: 200, json: { ready: true }, allow: undefined });
    const ok = await call(port, 'POST', '/invoke', '{"x": 2}');
    assert.is(ok.status, 200);
    assert.equal(ok.json, { response: { prediction: 3, values: [1, 2], label: 'r', nothing: null, one: { a: 1 } }, metrics: null, uuid: null });

    const raised = await call(port, 'POST', '/invoke', '{"x": 1, "fail": "yes"}');
    assert.is(raised.status, 500);
    assert.is(raised.json.error.type, 'simpleError');
    assert.is(raised.json.error.message, 'asked to fail: yes');
    assert.match(raised.json.error.traceback, /stop\("asked to fail: ", args\$fail\)\nsimpleError: asked to fail: yes$/);

    const bad = await call(port, 'POST', '/invoke', 'not json');
    assert.is(bad.status, 400);
    assert.is(bad.json.error.type, 'BadRequest');
    assert.match(bad.json.error.message, /^the request body is not valid JSON/);
    assert.equal(await call(port, 'GET', '/invoke'), { status: 405, json: { error: { type: 'MethodNotAllowed', message: 'use POST /invoke' } }, allow: 'POST' });
    const missing = await call(port, 'GET', '/elsewhere');
    assert.is(missing.status, 404);
    assert.is(missing.json.error.type, 'NotFound');

    await call(port, 'POST', '/invoke', '{"x": 1, "warn": true}');
    await waitFor(() => r.stderr().includes('Warning: careful'), 'the warning');
    const stamp = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    assert.match(r.stdout(), new RegExp(`^SLIPWAY_READY port=\\d+\\n${stamp} stdout \\[1\\] "loading the model"\\n`));
    assert.match(r.stdout(), new RegExp(`${stamp} stdout called with x = 2 \\n`));
    assert.match(r.stderr(), new RegExp(`${stamp} stderr a message while loading\\n`));
    assert.match(r.stderr(), new RegExp(`${stamp} runtime replica \\(unnamed\\) serving score.R:predict on 127\\.0\\.0\\.1:${port}, concurrency 1\\n`));
    assert.match(r.stderr(), new RegExp(`${stamp} runtime call raised simpleError: asked to fail: yes\\n`));
  } finally {
    r.proc.kill('SIGKILL');
    await r.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

rTest('with --socket it serves on a Unix socket only its owner can use', async () => {
  const dir = modelFolder({ 'score.R': model });
  const socketPath = path.join(dir, 'replica.sock');
  const proc = spawn('Rscript', [server, '--file', 'score.R', '--function', 'predict', '--socket', socketPath], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise((resolve) => proc.on('close', resolve));
  const agent = new Agent({ connect: { socketPath } });
  try {
    await waitFor(() => out.includes('\n'), 'the ready line');
    assert.is(out.split('\n')[0], `SLIPWAY_READY socket=${socketPath}`);
    assert.is(fs.statSync(socketPath).mode & 0o777, 0o600);
    const ready = await request('http://replica/ready', { dispatcher: agent });
    assert.equal(await ready.body.json(), { ready: true });
    const answer = await request('http://replica/invoke', { method: 'POST', body: '{"x": 4}', dispatcher: agent });
    assert.equal(await answer.body.json(), { response: { prediction: 6, values: [1, 2], label: 'r', nothing: null, one: { a: 1 } }, metrics: null, uuid: null });
  } finally {
    await agent.close();
    proc.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

rTest('a function returning NULL answers null', async () => {
  const dir = modelFolder({ 'score.R': model });
  const r = startR(dir, 'score.R', 'nothing');
  try {
    const port = await readyPort(r);
    assert.equal((await call(port, 'POST', '/invoke', '{}')).json, { response: null, metrics: null, uuid: null });
  } finally {
    r.proc.kill('SIGKILL');
    await r.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

rTest('a file that fails to load, or lacks the function, exits 3 without a ready line; bad arguments exit 2', async () => {
  const dir = modelFolder({ 'broken.R': 'x <- 1\nstop("broken at load")\n', 'score.R': model });
  try {
    const broken = startR(dir, 'broken.R', 'predict');
    assert.is(await broken.exited, 3);
    assert.not.match(broken.stdout(), 'SLIPWAY_READY');
    assert.match(broken.stderr(), /runtime sourcing broken\.R failed:\n.* runtime {3}stop\("broken at load"\)\n.* runtime simpleError: broken at load\n/);
    const absent = startR(dir, 'score.R', 'absent');
    assert.is(await absent.exited, 3);
    assert.match(absent.stderr(), 'score.R defines no function absent');
    const usage = spawnSync('Rscript', [server, '--file', 'score.R'], { cwd: dir, encoding: 'utf8' });
    assert.is(usage.status, 2);
    assert.match(usage.stderr, '--file and --function are required');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

rTest('a replica stops by itself once the process that started it is gone', async () => {
  const dir = modelFolder({ 'score.R': model });
  let pid = 0;
  try {
    execFileSync('bash', ['-c', `SLIPWAY_PARENT_PID=$$ Rscript ${server} --file score.R --function predict > out.txt 2> err.txt & echo $! > pid`], { cwd: dir });
    pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    await waitFor(() => !alive(pid), 'the orphaned replica to stop');
    assert.match(fs.readFileSync(path.join(dir, 'err.txt'), 'utf8'), /runtime stopping: the parent process is gone\n.* runtime stopped\n/);
  } finally {
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

test.run();
