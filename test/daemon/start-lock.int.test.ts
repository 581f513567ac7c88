// The start lock, raced by many processes at once: exactly one takes it while it is held, and a
// lock left by a dead process is taken over.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tryStartLock } from '../../src/daemon/start-lock.ts';
import { stateDir } from '../../src/backends/local/observe.ts';

const lockModule = path.resolve('src/daemon/start-lock.ts');

/**
 * Starts `count` processes that wait for `go`, race for the lock and say whether they got it. The
 * holder keeps the lock until every racer has tried (their stdin closes then), so a racer that
 * starts late on a loaded machine still races against a held lock instead of a released one.
 */
async function race(root: string, count: number): Promise<boolean[]> {
  const go = Date.now() + 1500;
  const script = `
    import { tryStartLock } from ${JSON.stringify(lockModule)};
    while (Date.now() < ${go}) {}
    const lock = tryStartLock(${JSON.stringify(root)});
    process.stdout.write(lock ? 'took' : 'waited');
    process.stdin.resume();
    process.stdin.on('end', () => lock?.release());
  `;
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const attempts = children.map(
    (child) =>
      new Promise<boolean>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk) => {
          out += chunk;
          if (out === 'took' || out === 'waited') resolve(out === 'took');
        });
        child.on('error', reject);
        child.on('exit', (code) => reject(new Error(`racer exited ${code} before trying`)));
      }),
  );
  const exits = children.map((child) => new Promise<void>((resolve) => child.on('exit', () => resolve())));
  try {
    return await Promise.all(attempts);
  } finally {
    for (const child of children) child.stdin!.end();
    await Promise.all(exits);
  }
}

test('processes racing for the start lock: exactly one takes it, every time', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'slipway-lock-'));
  try {
    mkdirSync(stateDir(root), { recursive: true });
    for (let round = 0; round < 3; round++) {
      const took = (await race(root, 12)).filter(Boolean).length;
      assert.is(took, 1, `round ${round}: ${took} processes took the lock`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a lock whose holder died is taken over; a live holder keeps it', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'slipway-lock-'));
  try {
    mkdirSync(stateDir(root), { recursive: true });
    const file = path.join(stateDir(root), 'daemon.start.lock');
    writeFileSync(file, '999999999');
    const lock = tryStartLock(root);
    assert.ok(lock, 'a dead holder does not keep the lock');
    assert.is(tryStartLock(root), null, 'a live holder (this process) keeps it');
    lock.release();
    assert.ok(tryStartLock(root), 'released means free');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
