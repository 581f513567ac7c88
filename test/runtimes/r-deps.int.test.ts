// An R build's library folder, filled for real by Rscript: DESCRIPTION and renv.lock naming
// packages R has (Debian's r-cran-*) install nothing and succeed; one naming a package nobody has
// fails with its name and leaves no folder; the same hash is reused, not installed again.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureRDeps, type RDepsRequest } from '../../src/runtimes/r-deps.ts';
import { probeR } from '../../src/runtimes/r-probe.ts';
import { rMissing } from '../support/r-missing.ts';

const test = suite('R dependency library');
let dir: string;

async function request(hash: string, files: Record<string, string>, lines: string[]): Promise<RDepsRequest> {
  const source = path.join(dir, `src-${hash}`);
  mkdirSync(source, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(source, name), text);
  const probed = await probeR();
  if (!probed.ok) throw new Error(probed.message);
  return {
    stateDir: path.join(dir, 'state'),
    hash,
    r: { command: probed.command, identity: probed.identity },
    source,
    script: null,
    declared: Object.keys(files),
    builtBy: { model: 'm', number: 1 },
    // No CRAN here: a missing package fails at once instead of waiting on the network.
    env: { SLIPWAY_CRAN: `file://${path.join(dir, 'no-cran')}` },
    line: (text) => lines.push(text),
  };
}

const missing = rMissing();
if (missing !== null) {
  if (process.env.CI === 'true') test('R is installed', () => assert.unreachable(missing));
} else {
  test.before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'slipway-r-deps-'));
  });
  test.after(() => rmSync(dir, { recursive: true, force: true }));

  test('DESCRIPTION naming packages R has: nothing to install, the library is made, then reused', async () => {
    const lines: string[] = [];
    const description = 'Package: model\nVersion: 1.0\nDepends: R (>= 4.0)\nImports: jsonlite (>= 1.0),\n    stats\n';
    const first = await ensureRDeps(await request('a1', { DESCRIPTION: description }, lines));
    assert.ok(first.ok, JSON.stringify(first));
    if (!first.ok) return;
    assert.is(first.reused, false);
    assert.ok(existsSync(first.library));
    assert.ok(lines.some((l) => l.includes('every package DESCRIPTION names is installed already')), lines.join('\n'));
    const again = await ensureRDeps(await request('a1', { DESCRIPTION: description }, lines));
    assert.ok(again.ok && again.reused && again.library === first.library);
  });

  test('renv.lock naming packages R has succeeds', async () => {
    const lines: string[] = [];
    const lock = JSON.stringify({ R: { Version: '4.2.2' }, Packages: { jsonlite: { Package: 'jsonlite', Version: '1.8.4' } } });
    const done = await ensureRDeps(await request('b1', { 'renv.lock': lock }, lines));
    assert.ok(done.ok, lines.join('\n'));
  });

  test('a package nobody has fails with its name, and leaves no library folder', async () => {
    const lines: string[] = [];
    const req = await request('c1', { DESCRIPTION: 'Package: model\nImports: surelynotapackage\n' }, lines);
    const failed = await ensureRDeps(req);
    assert.is(failed.ok, false);
    if (failed.ok) return;
    assert.match(failed.message, 'DESCRIPTION');
    assert.ok(lines.some((l) => l.includes('not installed: surelynotapackage')), lines.join('\n'));
    assert.not.ok(existsSync(path.join(req.stateDir, 'deps', 'c1')));
  });
}

test.run();
