import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/supervisor/replica-backoff.ts';
import { replicaEnv, type ReplicaEnvInput } from '../../src/supervisor/replica-env.ts';

function input(overrides: Partial<ReplicaEnvInput> = {}): ReplicaEnvInput {
  return {
    daemonEnv: { PATH: '/usr/bin:/bin', HOME: '/home/d', LANG: 'C.UTF-8', AWS_SECRET_ACCESS_KEY: 'daemon-secret', LC_ALL: 'C' },
    deploymentEnv: { THRESHOLD: '0.5' },
    runtimeDir: '/repo/runtime/python',
    python: 'python3',
    replicaId: 'm-1-7-abcde',
    concurrency: 2,
    gatewayUrl: 'http://127.0.0.1:8700',
    ...overrides,
  };
}

test('a replica gets PATH, HOME, LANG, its deployment env and Slipway variables, nothing else', () => {
  assert.equal(replicaEnv(input()), {
    PATH: '/usr/bin:/bin',
    HOME: '/home/d',
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    THRESHOLD: '0.5',
    PYTHONPATH: '/repo/runtime/python',
    SLIPWAY_REPLICA_ID: 'm-1-7-abcde',
    SLIPWAY_CONCURRENCY: '2',
    SLIPWAY_GATEWAY_URL: 'http://127.0.0.1:8700',
    SLIPWAY_PARENT_PID: String(process.pid),
    PYTHONDONTWRITEBYTECODE: '1',
  });
});

test('the runtime goes before a PYTHONPATH the deployment sets', () => {
  const env = replicaEnv(input({ deploymentEnv: { PYTHONPATH: 'lib' } }));
  assert.is(env.PYTHONPATH, '/repo/runtime/python:lib');
});

test('a deployment cannot override the Slipway variables', () => {
  const env = replicaEnv(input({ deploymentEnv: { SLIPWAY_REPLICA_ID: 'fake', HOME: '/srv' } }));
  assert.is(env.SLIPWAY_REPLICA_ID, 'm-1-7-abcde');
  assert.is(env.HOME, '/srv');
});

test("an absolute interpreter's folder goes first on PATH, unless the deployment sets PATH", () => {
  assert.is(replicaEnv(input({ python: '/b/venv/bin/python' })).PATH, '/b/venv/bin:/usr/bin:/bin');
  assert.is(replicaEnv(input({ python: '/b/venv/bin/python', deploymentEnv: { PATH: '/opt' } })).PATH, '/opt');
});

test('daemon basics that are unset stay unset', () => {
  const env = replicaEnv(input({ daemonEnv: { PATH: '/bin' } }));
  assert.is(env.HOME, undefined);
  assert.is(env.LANG, undefined);
});

test('backoff doubles from 0.1 s and stops at 10 s', () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 5000].map((n) => backoffDelay(n, DEFAULT_BACKOFF));
  assert.equal(delays, [100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000, 10000]);
});

test('backoff follows the options it is given', () => {
  const options = { initialMs: 10, maxMs: 35, resetAfterMs: 1 };
  assert.equal([1, 2, 3, 4].map((n) => backoffDelay(n, options)), [10, 20, 35, 35]);
});

test.run();
