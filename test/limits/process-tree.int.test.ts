// A replica's cgroup takes its whole process tree: a launcher (bubblewrap) forks the model's
// process before the supervisor moves the launcher, and a forked process does not follow.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { descendantsOf } from '../../src/limits/replica-cgroup.ts';

test('descendantsOf finds grandchildren, and nothing for a process without children', async () => {
  let grandchild = 0;
  const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    grandchild = await new Promise<number>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    assert.ok(descendantsOf(process.pid).includes(grandchild), 'the sleep, a grandchild of this process');
    assert.ok(descendantsOf(parent.pid!).includes(grandchild));
    assert.equal(descendantsOf(grandchild), []);
  } finally {
    parent.kill('SIGKILL');
    if (grandchild > 0) process.kill(grandchild, 'SIGKILL');
  }
});

test.run();
