// The pull-request check for a kubernetes target gets the answer diff: `slipway apply --target`
// builds v1's image (buildah → loopback registry) and deploys it to the fake API server, whose pods
// podman runs; the cluster's metrics store (a real `slipway metrics-store` process behind the fake's
// service proxy) holds captured calls. A branch changes the model; `slipway ci` on the pull request
// runs the candidate image and the deployed image with podman, called alternately on the example,
// the replay set and the captured calls, and comments the same section as locally, judged by
// `diff.maxChanged`. The apply also wrote the capture settings for the gateways.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slipwayAsync } from '../support/cli.ts';
import { BASE_IMAGE, containersAvailable, ensureBaseImage, leftoverTestContainers, removeBuiltImages, startRegistry, type LoopbackRegistry } from '../support/containers.ts';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { startFakeKubeApiServer, writeKubeconfig, type FakeKubeApiServer } from '../support/fake-kube-apiserver.ts';
import { gitFixture, type GitFixture } from '../support/git-fixture.ts';
import { startMetricsStoreProcess, type MetricsStoreProcess } from '../support/metrics-store-process.ts';
import { podmanKubelet } from '../support/podman-kubelet.ts';
import { prPayload, runSlipwayCi, steadyLatency, TOKEN } from './ci-harness.ts';

const available = containersAvailable('cluster pull-request diff');
const model = `cluster-diff-${process.pid}`;
const ns = 'models';
let repo: GitFixture;
let fake: FakeKubeApiServer;
let registry: LoopbackRegistry;
let store: MetricsStoreProcess;
let gh: FakeGitHub;
let dir: string;
let kubeconfig: string;
const kubelet = podmanKubelet(() => fake);

const v1 = 'def predict(args):\n    return {"y": args["x"] * 2}\n';
// Differs on x = 3 (replay set), x = 105 and x = 107 (captured calls) only.
const v2 = 'def predict(args):\n    x = args["x"]\n    return {"y": x * 2 + (1 if x in (3, 105, 107) else 0)}\n';

test.before(async () => {
  if (!available) return;
  await ensureBaseImage();
  registry = await startRegistry();
  fake = await startFakeKubeApiServer({ kubelet });
  gh = await startFakeGitHub({ token: TOKEN });
  dir = mkdtempSync(path.join(tmpdir(), 'slipway-cluster-diff-'));
  repo = gitFixture();
  repo.write('models.yaml', `version: 1
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
    function: predict
    replay: m/replay.jsonl
    capture: {sample: 0.5, redact: [/token]}
    diff: {maxChanged: 0.1}
    build:
      baseImage: ${BASE_IMAGE}
    example:
      input: {"x": 1}
      output: {"y": 2}
`);
  repo.write('m/score.py', v1);
  repo.write('m/replay.jsonl', `${[0, 1, 2, 3, 4].map((x) => JSON.stringify({ request: { x } })).join('\n')}\n`);
  repo.write('.gitignore', '.slipway/\n');
  repo.commitAll('v1');
  kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), fake);
  store = await startMetricsStoreProcess(fake, ns, path.join(dir, 'metrics.db'));
});

test.after(async () => {
  if (!available) return;
  await kubelet.stopAll();
  await store?.stop();
  await removeBuiltImages(registry.address, []).catch(() => undefined);
  await registry?.stop();
  await fake?.close();
  await gh?.close();
  repo?.remove();
  rmSync(dir, { recursive: true, force: true });
});

test('the cluster PR check diffs the candidate image against the deployed one on example, replay set and captured calls', async () => {
  if (!available) return;
  const applied = await slipwayAsync(repo.root, ['apply', '--target', 'dev', '--kubeconfig', kubeconfig, '--yes'], {}, 600_000);
  assert.is(applied.status, 0, `${applied.stdout}\n${applied.stderr}`);
  const settings = fake.get('configmaps', ns, 'slipway-capture');
  assert.equal(JSON.parse((settings!.data as Record<string, string>)['settings.json']!), { [model]: { sample: 0.5, maxPerDay: 10_000, retentionDays: 14, redact: ['/token'] } }, 'the apply wrote the capture settings for the gateways');

  // What the in-cluster gateways captured (redacted there: no token), ten calls.
  const calls = Array.from({ length: 10 }, (_, i) => ({
    model, deploymentId: 1, build: 1, at: Date.now() - 60_000 + i, latencyMs: 1, status: 200, outcome: 'success',
    request: JSON.stringify({ x: 100 + i }), response: JSON.stringify({ value: { y: 2 * (100 + i) } }),
  }));
  const posted = await fetch(`${store.url}/captures`, { method: 'POST', headers: { authorization: `Bearer ${store.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ calls, keep: {} }) });
  assert.is(posted.status, 200);

  repo.git('checkout', '-q', '-b', 'change');
  repo.write('m/score.py', v2);
  const sha = repo.commitAll('v2');
  const run = await runSlipwayCi(['--backend', 'dev'], { cwd: repo.root, apiUrl: gh.url, event: { name: 'pull_request', payload: prPayload('pull_request.opened', sha) }, env: { KUBECONFIG: kubeconfig } });
  const body = steadyLatency([...gh.comments.values()][0]?.body ?? '');
  assert.is(run.status, 1, `${run.stdout}\n${run.stderr}\n${body}`);
  assert.match(body, "**Answer diff** ❌ build #2 against the deployed build #1: p95 R× the deployed build's (N ms against N ms) · 3 of 16 answers changed (18.8 %).");
  assert.match(body, '- ❌ 18.8 % of answers changed, over diff.maxChanged 10.0 %');
  assert.match(body, '| <code>{&quot;x&quot;:3}</code> | m/replay.jsonl:4 | <code>{&quot;y&quot;:6}</code> | <code>{&quot;y&quot;:7}</code> |');
  for (const x of [105, 107]) assert.match(body, new RegExp(`\\| <code>\\{&quot;x&quot;:${x}\\}</code> \\| captured \\S+ \\| <code>\\{&quot;y&quot;:${2 * x}\\}</code> \\| <code>\\{&quot;y&quot;:${2 * x + 1}\\}</code> \\|`));
  assert.equal(await leftoverTestContainers(model), [], 'both images ran in containers that are gone');
});

test.run();
