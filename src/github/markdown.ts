// Text made safe for GitHub-flavoured Markdown: literal text, values in table cells, code blocks.
// Whatever a model returns or a reason says must render as written and never break the layout.

/** Literal inline text: Markdown punctuation escaped, line breaks flattened (a table row is one line). */
export function escapeText(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/[\\`*_[\]<>~|&]/g, '\\$&');
}

/**
 * A JSON value as inline code inside a table cell, cut to `max` characters. HTML `<code>` rather
 * than backticks, because a backtick or `|` inside the value cannot end it: the text is HTML-escaped
 * and `|` written as an entity, which GitHub decodes only after splitting the row into cells.
 */
export function codeCell(value: unknown, max = 80): string {
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return `<code>${escapeHtml(cut).replaceAll('|', '&#124;').replace(/\r?\n|\r/g, ' ')}</code>`;
}

/** A fenced code block whose fence is longer than any run of backticks inside `text`. */
export function fence(text: string, language = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const marks = '`'.repeat(Math.max(3, longest + 1));
  return `${marks}${language}\n${text.replace(/\n$/, '')}\n${marks}`;
}

/** `&`, `<`, `>` and `"` as entities. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
