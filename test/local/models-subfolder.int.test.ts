// A monorepo keeps models.yaml in a subfolder: apply and `up -d --no-watch` start the repository's
// daemon (state in the root's .slipway/) and serve that file's models, named with -f from the root
// or found from the subfolder; editing models.yaml (replicas, description) never changes a key.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { slipwayAsync } from '../support/cli.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { behavingModels, modelEntry } from '../support/local-models.ts';

const modelsYaml = (extra: string[] = []) => `version: 1
project: mono
models:
${modelEntry('echo', 'echo', ['example:', '  input: {"a": 1}', '  output: {"a": 1}', ...extra])}
`;

const test = suite('models.yaml in a subfolder');
let p: LocalProject;

test.before(async () => {
  p = await localProject({ 'services/ml/models.yaml': modelsYaml(), 'services/ml/m/models.py': behavingModels });
});
test.after(async () => {
  await p.cleanup();
});

test('apply -f services/ml/models.yaml from the root starts the daemon and serves the model', async () => {
  const out = await p.ok('apply', '--yes', '-f', 'services/ml/models.yaml', '--port', String(p.port));
  assert.match(out, /echo/);
  const answer = await p.call('echo', { a: 1 }, undefined);
  assert.ok(answer.status === 200 || answer.status === 401, `the gateway knows the model (${answer.status})`);
  const status = await p.status();
  assert.equal(status.models.map((m) => m.model), ['echo']);
  await p.down();
});

test('up -d --no-watch from the subfolder finds its models.yaml; a models.yaml edit keeps the build', async () => {
  const cwd = `${p.root}/services/ml`;
  const up = await slipwayAsync(cwd, ['up', '-d', '--no-watch', '--port', String(p.port)]);
  assert.is(up.status, 0, up.stderr);
  p.daemonFile();
  p.fx.write('services/ml/models.yaml', modelsYaml(['description: now described', 'replicas: 2']));
  const plan = await slipwayAsync(cwd, ['plan', '--json']);
  assert.is(plan.status === 0 || plan.status === 2, true, plan.stderr);
  const change = (JSON.parse(plan.stdout) as { changes: Array<{ model: string; action: string; build: { reused: boolean } | null }> }).changes[0]!;
  assert.is(change.action, 'reconfigure', 'replicas and description redeploy the same build');
  await p.down();
});

test.run();
