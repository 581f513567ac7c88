// Validates models.yaml data against schemas/models.schema.json and turns ajv's terse errors
// ("must NOT have additional properties") into messages that say what was wrong and what is allowed.
import fs from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { fromJsonPointer } from './data-path.ts';
import type { DataPath, Finding } from './data-path.ts';
import { didYouMean } from './did-you-mean.ts';
import { packagePath } from '../package-paths.ts';

/** Absolute path of the JSON Schema, for callers that show or publish it. */
export const modelsSchemaPath = packagePath('schemas', 'models.schema.json');

type PatternRule = 'dnsLabel' | 'envName' | 'envValue' | 'functionName' | 'cpu' | 'memory' | 'jsonPointer' | 'replayFile' | 'rolloutDuration' | 'latency';

let compiled: { validate: ValidateFunction; patterns: Map<string, PatternRule> } | undefined;

// Compiling takes tens of milliseconds; do it once per process, on first use.
function validator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(fs.readFileSync(modelsSchemaPath, 'utf8')) as SchemaDefs;
    const validate = new Ajv2020({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(schema);
    compiled = { validate, patterns: patternRules(schema) };
  }
  return compiled.validate;
}

type SchemaDefs = { $defs: Record<string, { pattern?: string; properties?: Record<string, { pattern?: string }> }> };

// ajv reports a failed pattern with the schema path relative to wherever it inlined a $ref, so the
// rule is recognised by its pattern, read from the schema itself.
function patternRules(schema: SchemaDefs): Map<string, PatternRule> {
  const defs = schema.$defs;
  const rules = new Map<string, PatternRule>();
  const add = (pattern: string | undefined, rule: PatternRule) => {
    if (pattern !== undefined) rules.set(pattern, rule);
  };
  add(defs.dnsLabel?.pattern, 'dnsLabel');
  add(defs.envName?.pattern, 'envName');
  add(defs.functionName?.pattern, 'functionName');
  add(defs.envValue?.pattern, 'envValue');
  add(defs.resources?.properties?.cpu?.pattern, 'cpu');
  add(defs.resources?.properties?.memory?.pattern, 'memory');
  add(defs.jsonPointer?.pattern, 'jsonPointer');
  add(defs.replayFile?.pattern, 'replayFile');
  add(defs.rolloutDuration?.pattern, 'rolloutDuration');
  add(defs.latency?.pattern, 'latency');
  return rules;
}

/** Every schema violation in `data`, as findings with friendly messages. Empty when valid. */
export function checkSchema(data: unknown): Finding[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  // `version: "1"` fails both type and const; "expected a whole number" says it all.
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  for (const error of errors) {
    if (error.keyword !== 'type' && wrongType.has(error.instancePath)) continue;
    const finding = describe(error, fromJsonPointer(error.instancePath, data));
    if (finding === null || isImpliedByTypo(error, errors)) continue;
    const id = `${finding.path.join('\u0000')}\u0000${finding.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    findings.push(finding);
  }
  return findings;
}

// `fucntion: predict` is both an unknown key and a missing `function`; the did-you-mean on the
// unknown key already says it all.
function isImpliedByTypo(error: ErrorObject, errors: ErrorObject[]): boolean {
  if (error.keyword !== 'required') return false;
  const missing = String(error.params.missingProperty);
  return errors.some(
    (other) =>
      other.keyword === 'additionalProperties' &&
      other.instancePath === error.instancePath &&
      didYouMean(String(other.params.additionalProperty), allowedKeys(other)) === missing,
  );
}

function allowedKeys(error: ErrorObject): string[] {
  const properties = (error.parentSchema as { properties?: object } | undefined)?.properties;
  return Object.keys(properties ?? {});
}

function describe(error: ErrorObject, path: DataPath): Finding | null {
  const data: unknown = error.data;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = allowedKeys(error);
      const guess = didYouMean(key, allowed);
      const hint = guess === undefined ? '' : `, did you mean "${guess}"?`;
      return { path: [...path, key], onKey: true, message: `unknown key "${key}"${hint} (allowed: ${allowed.join(', ')})` };
    }
    case 'required': {
      const required = (error.parentSchema as { required?: string[] } | undefined)?.required ?? [];
      const missing = String(params.missingProperty);
      const others = required.length > 1 ? ` (required here: ${required.join(', ')})` : '';
      return { path, message: `missing required key "${missing}"${others}` };
    }
    case 'type':
      return { path, message: typeMessage(error.parentSchema, params.type as string | string[], data) };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = typeof data === 'string' ? didYouMean(data, allowed) : undefined;
      const hint = guess === undefined ? '' : `, did you mean "${guess}"?`;
      return { path, message: `${show(data)} is not allowed${hint} (allowed: ${allowed.join(', ')})` };
    }
    case 'const':
      return { path, message: `${show(data)} is not supported (allowed: ${show(params.allowedValue)})` };
    case 'pattern':
      // A bad key (propertyNames) carries the key itself; point at it.
      if (typeof (error as { propertyName?: string }).propertyName === 'string') {
        const key = (error as { propertyName?: string }).propertyName as string;
        return { path: [...path, key], onKey: true, message: patternMessage(String(params.pattern), key) };
      }
      return { path, message: patternMessage(String(params.pattern), String(data)) };
    case 'propertyNames':
    case 'if':
      // The branch taken (`then` / `else`) reports what is wrong.
      return null;
    case 'minimum':
      return { path, message: `${show(data)} is below the minimum ${String(params.limit)}` };
    case 'maximum':
      return { path, message: `${show(data)} is above the maximum ${String(params.limit)}` };
    case 'exclusiveMinimum':
      return { path, message: `${show(data)} is too small (must be more than ${String(params.limit)})` };
    case 'maxLength':
      return {
        path,
        message: `${show(data)} is ${String(data).length} characters long (at most ${String(params.limit)} allowed)`,
      };
    case 'minLength':
      return { path, message: 'must not be empty' };
    case 'not': {
      const why = ((error.parentSchema as { not?: { description?: string } } | undefined)?.not?.description);
      return { path, message: `${show(data)} is reserved${why ? `: ${why}` : ''}; choose another name` };
    }
    default:
      return { path, message: error.message ?? `fails the schema rule ${error.keyword}` };
  }
}

const typeNames: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'nothing',
};

function typeMessage(schema: unknown, expected: string | string[], data: unknown): string {
  // Only an env value's schema requires `fromEnv`.
  const only = schema as { required?: string[]; type?: unknown } | undefined;
  if (only?.required?.includes('fromEnv') === true && only.type === 'object') {
    return `expected {fromEnv: VARIABLE}, got ${describeValue(data)}: secrets are read from the environment, never written in models.yaml`;
  }
  if (only?.required?.includes('fromEnv') === true) {
    const quote = typeof data === 'number' || typeof data === 'boolean' ? ` (quote it: "${String(data)}")` : '';
    return `expected a string or {fromEnv: NAME}, got ${describeValue(data)}${quote}`;
  }
  const pattern = (schema as { pattern?: unknown } | undefined)?.pattern;
  if (typeof pattern === 'string' && compiled?.patterns.get(pattern) === 'latency') {
    return `expected a latency with its unit, e.g. "50ms" or "0.2s", got ${describeValue(data)}`;
  }
  const wanted = (Array.isArray(expected) ? expected : [expected]).map((t) => typeNames[t] ?? t);
  return `expected ${wanted.join(' or ')}, got ${describeValue(data)}`;
}

function describeValue(data: unknown): string {
  if (data === null || data === undefined) return 'nothing';
  if (Array.isArray(data)) return 'a list';
  if (typeof data === 'object') return 'a mapping';
  if (typeof data === 'string') return `the string ${show(data)}`;
  if (typeof data === 'number') return `the number ${data}`;
  return `${typeof data} ${String(data)}`;
}

function patternMessage(pattern: string, value: string): string {
  const shown = show(value);
  const rule = compiled?.patterns.get(pattern);
  if (rule === 'dnsLabel') {
    const fixed = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
    const hint = fixed !== '' && fixed !== value ? `, e.g. "${fixed}"` : '';
    return `${shown} is not a valid name: use lowercase letters, digits and "-", starting and ending with a letter or digit${hint} (a DNS-1123 label)`;
  }
  if (rule === 'envName') {
    return `${shown} is not a valid environment variable name: use letters, digits and "_", not starting with a digit`;
  }
  if (rule === 'envValue') {
    return 'an environment value cannot hold a NUL character (\\0): the operating system would cut the value there; remove it';
  }
  if (rule === 'functionName') {
    return `${shown} is not a valid function name: use letters, digits and "_" (and "." in R), not starting with a digit`;
  }
  if (rule === 'cpu') {
    return `${shown} is not a CPU quantity: use cores (1, 0.5) or millicores (500m)`;
  }
  if (rule === 'memory') {
    return `${shown} is not a memory quantity: use bytes with an optional suffix (512Mi, 2Gi, 1G)`;
  }
  if (rule === 'jsonPointer') {
    return `${shown} is not a JSON pointer: start with "/" and separate keys with "/", e.g. "/${value.replace(/^\/*/, '').replace(/\./g, '/')}" (write ~1 for a "/" inside a key, ~0 for "~")`;
  }
  if (rule === 'latency') {
    return `${shown} is not a latency: use milliseconds or seconds with the unit, e.g. "50ms" or "0.2s"`;
  }
  if (rule === 'replayFile') {
    return `${shown} is not a replay set: use a path in the repository, relative to models.yaml, ending in .jsonl`;
  }
  if (rule === 'rolloutDuration') {
    return `${shown} is not a duration: write a whole number and a unit (ms, s, m, h), like 50ms, 10m or 1h`;
  }
  return `${shown} does not match the pattern ${pattern}`;
}

/** A value as it appears in a message: strings quoted (and cut when long), others as written. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
