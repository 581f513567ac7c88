// A hung build step is cut off: a build script that sleeps is killed at its time limit, its own
// children with it, and the build fails with a message naming the step and the limit; a build
// whose signal aborts is killed the same way and says it was cancelled. Real bash, real python.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSnapshotBuilder, snapshotPaths } from '../../src/build/snapshot-builder.ts';
import { stepLimitSeconds } from '../../src/build/step-limits.ts';
import { processRunning } from '../support/local-daemon.ts';
import { buildKey, modelSpec, repo, type Repo } from './fixture.ts';

const model = modelSpec('m', 'm/predict.py', { script: 'm/build.sh' });

/** A model whose build script records its pid and its child's, then waits forever. */
function hangingRepo(): { r: Repo; pids: string } {
  const r = repo();
  const pids = join(r.outside, 'pids');
  r.write('m/predict.py', 'def predict(x):\n    return x\n');
  r.write('m/build.sh', `echo $$ > ${pids}\nsleep 600 &\necho $! >> ${pids}\nwait\n`);
  return { r, pids };
}

function keyOf(r: Repo) {
  return buildKey(r.entries('m/build.sh', 'm/predict.py'), { file: 'm/predict.py', script: 'm/build.sh' });
}

function pidsOf(file: string): number[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
}

test('a build script past its time limit is killed with its children, and the message names the step and the limit', async () => {
  const { r, pids } = hangingRepo();
  try {
    const outcome = await createSnapshotBuilder({ stateDir: r.stateDir, stepTimeouts: { "build script": 1 } }).build({ root: r.root, model, key: keyOf(r), number: 1 });
    assert.is(outcome.ok, false);
    if (outcome.ok) return;
    assert.is(outcome.message, 'build script build.sh did not finish within 1 s and was stopped (raise SLIPWAY_STEP_TIMEOUT_SECONDS if it needs longer)');
    const [script, child] = pidsOf(pids);
    assert.is(processRunning(script!), false, 'the script is gone');
    assert.is(processRunning(child!), false, "the script's sleep is gone too");
    assert.is(existsSync(snapshotPaths(r.stateDir, 'm', 1).folder), false, 'no build folder');
    assert.is(existsSync(join(r.stateDir, 'deps')) && readFileSync(outcome.logPath, 'utf8').includes('build failed: build script build.sh did not finish'), true);
  } finally {
    r.remove();
  }
});

test('an aborted build kills its running step and says it was cancelled, with the reason', async () => {
  const { r, pids } = hangingRepo();
  try {
    const controller = new AbortController();
    const building = createSnapshotBuilder({ stateDir: r.stateDir }).build({ root: r.root, model, key: keyOf(r), number: 1, signal: controller.signal });
    // The script is running once it has written both pids.
    while (!existsSync(pids) || pidsOf(pids).length < 2) await sleep(20);
    controller.abort(new Error('a newer apply superseded this one'));
    const outcome = await building;
    assert.is(outcome.ok, false);
    if (outcome.ok) return;
    assert.is(outcome.message, 'build script build.sh was cancelled: a newer apply superseded this one');
    for (const pid of pidsOf(pids)) assert.is(processRunning(pid), false, `process ${pid} is gone`);
    assert.is(existsSync(snapshotPaths(r.stateDir, 'm', 1).folder), false, 'no build folder');
  } finally {
    r.remove();
  }
});

test('SLIPWAY_STEP_TIMEOUT_SECONDS replaces the defaults; a bad value names the variable', () => {
  assert.is(stepLimitSeconds('pip', undefined, {}), 3600);
  assert.is(stepLimitSeconds('pip', undefined, { SLIPWAY_STEP_TIMEOUT_SECONDS: '5' }), 5);
  assert.is(stepLimitSeconds('pip', 2, { SLIPWAY_STEP_TIMEOUT_SECONDS: '5' }), 2);
  assert.throws(() => stepLimitSeconds('git', undefined, { SLIPWAY_STEP_TIMEOUT_SECONDS: 'soon' }), /SLIPWAY_STEP_TIMEOUT_SECONDS is "soon"; set it to a number of seconds above 0/);
});

test.run();
