// Drops the values JSON pointers (RFC 6901) name from a parsed JSON value, before anything is
// stored: an object loses the key, an array the element. A pointer that names nothing is ignored
// (a field that is only sometimes sent).

/** The reference tokens of a pointer: "/a~1b/0" → ["a/b", "0"]. */
export function pointerTokens(pointer: string): string[] {
  return pointer.split('/').slice(1).map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** `value` without what `pointers` name; `value` itself is changed (it is a fresh parse). */
export function redact(value: unknown, pointers: readonly string[]): unknown {
  for (const pointer of pointers) {
    const tokens = pointerTokens(pointer);
    if (tokens.length === 0) continue;
    let parent: unknown = value;
    for (const token of tokens.slice(0, -1)) {
      parent = child(parent, token);
      if (parent === undefined) break;
    }
    drop(parent, tokens[tokens.length - 1]);
  }
  return value;
}

function child(container: unknown, token: string): unknown {
  if (Array.isArray(container)) return /^(0|[1-9][0-9]*)$/.test(token) ? container[Number(token)] : undefined;
  if (container !== null && typeof container === 'object' && Object.hasOwn(container, token)) return (container as Record<string, unknown>)[token];
  return undefined;
}

function drop(container: unknown, token: string): void {
  if (Array.isArray(container)) {
    if (/^(0|[1-9][0-9]*)$/.test(token) && Number(token) < container.length) container.splice(Number(token), 1);
  } else if (container !== null && typeof container === 'object') {
    delete (container as Record<string, unknown>)[token];
  }
}
