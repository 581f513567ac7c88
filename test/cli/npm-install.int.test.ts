// `npm install -g` of the packed tarball, as a user does on a machine whose own Node is older
// than 24: the installed `slipway` finds the Node 24 it brought and runs the compiled CLI. Needs
// npm, the npm registry (for the dependencies) and an older system Node (`/usr/bin/node`); without
// them the test is skipped outside CI and fails in CI.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitFixture } from '../support/git-fixture.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const systemBin = '/usr/bin';

function systemNodeMajor(): number | null {
  if (!existsSync(path.join(systemBin, 'node')) || !existsSync(path.join(systemBin, 'npm'))) return null;
  return Number(execFileSync(path.join(systemBin, 'node'), ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim());
}

const major = systemNodeMajor();
const missing = major === null ? 'no node and npm in /usr/bin' : null;
if (missing && process.env.CI === 'true') throw new Error(`${missing}: the install test needs the system's Node and npm`);

test('npm pack ships lib/, not the tests; the tarball installs with the system npm and runs under the system Node', () => {
  if (missing) {
    console.log(`skipped: ${missing}`);
    return;
  }
  const temp = realpathSync(mkdtempSync(path.join(tmpdir(), 'slipway-install-')));
  // The system's Node first on PATH, as on a user's machine; not this project's Node 24.
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${systemBin}:${process.env.PATH}`, npm_config_update_notifier: 'false' };
  delete env.NODE_OPTIONS;
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', temp], { cwd: repoRoot, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0].files.map((f) => f.path);
    assert.ok(files.includes('lib/cli/main.js'), 'the compiled CLI is in the package');
    assert.ok(files.includes('bin/slipway.js'));
    assert.ok(files.includes('schemas/models.schema.json'));
    assert.ok(files.includes('runtime/python/slipway_runtime/__main__.py') || files.some((f) => f.startsWith('runtime/python/')));
    assert.ok(files.includes('src/spec/top-level-names.py'), 'helper scripts the CLI runs are shipped');
    assert.equal(files.filter((f) => f.startsWith('test/') || f.startsWith('bench/') || f.endsWith('.ts')), [], 'no tests, benchmarks or TypeScript sources');

    const prefix = path.join(temp, 'prefix');
    const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', path.join(temp, packed[0].filename)], { env, encoding: 'utf8' });
    assert.is(install.status, 0, install.stderr);
    const bin = path.join(prefix, 'bin', 'slipway');

    const version = spawnSync(bin, ['--version'], { env, encoding: 'utf8' });
    assert.is(version.status, 0, version.stderr);
    assert.is(version.stdout.trim(), JSON.parse(execFileSync('cat', [path.join(repoRoot, 'package.json')], { encoding: 'utf8' })).version);

    const fx = gitFixture();
    try {
      fx.write('models.yaml', 'version: 1\nproject: demo\nmodels:\n  - name: add\n    file: m/add.py\n    function: add\n');
      fx.write('m/add.py', 'def add(args):\n    return args["a"] + args["b"]\n');
      const valid = spawnSync(bin, ['validate'], { cwd: fx.root, env, encoding: 'utf8' });
      assert.is(valid.status, 0, valid.stderr);
      assert.match(valid.stdout, /models\.yaml: valid \(1 model\)/);
      fx.write('models.yaml', 'version: 1\nproject: demo\nmodels:\n  - name: add\n    file: m/add.py\n    function: ad\n');
      const invalid = spawnSync(bin, ['validate'], { cwd: fx.root, env, encoding: 'utf8' });
      assert.is(invalid.status, 1);
      assert.match(invalid.stderr, /models\.yaml:6:/);
      assert.not.match(invalid.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      fx.remove();
    }
    console.log(`system Node ${major}; package ${readdirSync(temp).find((f) => f.endsWith('.tgz'))}`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
});

test.run();
