// No model name the schema accepts can make Slipway generate the name of one of its own objects,
// or of another model's object of the same kind: every generated name is checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { API_KEYS_SECRET } from '../../src/backends/kubernetes/cluster-api-keys.ts';
import { METRICS_STORE_NAME } from '../../src/backends/kubernetes/metrics-store-manifests.ts';
import { ACCESS_KEYS_SECRET, accessKeySecretName, APPLY_LOCK_NAME, buildRecordName, DIGEST_KEY_SECRET, envSecretName, GATEWAY_NAME, historyName, workloadName } from '../../src/backends/kubernetes/names.ts';
import { checkSchema } from '../../src/spec/schema-check.ts';
import { isModelName } from '../../src/spec/model-name.ts';

const fixed = [GATEWAY_NAME, METRICS_STORE_NAME, API_KEYS_SECRET, ACCESS_KEYS_SECRET, APPLY_LOCK_NAME, DIGEST_KEY_SECRET];

/** Each name Slipway generates for a model, with the model name it came from read back. */
const generators: { name: string; make: (model: string) => string; from: (name: string) => string | null }[] = [
  { name: 'Deployment/Service', make: workloadName, from: (n) => /^slipway-(.+)$/.exec(n)?.[1] ?? null },
  { name: 'access-key Secret', make: accessKeySecretName, from: (n) => /^slipway-(.+)-access-key$/.exec(n)?.[1] ?? null },
  { name: 'env Secret', make: (m) => envSecretName(m, '0123456789'), from: (n) => /^slipway-(.+)-env-0123456789$/.exec(n)?.[1] ?? null },
  { name: 'deployment record', make: (m) => historyName(m, 7), from: (n) => /^slipway-(.+)-d7$/.exec(n)?.[1] ?? null },
  { name: 'build record', make: (m) => buildRecordName(m, 7), from: (n) => /^slipway-(.+)-b7$/.exec(n)?.[1] ?? null },
];

const accepted = (model: string) => checkSchema({ version: 1, project: 'demo', models: [{ name: model, file: 'm.py', function: 'f' }] }).length === 0;

test('every model name that would take the name of one of Slipway\'s own objects is refused by the schema', () => {
  const colliding: string[] = [];
  for (const own of fixed) {
    for (const g of generators) {
      const model = g.from(own);
      if (model === null || !isModelName(model)) continue;
      assert.is(g.make(model), own, `${g.name} reads back`);
      colliding.push(model);
      assert.not.ok(accepted(model), `model "${model}" would name the ${g.name} ${own}`);
    }
  }
  assert.ok(colliding.includes('gateway'));
});

test('the schema says why a reserved name is refused', () => {
  const [finding] = checkSchema({ version: 1, project: 'demo', models: [{ name: 'gateway', file: 'm.py', function: 'f' }] });
  assert.match(finding.message, '"gateway" is reserved');
  assert.match(finding.message, 'slipway-<model>');
  assert.ok(accepted('gateway-2'), 'only the exact names are reserved');
});

test('two models never get the same name for objects of one kind', () => {
  // Names built to look like another model's suffixes.
  const models = ['a', 'a-d7', 'a-b7', 'a-access-key', 'a-env-0123456789', 'a-env', 'd7', 'access-key'];
  for (const g of generators) {
    const names = models.map(g.make);
    assert.is(new Set(names).size, names.length, g.name);
  }
  const secrets = models.flatMap((m) => [accessKeySecretName(m), envSecretName(m, '0123456789')]);
  assert.is(new Set(secrets).size, secrets.length, 'Secrets');
  const configMaps = models.flatMap((m) => [historyName(m, 7), buildRecordName(m, 7)]);
  assert.is(new Set(configMaps).size, configMaps.length, 'ConfigMaps');
});

test.run();
