// A replica whose supervisor died (SIGKILL, crash) must not live on holding its port.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const runtimeDir = path.resolve(import.meta.dirname, '../../runtime/python');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a replica stops by itself once the process that started it is gone', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-orphan-'));
  let pid = 0;
  try {
    writeFileSync(path.join(dir, 'm.py'), 'def f(a):\n    return a\n');
    // A short-lived parent starts the replica and exits at once, as a killed daemon would.
    execFileSync('bash', ['-c', `SLIPWAY_PARENT_PID=$$ python3 -m slipway_runtime --file m.py --function f > out.txt 2>&1 & echo $! > pid`], {
      cwd: dir,
      env: { ...process.env, PYTHONPATH: runtimeDir },
    });
    pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
    assert.ok(pid > 0);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 100));
      gone = !alive(pid);
    }
    assert.ok(gone, `replica ${pid} still runs after its parent exited`);
  } finally {
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
