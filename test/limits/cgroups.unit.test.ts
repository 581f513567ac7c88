// Where limits can be enforced, found from /proc/self/cgroup and the cgroup mounts: simulated here
// in temp folders (the machine's real cgroups are exercised by test/local/memory-limit).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { advisoryNote } from '../../src/limits/advisory.ts';
import { probeCgroups } from '../../src/limits/cgroups.ts';
import { cpuCores, memoryBytes } from '../../src/limits/quantity.ts';
import { createReplicaCgroup } from '../../src/limits/replica-cgroup.ts';

function tempMount(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-cgroup-'));
}

test('no delegated v2 subtree and no v1 hierarchy: limits are advisory, and the note says so once', () => {
  const mount = tempMount();
  try {
    fs.mkdirSync(path.join(mount, 'user.slice'));
    fs.writeFileSync(path.join(mount, 'user.slice', 'cgroup.subtree_control'), '');
    const support = probeCgroups({ mountRoot: mount, selfCgroup: '0::/user.slice\n', subtree: 's' });
    assert.is(support.memory, null);
    assert.is(support.cpu, null);
    assert.match(support.reason ?? '', 'memory and cpu limits are advisory on this machine');
    const note = advisoryNote([{ name: 'iris', cpu: null, memory: '1Gi' }, { name: 'free', cpu: null, memory: null }], support);
    assert.match(note ?? '', /^note: resources of iris: /);
    assert.is(advisoryNote([{ name: 'free', cpu: null, memory: null }], support), null, 'nothing declared, nothing said');
  } finally {
    fs.rmSync(mount, { recursive: true, force: true });
  }
});

test('a delegated v2 subtree: replica cgroups get memory.max, no swap, cpu.max, and read oom_kill', () => {
  const mount = tempMount();
  try {
    const own = path.join(mount, 'user.slice', 'app.scope');
    fs.mkdirSync(own, { recursive: true });
    fs.writeFileSync(path.join(own, 'cgroup.subtree_control'), 'cpu memory pids');
    const support = probeCgroups({ mountRoot: mount, selfCgroup: '0::/user.slice/app.scope\n', subtree: 'slipway-1' });
    assert.equal(support.memory, { version: 2, dir: path.join(own, 'slipway-1') });
    assert.is(support.reason, null);
    const cgroup = createReplicaCgroup(support, 'r1', { memoryBytes: memoryBytes('128Mi'), cpus: cpuCores('500m') })!;
    const dir = path.join(own, 'slipway-1', 'r1');
    assert.is(fs.readFileSync(path.join(dir, 'memory.max'), 'utf8'), String(128 * 2 ** 20));
    assert.is(fs.readFileSync(path.join(dir, 'memory.swap.max'), 'utf8'), '0');
    assert.is(fs.readFileSync(path.join(dir, 'cpu.max'), 'utf8'), '50000 100000');
    assert.not.ok(cgroup.oomKilled());
    fs.writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    assert.ok(cgroup.oomKilled());
  } finally {
    fs.rmSync(mount, { recursive: true, force: true });
  }
});

test('v1: nothing is made until a replica needs it, and subtrees of dead daemons are removed', () => {
  const mount = tempMount();
  try {
    fs.mkdirSync(path.join(mount, 'memory', 'job'), { recursive: true });
    fs.writeFileSync(path.join(mount, 'memory', 'memory.limit_in_bytes'), '');
    const stale = path.join(mount, 'memory', 'job', 'slipway-999999999');
    fs.mkdirSync(path.join(stale, 'replica-0'), { recursive: true });
    const live = path.join(mount, 'memory', 'job', `slipway-${process.pid}`);
    fs.mkdirSync(live);
    const support = probeCgroups({ mountRoot: mount, selfCgroup: '4:memory:/job\n', subtree: 'slipway-1' });
    assert.equal(support.memory, { version: 1, dir: path.join(mount, 'memory', 'job', 'slipway-1') });
    assert.not.ok(fs.existsSync(stale), 'the subtree of a dead daemon is gone');
    assert.ok(fs.existsSync(live), 'a live daemon keeps its subtree');
    assert.not.ok(fs.existsSync(support.memory!.dir), 'made only when a replica needs it');
    createReplicaCgroup(support, 'r1', { memoryBytes: 64 * 2 ** 20, cpus: null });
    assert.is(fs.readFileSync(path.join(support.memory!.dir, 'r1', 'memory.limit_in_bytes'), 'utf8'), String(64 * 2 ** 20));
  } finally {
    fs.rmSync(mount, { recursive: true, force: true });
  }
});

test('quantities as models.yaml writes them', () => {
  assert.is(memoryBytes('512Mi'), 512 * 2 ** 20);
  assert.is(memoryBytes('1G'), 1e9);
  assert.is(memoryBytes('1e9'), 1e9);
  assert.is(memoryBytes('2048'), 2048);
  assert.is(memoryBytes('lots'), null);
  assert.is(cpuCores('500m'), 0.5);
  assert.is(cpuCores('2'), 2);
  assert.is(cpuCores('0.25'), 0.25);
});

test.run();
