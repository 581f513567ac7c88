// The cdsw SDK in a training script (plain python3, no replica): track_metric and track_file record
// to .slipway/tracked/ at the repository root (0700 folders, 0600 file) with one notice on stderr,
// and read_metrics without a gateway raises instead of answering an empty list. In a replica,
// track_file records nothing and says so.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { gitFixture } from '../support/git-fixture.ts';
import { runtimeDir, startReplica, waitFor } from './replica-process.ts';

function python(cwd: string, code: string): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: runtimeDir, PYTHONDONTWRITEBYTECODE: '1' };
  delete env.SLIPWAY_GATEWAY_URL;
  const run = spawnSync('python3', ['-c', code], { cwd, env, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

test('a training script: metrics and files go to .slipway/tracked/ at the repository root, private, with one notice', () => {
  const fx = gitFixture();
  try {
    fx.write('train/data.csv', 'a,b\n1,2\n');
    const run = python(path.join(fx.root, 'train'), [
      'import cdsw',
      'cdsw.track_metric("auc", 0.91)',
      'cdsw.track_metric("sizes", [1, 2])',
      'cdsw.track_file("data.csv")',
      'print("done")',
    ].join('\n'));
    assert.is(run.status, 0, run.stderr);
    const folder = path.join(fx.root, '.slipway', 'tracked');
    const [file, ...others] = fs.readdirSync(folder);
    assert.is(others.length, 0);
    const record = path.join(folder, file);
    assert.is(mode(path.join(fx.root, '.slipway')), 0o700);
    assert.is(mode(folder), 0o700);
    assert.is(mode(record), 0o600);
    assert.is(run.stderr, `cdsw: not in a Slipway model, so tracked metrics and files are recorded in ${record}\n`);
    const lines = fs.readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const runId = file.replace(/\.jsonl$/, '');
    const sha256 = spawnSync('sha256sum', [path.join(fx.root, 'train/data.csv')], { encoding: 'utf8' }).stdout.split(' ')[0];
    for (const line of lines) assert.match(line.time, /^\d{4}-\d\d-\d\dT[\d:.]+\+00:00$/);
    assert.equal(lines.map(({ time: _time, ...rest }) => rest), [
      { run: runId, script: '-c', type: 'metric', key: 'auc', value: 0.91 },
      { run: runId, script: '-c', type: 'metric', key: 'sizes', value: [1, 2] },
      { run: runId, script: '-c', type: 'file', path: 'train/data.csv', bytes: 8, sha256 },
    ]);
  } finally {
    fx.remove();
  }
});

test('track_file of a missing file names it; read_metrics without a gateway raises a clear error', () => {
  const fx = gitFixture();
  try {
    const run = python(fx.root, [
      'import cdsw',
      'try:',
      '    cdsw.track_file("nope.pkl")',
      'except FileNotFoundError as exc:',
      '    print("missing:", exc)',
      'try:',
      '    cdsw.read_metrics(model_deployment_crn="crn:x")',
      'except cdsw.GatewayError as exc:',
      '    print("read:", exc)',
      'print("dev:", cdsw.read_metrics(dev=True))',
    ].join('\n'));
    assert.is(run.status, 0, run.stderr);
    assert.match(run.stdout, /missing: track_file\('nope\.pkl'\): no such file/);
    assert.match(run.stdout, /read: read_metrics reads a deployment's metrics from the Slipway gateway, but SLIPWAY_GATEWAY_URL is not set: run the script with `slipway python -- SCRIPT`.*pass dev=True/);
    assert.match(run.stdout, "dev: {'metrics': []}");
    assert.not.ok(fs.existsSync(path.join(fx.root, '.slipway')), 'nothing was recorded');
  } finally {
    fx.remove();
  }
});

test('in a replica, track_file records nothing and warns once', async () => {
  const replica = await startReplica(
    { 'predict.py': 'import cdsw\ndef predict(args):\n    cdsw.track_file("predict.py")\n    return 1\n' },
    'predict.py',
    'predict',
  );
  try {
    for (let i = 0; i < 2; i++) {
      const res = await request(`${replica.url}/invoke`, { method: 'POST', body: '{}' });
      assert.equal(await res.body.json(), { response: 1, metrics: null, uuid: null });
    }
    await waitFor(() => replica.stderr().includes('track_file'), 'the warning');
    assert.is(replica.stderr().split("track_file('predict.py') records files of training runs").length - 1, 1);
    assert.not.ok(fs.existsSync(path.join(replica.dir, '.slipway')));
  } finally {
    await replica.stop();
  }
});

test.run();
