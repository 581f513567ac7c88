// A cluster pull request whose job cannot pull the deployed image (here: its repository is gone
// from the target's registry and from this machine, as for a PR job without read access to the
// production registry). The candidate is still built, pushed and tested; the answer diff cannot
// run. Without a diff policy that says nothing about the change: the check stays green and the
// comment says why the diff did not run. With `diff.maxChanged` the change cannot be judged: red,
// with the image, podman's reason and what to do. Real buildah, registry and podman, the fake API
// server and the fake GitHub, as in cluster-pr-diff.int.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { slipwayAsync } from '../support/cli.ts';
import { BASE_IMAGE, containersAvailable, ensureBaseImage, leftoverTestContainers, removeBuiltImages, run, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { startFakeKubeApiServer, writeKubeconfig, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';
import { podmanKubelet } from '../support/podman-kubelet.ts';
import { prPayload, runSlipwayCi, TOKEN } from './ci-harness.ts';

const available = containersAvailable('cluster pull request with an unpullable deployed image');
const model = `unpullable-${process.pid}`;
const ns = 'models';
let repo: GitFixture;
let fake: FakeKubeApiServer;
let registry: LoopbackRegistry;
let gh: FakeGitHub;
let dir: string;
let kubeconfig: string;
const kubelet = podmanKubelet(() => fake);
const test = suite('unpullable deployed image');

const modelsYaml = (policy: string) => `version: 1
project: demo
targets:
  dev:
    backend: kubernetes
    namespace: ${ns}
    registry: ${registry.address}/slipway
    insecureRegistry: true
models:
  - name: ${model}
    file: m/score.py
    function: predict${policy}
    build:
      baseImage: ${BASE_IMAGE}
    example:
      input: {"x": 1}
      output: {"y": 2}
`;
const v1 = 'def predict(args):\n    return {"y": args["x"] * 2}\n';
const v2 = 'def predict(args):\n    return {"y": args["x"] * 2 + (1 if args["x"] == 3 else 0)}\n';

test.before(async () => {
  if (!available) return;
  await ensureBaseImage();
  registry = await startRegistry();
  fake = await startFakeKubeApiServer({ kubelet });
  gh = await startFakeGitHub({ token: TOKEN });
  dir = mkdtempSync(path.join(tmpdir(), 'slipway-unpullable-'));
  repo = gitFixture();
  repo.write('models.yaml', modelsYaml(''));
  repo.write('m/score.py', v1);
  repo.write('.gitignore', '.slipway/\n');
  repo.commitAll('v1');
  kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), fake);
  const applied = await slipwayAsync(repo.root, ['apply', '--target', 'dev', '--kubeconfig', kubeconfig, '--yes'], {}, 600_000);
  assert.is(applied.status, 0, `${applied.stdout}\n${applied.stderr}`);
  // The deployed image can no longer be pulled: gone from the registry and from this machine.
  rmSync(path.join(registry.dataDir, 'docker/registry/v2/repositories/slipway', model), { recursive: true });
  const tags = (await run('podman', ['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n').filter((t) => t.startsWith(`${registry.address}/slipway/${model}:`));
  assert.ok(tags.length > 0, 'the apply left the deployed image here');
  const removed = await run('podman', ['rmi', ...tags]);
  assert.is(removed.code, 0, removed.stderr);
});

test.after(async () => {
  if (!available) return;
  await kubelet.stopAll();
  await removeBuiltImages(registry.address, []).catch(() => undefined);
  await registry?.stop();
  await fake?.close();
  await gh?.close();
  repo?.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function pullRequest(policy: string): Promise<{ status: number | null; body: string; log: string }> {
  repo.write('m/score.py', v2);
  repo.write('models.yaml', modelsYaml(policy));
  const sha = repo.commitAll(`v2${policy}`);
  const run = await runSlipwayCi(['--backend', 'dev'], { cwd: repo.root, apiUrl: gh.url, event: { name: 'pull_request', payload: prPayload('pull_request.opened', sha) }, env: { KUBECONFIG: kubeconfig } });
  return { status: run.status, body: [...gh.comments.values()].at(-1)?.body ?? '', log: `${run.stdout}\n${run.stderr}` };
}

const cannotPull = () => new RegExp(`cannot pull ${registry.address}/slipway/${model}:\\S+: [^;]*manifest unknown[^;]*; give the PR job read access to ${registry.address}/slipway/${model} `);

test('without a diff policy the check stays green and the comment says why the diff did not run', async () => {
  if (!available) return;
  repo.git('checkout', '-q', '-b', 'change');
  const pr = await pullRequest('');
  assert.is(pr.status, 0, `${pr.log}\n${pr.body}`);
  assert.match(pr.body, /### ✅ unpullable-\d+: rebuild/);
  assert.match(pr.body, '**Answer diff** ⚠️ not run: cannot pull ');
  assert.match(pr.body, cannotPull());
  assert.match(pr.body, 'Not a failure: ');
  assert.not.match(pr.body, '❌');
  assert.equal(await leftoverTestContainers(model), [], 'the candidate started for the diff is gone');
});

test('with diff.maxChanged the check is red: the diff could not run, and why', async () => {
  if (!available) return;
  const pr = await pullRequest('\n    diff: {maxChanged: 0.1}');
  assert.is(pr.status, 1, `${pr.log}\n${pr.body}`);
  assert.match(pr.body, /### ❌ unpullable-\d+: rebuild/);
  assert.match(pr.body, '**Error:** could not run the diff: cannot pull ');
  assert.match(pr.body, cannotPull());
  assert.match(pr.body, `or drop diff.maxChanged and latencyBudget from ${model}`);
  assert.not.match(pr.body, '⚠️ not run');
  assert.equal(await leftoverTestContainers(model), []);
});

test.run();
