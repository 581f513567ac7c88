// Where a YAML syntax error really is. The parser reports an unclosed `{`, `[` or quote where it
// gave up (often lines later, at the next key), and each line after it as an error of its own.
// A person needs the line that opened what was never closed, and one error, not a cascade.

/** Parser codes of errors that follow from an earlier one rather than standing on their own. */
const FOLLOW_ON = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'BAD_INDENT', 'MISSING_CHAR', 'UNEXPECTED_TOKEN']);

export type RawYamlError = { code: string; offset: number; message: string };

/**
 * The errors worth showing: the first one (moved to the unclosed opener before it, when there is
 * one) and any that stand on their own (a duplicate key); the cascade after the first is dropped.
 */
export function collapseYamlErrors(text: string, errors: RawYamlError[]): RawYamlError[] {
  if (errors.length === 0) return errors;
  const [first, ...rest] = errors;
  const found = unclosedOpener(text, first.offset);
  // Only an opener on an earlier line is where the error really is; on the same line, the parser's place is as good.
  const opener = found !== null && text.slice(found.offset, first.offset).includes('\n') ? found : null;
  const head = opener === null ? first : { ...first, offset: opener.offset, message: `${opener.what} opened here is never closed (${first.message})` };
  return [head, ...rest.filter((e) => !FOLLOW_ON.has(e.code))];
}

/** The innermost `{`, `[` or quote still open at `offset`, or null. */
export function unclosedOpener(text: string, offset: number): { offset: number; what: string } | null {
  const open: { offset: number; char: string }[] = [];
  let quote: { offset: number; char: string } | null = null;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    const c = text[i];
    if (quote) {
      if (quote.char === '"' && c === '\\') i++;
      else if (c === quote.char) {
        if (quote.char === "'" && text[i + 1] === "'") i++;
        else quote = null;
      }
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    // A quote opens a scalar only where a value starts, not inside a word such as don't.
    if ((c === '"' || c === "'") && (i === 0 || /[\s:,[{-]/.test(text[i - 1]))) quote = { offset: i, char: c };
    else if (c === '{' || c === '[') open.push({ offset: i, char: c });
    else if ((c === '}' || c === ']') && open.length > 0) open.pop();
  }
  if (quote) return { offset: quote.offset, what: `the ${quote.char === '"' ? 'double' : 'single'} quote` };
  const last = open.pop();
  return last ? { offset: last.offset, what: `the "${last.char}"` } : null;
}
