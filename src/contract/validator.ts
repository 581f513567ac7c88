// Compiles a model's JSON Schema with ajv and turns its errors into one message naming the field
// (ajv's instancePath), for models.yaml checks and for the gateway's `validateInput`.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonSchema } from './infer-schema.ts';

/** Checks a parsed value; null when it matches, else what is wrong, naming the field. */
export type Check = (value: unknown) => string | null;


/** A check for `schema`, or the reason it does not compile (a message for the schema's author). */
export function compileSchema(schema: JsonSchema): { ok: true; check: Check } | { ok: false; message: string } {
  let validate: ValidateFunction;
  try {
    // An ajv per schema: two models may declare the same `$id`, which one ajv refuses to hold
    // twice. Compiling happens once per deployment (and per load of models.yaml), never per call.
    // Unknown keywords (`example`, `x-…`) are allowed, as OpenAPI allows them; a malformed schema
    // (`type: strin`) is still refused by the meta-schema.
    validate = new Ajv2020({ allErrors: false, strict: false }).compile(schema);
  } catch (err) {
    return { ok: false, message: `not a valid JSON Schema (draft 2020-12): ${(err as Error).message}` };
  }
  return { ok: true, check: (value) => (validate(value) ? null : describe(validate.errors ?? [])) };
}

/** The first error as `<field> <what is wrong>`; the field is a JSON pointer into the value. */
export function describe(errors: ErrorObject[]): string {
  const error = errors[0];
  if (error === undefined) return 'does not match the schema';
  const params = error.params as Record<string, unknown>;
  let field = error.instancePath;
  let message = error.message ?? `fails the schema rule ${error.keyword}`;
  if (error.keyword === 'required') {
    field = `${field}/${String(params.missingProperty)}`;
    message = 'is required';
  } else if (error.keyword === 'additionalProperties') {
    field = `${field}/${String(params.additionalProperty)}`;
    message = 'is not allowed';
  }
  return `${field === '' ? 'the input' : `field ${field}`} ${message}`;
}
