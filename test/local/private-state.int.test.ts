// `.slipway/` is private: the folder 0700, nothing in it open to group or others (store, WAL/SHM,
// logs, daemon files, the digest key, build metadata, sockets), and a planted fromEnv secret that
// a model prints and raises with is in no file under it, nor in `slipway logs`.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { slipwayAsync } from '../support/cli.ts';

const SECRET = 'planted-s3cret-7f3a91';

const modelsYaml = `version: 1
project: private
models:
  - name: leaky
    file: m/leaky.py
    function: predict
    auth: false
    env:
      TOKEN:
        fromEnv: LEAKY_TOKEN
`;

const leaky = `import os, sys

print("loaded with token " + os.environ["TOKEN"], flush=True)

def predict(args):
    token = os.environ["TOKEN"]
    print("calling with", token)
    print("on stderr:", token, file=sys.stderr)
    if args.get("raise"):
        raise ValueError("bad token " + token)
    return {"ok": True}
`;

const test = suite('private state');
let p: LocalProject;

test.before(async () => {
  p = await localProject({ 'models.yaml': modelsYaml, 'm/leaky.py': leaky });
  const applied = await slipwayAsync(p.root, ['apply', '--yes', '--port', String(p.port)], { LEAKY_TOKEN: SECRET });
  assert.is(applied.status, 0, applied.stdout + applied.stderr);
});
test.after(async () => {
  await p?.cleanup();
});

/** Every entry under `dir` (not following symlinks). */
function walk(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    found.push(full);
    if (entry.isDirectory()) found.push(...walk(full));
  }
  return found;
}

test('the model leaks its secret into its output and an error; no file keeps it', async () => {
  assert.is((await p.call('leaky', {})).status, 200);
  const raised = await p.call('leaky', { raise: true });
  assert.is(raised.status, 500);
  const logs = await p.ok('logs', 'leaky', '-n', '100');
  assert.match(logs, 'calling with ***');
  assert.match(logs, 'loaded with token ***');
  assert.not.match(logs, SECRET);
  const state = path.join(p.root, '.slipway');
  const files = walk(state).filter((file) => fs.lstatSync(file).isFile());
  assert.ok(files.some((file) => file.endsWith('.log') && fs.readFileSync(file, 'utf8').includes('calling with ***')), 'the replica log has the masked line');
  for (const file of files) {
    assert.not.ok(fs.readFileSync(file).includes(SECRET), `${path.relative(p.root, file)} holds the secret`);
  }
});

test('.slipway is 0700 and nothing in it is open to group or others', async () => {
  const state = path.join(p.root, '.slipway');
  assert.is(fs.statSync(state).mode & 0o777, 0o700);
  const expected = ['state.db', 'state.db-wal', 'state.db-shm', 'daemon.json', 'daemon.log', 'access-keys.json', 'secret-digest.key'];
  for (const name of expected) assert.is(fs.statSync(path.join(state, name)).mode & 0o777, 0o600, name);
  const entries = walk(state);
  const kinds = { socket: 0, log: 0, buildInfo: 0 };
  for (const entry of entries) {
    const stat = fs.lstatSync(entry);
    if (stat.isSymbolicLink()) continue;
    const mode = stat.mode & 0o777;
    assert.is(mode & 0o077, 0, `${path.relative(p.root, entry)} is ${mode.toString(8)}`);
    if (stat.isDirectory()) assert.is(mode, 0o700, path.relative(p.root, entry));
    if (stat.isSocket()) {
      kinds.socket++;
      assert.is(mode, 0o600, entry);
    }
    if (entry.endsWith('.log')) kinds.log++;
    if (entry.endsWith('build-info.json') || entry.endsWith('.slipway-build.json')) kinds.buildInfo++;
  }
  assert.ok(kinds.socket >= 1, 'a replica socket was checked');
  assert.ok(kinds.log >= 2, 'replica and daemon logs were checked');
});

test('the digest key is not in the store', async () => {
  const db = fs.readFileSync(path.join(p.root, '.slipway', 'state.db'));
  const key = fs.readFileSync(path.join(p.root, '.slipway', 'secret-digest.key'), 'utf8').trim();
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.not.ok(db.includes(key), 'state.db holds the digest key');
});

test.run();
