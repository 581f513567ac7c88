// Progressive rollouts in models.yaml: canary and shadow mappings with their defaults, the plain
// strings still accepted, and every mistake reported at its line and column.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatIssues } from '../../src/spec/format.ts';
import { loadSpec } from '../../src/spec/load.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-rollout-spec-'));
fs.writeFileSync(path.join(dir, 'model.py'), 'def predict(args):\n    return args\n');

async function load(models: string) {
  const file = path.join(dir, 'models.yaml');
  fs.writeFileSync(file, `version: 1\nmodels:\n${models}`);
  return loadSpec(file, { root: dir, checkFunctions: false });
}

const model = (name: string, rollout: string) => `  - name: ${name}\n    file: model.py\n    function: predict\n    rollout: ${rollout}\n`;

test('canary and shadow mappings load with their defaults; rolling and recreate still load', async () => {
  const loaded = await load(
    model('a', '{strategy: canary, steps: [5, 25, 50, 100], interval: 10m, maxErrorRate: 0.01, maxP95: 50ms}') +
      model('b', '{strategy: shadow, duration: 1h}') +
      model('c', '{strategy: canary}') +
      model('d', 'recreate') +
      model('e', 'rolling'),
  );
  if (!loaded.ok) assert.unreachable(formatIssues(loaded.errors));
  const [a, b, c, d, e] = loaded.ok ? loaded.spec.models : [];
  assert.equal(a.rolloutPolicy, { strategy: 'canary', steps: [5, 25, 50, 100], intervalMs: 600_000, maxErrorRate: 0.01, maxP95Ms: 50 });
  assert.equal(b.rolloutPolicy, { strategy: 'shadow', durationMs: 3_600_000, maxErrorRate: 0.01, maxP95Ms: null });
  assert.equal(c.rolloutPolicy, { strategy: 'canary', steps: [5, 25, 50, 100], intervalMs: 600_000, maxErrorRate: 0.01, maxP95Ms: null });
  assert.is(d.serving.rollout, 'recreate');
  assert.is(d.rolloutPolicy, undefined);
  assert.is(e.rolloutPolicy, undefined);
  // A progressive rollout is not a serving setting: a Kubernetes Deployment still rolls.
  assert.not.ok('rollout' in a.serving);
});

test('mistakes in a rollout mapping are reported where they are, with what to write', async () => {
  const loaded = await load(
    model('a', '{strategy: canary, steps: [5, 50, 25, 100], interval: ten minutes}') +
      model('b', '{strategy: shadow, steps: [5, 100], duration: 1d}') +
      model('c', '{strategy: blue-green}') +
      model('d', '{strategy: canary, steps: [5, 50], maxErrorRate: 2}') +
      model('e', 'blue-green'),
  );
  assert.not.ok(loaded.ok);
  const lines = loaded.ok ? [] : formatIssues(loaded.errors).split('\n').filter((l) => /models\[\d\]/.test(l));
  const text = lines.join('\n');
  const expect = [
    /:6:68 models\[0\]\.rollout\.interval: "ten minutes" is not a duration: write a whole number and a unit \(ms, s, m, h\)/,
    /:6:48 models\[0\]\.rollout\.steps\[2\]: 25 does not follow 50: steps must increase/,
    /:10:33 models\[1\]\.rollout\.steps: "steps" only applies to canary rollouts; remove it or set strategy: canary/,
    /:10:60 models\[1\]\.rollout\.duration: "1d" is not a duration/,
    /:14:25 models\[2\]\.rollout\.strategy: "blue-green" is not allowed \(allowed: canary, shadow\)/,
    /:18:63 models\[3\]\.rollout\.maxErrorRate: 2 is above the maximum 1/,
    /:18:40 models\[3\]\.rollout\.steps: the last step is 50: end at 100/,
    /:22:14 models\[4\]\.rollout: "blue-green" is not allowed \(allowed: rolling, recreate\)/,
  ];
  for (const pattern of expect) assert.ok(pattern.test(text), `expected ${pattern} in:\n${text}`);
  assert.is(lines.length, expect.length, text);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
