// The shared build cache with a real registry (docker-registry) and skopeo: machine A builds and
// pushes a model's dependency folder; machine B, another repository with the same files (so the
// same dependency hash) in another folder, pulls it instead of running the build script, and the
// paths the venv recorded (a .pth written by the script) are moved to B's folder. A cache that
// cannot be read, or holds something else under the tag, never fails a build: B installs itself.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBuildInfo } from '../../src/build/build-info.ts';
import { createSnapshotBuilder, snapshotPaths } from '../../src/build/snapshot-builder.ts';
import { cacheFromEnv } from '../../src/build-cache/cache-ref.ts';
import { createDepsCache } from '../../src/build-cache/deps-cache.ts';
import { buildKey, modelSpec, repo, type Repo } from '../build/fixture.ts';
import { startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { localProject } from '../support/local-daemon.ts';
import { slipwayAsync } from '../support/cli.ts';

// A module with a token made at install time, and a .pth naming a folder of the venv by its absolute path.
const SCRIPT = [
  'set -e',
  'echo "running the build script"',
  'site=$(python -c "import sysconfig; print(sysconfig.get_paths()[\'purelib\'])")',
  'echo "TOKEN = \'$RANDOM$RANDOM$RANDOM\'" > "$site/made_here.py"',
  'mkdir -p "$VIRTUAL_ENV/lib/extra" && echo "WHERE = __file__" > "$VIRTUAL_ENV/lib/extra/wherelib.py"',
  'echo "$VIRTUAL_ENV/lib/extra" > "$site/extra.pth"',
  '',
].join('\n');
const PREDICT = 'import made_here, wherelib\ndef predict(x):\n    return made_here.TOKEN + " " + wherelib.WHERE\n';
const model = modelSpec('m', 'm/predict.py', { script: 'm/build.sh' });

function machine(): Repo {
  const r = repo();
  r.write('m/predict.py', PREDICT);
  r.write('m/build.sh', SCRIPT);
  return r;
}

function toolsHere(): boolean {
  const missing = ['skopeo', 'docker-registry', 'tar'].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return true;
  const message = `build cache tests need ${missing.join(', ')} (apt-get install -y skopeo docker-registry)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n!!! SKIPPING ${message}\n`);
  return false;
}

async function build(r: Repo, number: number, cacheUrl: string | null) {
  const key = buildKey(r.entries('m/build.sh', 'm/predict.py'), { file: 'm/predict.py', script: 'm/build.sh' });
  const lines: string[] = [];
  const ref = cacheFromEnv({ SLIPWAY_BUILD_CACHE: cacheUrl ?? '' });
  const builder = createSnapshotBuilder({ stateDir: r.stateDir, cache: ref && createDepsCache(ref) });
  const outcome = await builder.build({ root: r.root, model, key, number, log: (line) => lines.push(line) });
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.message}\n${outcome.errorTail}`);
  const info = await readBuildInfo(snapshotPaths(r.stateDir, 'm', number).folder);
  if (!info.ok) throw new Error(info.message);
  const answer = execFileSync(info.info.python, ['-c', 'import predict; print(predict.predict(None))'], {
    cwd: snapshotPaths(r.stateDir, 'm', number).folder,
    encoding: 'utf8',
  }).trim();
  const [token, where] = answer.split(' ');
  return { log: lines.join('\n'), token: token!, where: where!, deps: join(r.stateDir, 'deps', info.info.deps!) };
}

let registry: LoopbackRegistry | null = null;
const available = toolsHere();

test.before(async () => {
  if (available) registry = await startRegistry();
});
test.after(async () => {
  await registry?.stop();
});

test('machine B pulls the dependencies machine A pushed, relocated to its own folder, without running the build script', async () => {
  if (!available) return console.warn('SKIPPED: no skopeo or docker-registry');
  const cache = `oci://${registry!.address}/slipway-builds`;
  const a = machine();
  const b = machine();
  try {
    const built = await build(a, 1, cache);
    assert.match(built.log, 'running the build script');
    assert.match(built.log, /pushed dependencies [0-9a-f]{12} to the build cache/);
    assert.ok(built.where.startsWith(a.root), built.where);

    const pulled = await build(b, 1, cache);
    assert.match(pulled.log, /pulled dependencies [0-9a-f]{12} from the build cache/);
    assert.not.match(pulled.log, 'running the build script', 'B did not run the build script');
    assert.is(pulled.token, built.token, "B runs A's installed dependencies");
    assert.ok(pulled.where.startsWith(b.root), `the .pth points into B's folder, not A's: ${pulled.where}`);
    const marker = JSON.parse(readFileSync(join(pulled.deps, 'complete.json'), 'utf8')) as { pulled?: { from: string; relocated: number } };
    assert.match(marker.pulled!.from, `${registry!.address}/slipway-builds/deps:`);
    assert.ok(marker.pulled!.relocated >= 2, 'the .pth and the venv scripts were relocated');

    // A third machine pushes nothing new: the cache has this hash.
    const c = machine();
    try {
      const again = await build(c, 1, cache);
      assert.is(again.token, built.token);
    } finally {
      c.remove();
    }
  } finally {
    a.remove();
    b.remove();
  }
});

test('a cache that cannot be reached, or holds another artifact under the tag, never fails the build', async () => {
  if (!available) return console.warn('SKIPPED: no skopeo or docker-registry');
  const r = machine();
  const s = machine();
  try {
    // Nothing listens on port 9 (discard): pulling and pushing fail, the build installs and succeeds.
    const offline = await build(r, 1, 'oci://127.0.0.1:9/slipway-builds');
    assert.match(offline.log, 'could not be read');
    assert.match(offline.log, 'running the build script');
    assert.match(offline.log, 'could not push dependencies');

    // A folder pushed under another hash's tag: its marker names r's hash, not the tag's.
    const otherCache = createDepsCache(cacheFromEnv({ SLIPWAY_BUILD_CACHE: `oci://${registry!.address}/wrong-cache` })!);
    const lines: string[] = [];
    const otherHash = 'f'.repeat(64);
    execFileSync('cp', ['-a', offline.deps, join(r.stateDir, 'deps', otherHash)]);
    await otherCache.push(otherHash, join(r.stateDir, 'deps', otherHash), (line) => lines.push(line));
    assert.match(lines.join('\n'), 'pushed dependencies');
    // The pushed folder's marker says `hash`, not otherHash: a pull of otherHash refuses it.
    const refused: string[] = [];
    const target = join(s.stateDir, 'deps', otherHash);
    assert.is(await otherCache.pull(otherHash, target, (line) => refused.push(line)), false);
    assert.match(refused.join('\n'), 'did not unpack into a complete deps folder');
    assert.not.ok(existsSync(target), 'nothing is left where the pull was refused');
  } finally {
    r.remove();
    s.remove();
  }
});

test('two daemons follow one remote with a shared cache: the second deploys the same key without installing', async () => {
  if (!available) return console.warn('SKIPPED: no skopeo or docker-registry');
  const files = {
    'models.yaml': 'version: 1\nmodels:\n  - name: m\n    file: m/predict.py\n    function: predict\n    auth: false\n    build: {script: m/build.sh}\n',
    'm/predict.py': PREDICT,
    'm/build.sh': SCRIPT,
  };
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'slipway-cache-remote-')));
  const remote = join(base, 'models.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const env = { SLIPWAY_BUILD_CACHE: `oci://${registry!.address}/daemons` };
  const first = await localProject(files);
  const second = await localProject({ 'README.md': 'the other machine\n' });
  try {
    first.fx.git('remote', 'add', 'origin', remote);
    first.fx.git('push', '-q', 'origin', 'HEAD:main');
    second.fx.git('remote', 'add', 'origin', remote);
    type Built = { number: number; key: string; depsSource: string | null };
    const results: Array<{ answer: string; build: Built }> = [];
    for (const p of [first, second]) {
      const up = await slipwayAsync(p.root, ['up', '--follow', 'origin/main', '--interval', '1h', '--port', String(p.port)], env);
      p.daemonFile();
      assert.is(up.status, 0, up.stderr);
      const checked = (await p.admin('POST', 'follow/check')).body as { state: { applied: { outcome: string; message: string | null } | null } };
      assert.is(checked.state.applied?.outcome, 'applied', JSON.stringify(checked));
      const [build] = await p.json<Built[]>('builds', 'm', '--json');
      results.push({ answer: (await p.call('m', {})).body.response as string, build: build! });
    }
    const [a, b] = results as [{ answer: string; build: Built }, { answer: string; build: Built }];
    assert.is(a.build.depsSource, 'installed');
    assert.is(b.build.depsSource, 'pulled', 'the second build record says its dependencies were pulled');
    assert.is(b.build.key, a.build.key, 'the same build key on both machines');
    const log = readFileSync(join(second.root, '.slipway', 'builds', 'm', '1.log'), 'utf8');
    assert.match(log, 'pulled dependencies');
    assert.not.match(log, 'running the build script');
    assert.is(b.answer.split(' ')[0], a.answer.split(' ')[0], 'both serve the one install');
    assert.ok(b.answer.split(' ')[1]!.startsWith(second.root), b.answer);
    assert.match(await second.ok('builds', 'm'), 'deps pulled');

    await second.down();
    const bad = await slipwayAsync(second.root, ['up', '--follow', 'origin/main', '--port', String(second.port)], { SLIPWAY_BUILD_CACHE: 'https://x' });
    assert.is(bad.status, 1);
    assert.match(bad.stderr, 'SLIPWAY_BUILD_CACHE is "https://x"; write it as oci://HOST[:PORT]/PATH');
  } finally {
    await first.cleanup();
    await second.cleanup();
    rmSync(base, { recursive: true, force: true });
  }
});

test('SLIPWAY_BUILD_CACHE must be an oci:// reference; TLS is verified except on loopback', () => {
  assert.is(cacheFromEnv({}), null);
  assert.equal(cacheFromEnv({ SLIPWAY_BUILD_CACHE: 'oci://registry.example.com/team/builds' }), { repository: 'registry.example.com/team/builds', tlsVerify: true });
  assert.equal(cacheFromEnv({ SLIPWAY_BUILD_CACHE: 'oci://localhost:5000/b' }), { repository: 'localhost:5000/b', tlsVerify: false });
  assert.equal(cacheFromEnv({ SLIPWAY_BUILD_CACHE: 'oci://localhost:5000/b', SLIPWAY_BUILD_CACHE_TLS_VERIFY: 'true' })?.tlsVerify, true);
  assert.throws(() => cacheFromEnv({ SLIPWAY_BUILD_CACHE: 'https://registry.example.com/b' }), /write it as oci:\/\/HOST\[:PORT\]\/PATH/);
});

test.run();
