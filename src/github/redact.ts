// Secret values never reach a comment, a summary, an output or a log: every string a report holds
// is scrubbed of them before anything is rendered, and the rendered text once more.

/** Shorter values are not scrubbed: replacing every `1` or `ok` would garble the report and protect nothing. */
export const MIN_SECRET_LENGTH = 4;

const MASK = '***';

/** The secrets worth scrubbing: set, long enough, longest first (so one inside another goes too). */
export function scrubList(values: Iterable<string | undefined>): string[] {
  const kept = new Set<string>();
  for (const value of values) if (value !== undefined && value.length >= MIN_SECRET_LENGTH) kept.add(value);
  return [...kept].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each secret (as written, JSON-escaped or HTML-escaped) replaced by `***`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1), htmlForm(secret)])) {
      if (form.length >= MIN_SECRET_LENGTH) out = out.replaceAll(form, MASK);
    }
  }
  return out;
}

/** A copy of `value` with `redactText` applied to every string in it, keys included. */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  return walk(value, secrets) as T;
}

function walk(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => walk(item, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactText(k, secrets), walk(v, secrets)]));
  }
  return value;
}

function htmlForm(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
