// The start lock, raced by many processes at once: exactly one takes it while it is held, and a
// lock left by a dead process is taken over.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tryStartLock } from '../../src/backends/local/start-lock.ts';
import { stateDir } from '../../src/backends/local/observe.ts';

const lockModule = path.resolve('src/backends/local/start-lock.ts');

/**
 * Starts `count` processes that race for the lock once all of them are running (each says `ready`,
 * then waits for a go file: a start-up slower than the others cannot make one late), hold it a
 * moment and say whether they got it.
 */
async function race(root: string, count: number): Promise<boolean[]> {
  const go = path.join(root, `go-${Math.random().toString(36).slice(2)}`);
  const script = `
    import { existsSync } from 'node:fs';
    import { tryStartLock } from ${JSON.stringify(lockModule)};
    process.stdout.write('ready\\n');
    while (!existsSync(${JSON.stringify(go)})) {}
    const lock = tryStartLock(${JSON.stringify(root)});
    await new Promise((resolve) => setTimeout(resolve, 300));
    lock?.release();
    process.stdout.write(lock ? 'took' : 'waited');
  `;
  let ready = 0;
  let allReady!: () => void;
  const everyoneReady = new Promise<void>((resolve) => (allReady = resolve));
  const runs = Array.from({ length: count }, () =>
    new Promise<boolean>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk) => {
        const before = out;
        out += chunk;
        if (!before.includes('ready\n') && out.includes('ready\n') && ++ready === count) allReady();
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out.endsWith('took')) : reject(new Error(`racer exited ${code}`))));
    }),
  );
  await everyoneReady;
  writeFileSync(go, '');
  return Promise.all(runs);
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
