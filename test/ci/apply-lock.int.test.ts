// Two applies against the same state never interleave. A model whose import waits for a gate file
// holds the first apply in its deploy for as long as the test wants; a second apply with a short
// lock timeout gives up with the message; a third waits, and runs after the first has finished.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { eventually, localProject, type LocalProject } from '../support/local-daemon.ts';
import { runSlipwayCi, TOKEN, type StepRun } from './ci-harness.ts';

const quick = 'def add(args):\n    return args["a"] + args["b"]\n';
// The replica runs sandboxed: it says it started on stderr (its log; stdout is held until it is
// ready), and sees the gate's folder through sandbox.paths (read-only, live).
const gated = (dir: string) => `import os, sys, time
print("started", file=sys.stderr, flush=True)
while not os.path.exists(${JSON.stringify(path.join(dir, 'gate'))}):
    time.sleep(0.05)

def echo(args):
    return args
`;
const modelsYaml = (withGated: boolean) => `version: 1
project: lock
models:
  - name: quick
    file: quick/add.py
    function: add
${withGated ? `  - name: gated\n    file: gated/echo.py\n    function: echo\n    sandbox: {paths: [${JSON.stringify(gate)}]}\n    example:\n      input: {"x": 1}\n      output: {"x": 1}\n` : ''}`;

const test = suite('apply lock');
let p: LocalProject;
let gh: FakeGitHub;
let gate: string;

const apply = (sha: string, env: Record<string, string> = {}, onStderr?: (text: string) => void): Promise<StepRun> =>
  runSlipwayCi(['--command', 'apply', '--port', String(p.port)], { cwd: p.root, apiUrl: gh.url, env: { GITHUB_SHA: sha, ...env }, onStderr });

test.before(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
  gate = mkdtempSync(path.join(tmpdir(), 'slipway-gate-'));
  p = await localProject({ 'models.yaml': modelsYaml(false), 'quick/add.py': quick });
  await p.ok('apply', '--yes', '--port', String(p.port));
});
test.after(async () => {
  writeFileSync(path.join(gate, 'gate'), '');
  await p.cleanup();
  await gh.close();
  rmSync(gate, { recursive: true, force: true });
});

/** Whether a gated replica printed `started` (its log: `.slipway/logs/gated/<replica>.log`). */
function gatedStarted(): boolean {
  const dir = path.join(p.root, '.slipway', 'logs', 'gated');
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((file) => readFileSync(path.join(dir, file), 'utf8').includes('"started"'));
}

test('while one apply runs, a second gives up after its lock timeout and a third waits its turn', async () => {
  p.fx.write('gated/echo.py', gated(gate));
  p.fx.write('models.yaml', modelsYaml(true));
  const sha = p.fx.commitAll('add gated');
  const first = apply(sha);
  // The first apply is inside the daemon, deploying gated, once its replica has started importing.
  await eventually('the first apply to hold the lock', async () => (gatedStarted() ? true : undefined), 600);

  const second = await apply(sha, { SLIPWAY_LOCK_TIMEOUT_SECONDS: '1' });
  assert.is(second.status, 1, second.stderr);
  assert.match(second.stdout, /^::error::another apply has been running for \d+ s; gave up waiting after 1 s \(raise SLIPWAY_LOCK_TIMEOUT_SECONDS\)$/m);
  assert.match(second.summary, '**Failed:** another apply has been running for');

  let thirdWaits!: () => void;
  const waiting = new Promise<void>((resolve) => (thirdWaits = resolve));
  const third = apply(sha, {}, (stderr) => {
    if (/waiting for another apply \(running for \d+ s\); giving up after 600 s/.test(stderr)) thirdWaits();
  });
  // Only once the daemon has queued the third behind the first is the first let go.
  assert.is(await Promise.race([waiting.then(() => 'waiting'), third.then(() => 'finished')]), 'waiting');
  writeFileSync(path.join(gate, 'gate'), '');
  const [firstRun, thirdRun] = await Promise.all([first, third]);
  assert.is(firstRun.status, 0, firstRun.stderr);
  assert.is(thirdRun.status, 0, thirdRun.stderr);
  // The first created gated; the third planned after it had finished, so it found nothing to do.
  const planOf = (run: StepRun) => (JSON.parse(run.outputs.plan) as { changes: Array<{ model: string; action: string }> }).changes.map((c) => [c.model, c.action]);
  assert.equal(planOf(firstRun), [['gated', 'create'], ['quick', 'noop']]);
  assert.equal(planOf(thirdRun), [['gated', 'noop'], ['quick', 'noop']]);
  assert.equal((await p.json<unknown[]>('builds', 'gated', '--json')).length, 1);
  assert.equal((await p.json<unknown[]>('deployments', 'gated', '--json')).length, 1);

  // Each apply reported on the commit: success, failure with the lock message, success.
  const statuses = gh.requests.filter((r) => r.path === `/repos/octo-org/models/statuses/${sha}`).map((r) => r.body as { state: string; description: string });
  assert.equal(statuses.map((s) => s.state).sort(), ['failure', 'success', 'success']);
  assert.match(statuses.find((s) => s.state === 'failure')!.description, /^apply failed: another apply has been running for \d+ s; gave up waiting after 1 s/);
});

test.run();
