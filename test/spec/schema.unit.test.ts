import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { defaultLimits, replicaCeiling } from '../../src/spec/raw-spec.ts';
import { checkSchema, modelsSchemaPath } from '../../src/spec/schema-check.ts';

type SchemaNode = Record<string, unknown>;
const schema = JSON.parse(fs.readFileSync(modelsSchemaPath, 'utf8')) as SchemaNode;

/** Every subschema with the JSON path that leads to it. */
function* walk(node: unknown, at: string): Generator<[string, SchemaNode]> {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const schemaNode = node as SchemaNode;
  yield [at, schemaNode];
  for (const [key, child] of Object.entries(schemaNode)) {
    if (key === 'properties' || key === '$defs') {
      for (const [name, sub] of Object.entries(child as SchemaNode)) yield* walk(sub, `${at}/${key}/${name}`);
    } else if (key === 'items' || key === 'additionalProperties' || key === 'propertyNames') {
      yield* walk(child, `${at}/${key}`);
    }
  }
}

test('it is JSON Schema 2020-12 that ajv compiles in strict mode', () => {
  assert.is(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  new Ajv2020({ strict: true, allowUnionTypes: true }).compile(schema);
});

test('every property has a description, so editors can explain it', () => {
  const missing: string[] = [];
  for (const [at, node] of walk(schema, '#')) {
    for (const [name, sub] of Object.entries((node.properties ?? {}) as Record<string, SchemaNode>)) {
      if (typeof sub.description !== 'string' || sub.description === '') missing.push(`${at}/properties/${name}`);
    }
  }
  assert.equal(missing, []);
});

test('every object with named properties refuses unknown keys', () => {
  const open: string[] = [];
  for (const [at, node] of walk(schema, '#')) {
    if (node.properties !== undefined && node.additionalProperties !== false) open.push(at);
  }
  assert.equal(open, []);
});

test('the documented defaults are the ones the loader applies', () => {
  const limits = (schema.properties as Record<string, { properties: Record<string, { default: number; maximum?: number }> }>).limits;
  assert.is(limits.properties.maxReplicas.default, defaultLimits.maxReplicas);
  assert.is(limits.properties.maxReplicas.maximum, replicaCeiling);
  assert.is(limits.properties.maxRequestBytes.default, 5242880);
  assert.is(defaultLimits.maxRequestBytes, 5242880);
});

test('a minimal file is valid; quantities may be written as numbers', () => {
  const minimal = { version: 1, project: 'demo', models: [{ name: 'm', file: 'm.py', function: 'f' }] };
  assert.equal(checkSchema(minimal), []);
  const withNumbers = { ...minimal, defaults: { resources: { cpu: 0.5, memory: 1073741824, gpu: 0 } } };
  assert.equal(checkSchema(withNumbers), []);
});

test('Kubernetes quantities: accepted and refused forms', () => {
  const withResources = (resources: object) => ({
    version: 1,
    project: 'demo',
    models: [{ name: 'm', file: 'm.py', function: 'f', resources }],
  });
  for (const cpu of ['1', '0.5', '500m', '.5', '2']) assert.equal(checkSchema(withResources({ cpu })), [], cpu);
  for (const memory of ['512Mi', '2Gi', '1G', '1e9', '128974848', '1.5Gi']) {
    assert.equal(checkSchema(withResources({ memory })), [], memory);
  }
  for (const cpu of ['1 core', '-1', '500M', '', 0]) assert.is(checkSchema(withResources({ cpu })).length, 1, String(cpu));
  for (const memory of ['1Gb', '1 GiB', 'lots', -5]) assert.is(checkSchema(withResources({ memory })).length, 1, String(memory));
});

test('one message per wrong value: a wrong type is not also reported as a bad enum or const', () => {
  const findings = checkSchema({
    version: '1',
    project: 'demo',
    models: [{ name: 'm', file: 'm.py', function: 'f', runtime: null, state: 3 }],
  });
  assert.equal(findings, [
    { path: ['version'], message: 'expected a whole number, got the string "1"' },
    { path: ['models', 0, 'runtime'], message: 'an empty value is not allowed (allowed: python3, r)' },
    { path: ['models', 0, 'state'], message: '3 is not allowed (allowed: running, stopped)' },
  ]);
});

test.run();
