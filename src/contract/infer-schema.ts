// Infers a JSON Schema (draft 2020-12) from example values: the contract a model's examples imply.
// The rules, chosen to describe what every example shares and nothing more:
// - a value's type: null, boolean, integer (a whole number), number, string, array or object;
//   values of several types give `type: [..]` (integer is folded into number when both appear);
// - an object's properties are the union over the examples; `required` lists the keys present
//   in every example object; unknown keys stay allowed (a client may send more than the examples);
// - an array's `items` is inferred from the elements of every example array (no `items` when all
//   example arrays are empty);
// - nothing else (no enum, const, formats or bounds): examples are too few to imply them.
// Pure functions: the same examples give the same schema, keys in first-seen order.

/** A JSON Schema object, as Slipway builds and publishes it. */
export type JsonSchema = { [key: string]: unknown };

/** The draft every schema Slipway infers or accepts is written in. */
export const schemaDialect = 'https://json-schema.org/draft/2020-12/schema';

type Kind = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';
const kindOrder: Kind[] = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

/** The schema every one of `values` satisfies; `{}` (anything) when there is no value. */
export function inferSchema(values: readonly unknown[]): JsonSchema {
  if (values.length === 0) return {};
  const kinds = new Set<Kind>(values.map(kindOf));
  if (kinds.has('number')) kinds.delete('integer');
  const ordered = kindOrder.filter((kind) => kinds.has(kind));
  const schema: JsonSchema = { type: ordered.length === 1 ? ordered[0] : ordered };
  if (kinds.has('object')) Object.assign(schema, objectSchema(values.filter(isObject)));
  if (kinds.has('array')) {
    const elements = values.filter(Array.isArray).flat();
    if (elements.length > 0) schema.items = inferSchema(elements);
  }
  return schema;
}

function objectSchema(objects: Record<string, unknown>[]): JsonSchema {
  const seen = new Map<string, unknown[]>();
  for (const object of objects) {
    for (const [key, value] of Object.entries(object)) {
      const list = seen.get(key);
      if (list === undefined) seen.set(key, [value]);
      else list.push(value);
    }
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, list] of seen) {
    properties[key] = inferSchema(list);
    if (list.length === objects.length) required.push(key);
  }
  return required.length > 0 ? { properties, required } : { properties };
}

function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
