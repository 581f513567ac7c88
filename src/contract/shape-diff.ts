// How an output's JSON shape changed between two schemas (inferred or declared): keys added or
// removed and types changed, each at its JSON pointer. An integer where a number was (or the
// reverse) is not a change: examples 1 and 1.5 are the same kind of answer.
import type { JsonSchema } from './infer-schema.ts';

/** The changes from `before` to `after`, e.g. `/score: key added (number)`; empty when the shape is the same. */
export function shapeChanges(before: JsonSchema, after: JsonSchema, at = ''): string[] {
  const changes: string[] = [];
  const was = types(before);
  const now = types(after);
  // `{}` (no example had an output) says nothing to compare with.
  if (was === null || now === null) return changes;
  if (!sameKinds(was, now)) {
    changes.push(`${at || '/'}: ${was.join(' or ')} → ${now.join(' or ')}`);
    return changes;
  }
  const beforeProps = properties(before);
  const afterProps = properties(after);
  for (const [key, schema] of Object.entries(afterProps)) {
    const path = `${at}/${escape(key)}`;
    const old = beforeProps[key];
    if (old === undefined) changes.push(`${path}: key added (${(types(schema) ?? ['any']).join(' or ')})`);
    else changes.push(...shapeChanges(old, schema, path));
  }
  for (const key of Object.keys(beforeProps)) {
    if (!(key in afterProps)) changes.push(`${at}/${escape(key)}: key removed`);
  }
  const beforeItems = before.items as JsonSchema | undefined;
  const afterItems = after.items as JsonSchema | undefined;
  if (beforeItems !== undefined && afterItems !== undefined) changes.push(...shapeChanges(beforeItems, afterItems, `${at}/*`));
  return changes;
}

function types(schema: JsonSchema): string[] | null {
  const type = schema.type;
  if (type === undefined) return null;
  return Array.isArray(type) ? type.map(String) : [String(type)];
}

/** Same set of kinds once integer counts as number. */
function sameKinds(a: string[], b: string[]): boolean {
  const norm = (list: string[]) => [...new Set(list.map((t) => (t === 'integer' ? 'number' : t)))].sort().join(',');
  return norm(a) === norm(b);
}

function properties(schema: JsonSchema): Record<string, JsonSchema> {
  const props = schema.properties;
  return typeof props === 'object' && props !== null ? (props as Record<string, JsonSchema>) : {};
}

// JSON pointer escaping (RFC 6901).
const escape = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');
