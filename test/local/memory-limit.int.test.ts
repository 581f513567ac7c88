// resources.memory enforced locally: a model allocating past its limit is killed by the kernel
// (cgroup v1 as root here, v2 where delegated), its call answers 502 replica.out_of_memory, and the
// next call succeeds on a fresh process. Where this machine has no writable cgroup, the test checks
// the advisory note instead, and says which case ran.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probeCgroups } from '../../src/limits/cgroups.ts';
import { eventually, localProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: limits
models:
  - name: hog
    file: m/hog.py
    function: predict
    auth: false
    resources:
      memory: 128Mi
      cpu: 500m
`;

// In its sandbox every replica is the same pid of its own pid namespace: a process is told apart
// by a token drawn when it imports the model.
const hog = `import os

PROCESS = os.urandom(8).hex()

def predict(args):
    held = bytearray(args.get("mb", 0) * 1024 * 1024)
    for i in range(0, len(held), 4096):
        held[i] = 1
    return {"pid": os.getpid(), "process": PROCESS, "held": len(held)}
`;

test('a model past its memory limit answers replica.out_of_memory and comes back (or the limit is said to be advisory)', async () => {
  const support = probeCgroups({ dryRun: true });
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/hog.py': hog });
  try {
    const applied = await p.cli('apply', '--yes', '--port', String(p.port));
    assert.is(applied.status, 0, applied.stdout + applied.stderr);
    const status = await p.status();
    const replica = status.models[0]!.replicaStats[0] as unknown as { rssBytes: number | null; cpuSeconds: number | null; pid: number };
    assert.type(replica.rssBytes, 'number', 'status shows the replica RSS');
    assert.type(replica.cpuSeconds, 'number', 'status shows the replica CPU time');
    if (support.memory === null) {
      console.log(`memory-limit test: no writable cgroup here, checking the advisory note (${support.reason})`);
      assert.match(applied.stderr, 'advisory on this machine');
      const plan = await p.cli('plan');
      assert.match(plan.stderr, 'note: resources of hog');
      const shown = await p.cli('status');
      assert.match(shown.stderr, 'advisory on this machine');
      return;
    }
    console.log(`memory-limit test: enforcing with cgroup v${support.memory.version} under ${support.memory.dir}`);
    assert.not.match(applied.stderr, 'advisory');
    const small = await p.call('hog', { mb: 8 });
    assert.is(small.status, 200, JSON.stringify(small.body));
    const killed = await p.call('hog', { mb: 512 });
    assert.is(killed.status, 502, JSON.stringify(killed.body));
    assert.is(killed.body.errorCode, 'replica.out_of_memory');
    // The replica restarts (with backoff); the next call waits for it and succeeds on the new process.
    const next = await p.call('hog', { mb: 8 });
    assert.is(next.status, 200, JSON.stringify(next.body));
    assert.is.not(next.body.response.process, small.body.response.process, 'a fresh process answered');
    const logs = await p.ok('logs', 'hog', '-n', '200');
    assert.match(logs, 'killed by its memory limit');
    const after = await eventually('the restart to be counted', async () => {
      const stats = await p.replicaStats('hog');
      return stats[0]!.restarts >= 1 ? stats : undefined;
    });
    assert.ok(after[0]!.restarts >= 1);
  } finally {
    await p.cleanup();
  }
});

test.run();
