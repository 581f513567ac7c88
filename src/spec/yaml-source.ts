// models.yaml parsed with its node tree kept, so any data path found wrong later (by the schema or
// by a semantic check) can be turned back into the line and column a person can jump to.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { codeFrame } from './code-frame.ts';
import type { DataPath } from './data-path.ts';
import { collapseYamlErrors } from './yaml-error-origin.ts';
import type { Position } from './types.ts';

export type YamlSource = {
  data: unknown;
  /** Position of the value at `path`, or of its key when `onKey` (or when the value is empty). */
  locate: (path: DataPath, onKey?: boolean) => Position;
};

export type YamlSyntaxError = { position: Position; message: string };

export type ParsedYaml = { ok: true; source: YamlSource } | { ok: false; errors: YamlSyntaxError[] };

/**
 * Parses YAML text; syntax errors (including duplicate keys) come back positioned, never thrown.
 * `prepare` may adjust the document's nodes before they become data (e.g. keep a scalar's text).
 */
export function parseYaml(text: string, prepare?: (doc: Document) => void): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    // One syntax error (an unclosed bracket) makes the parser report many after it: collapseYamlErrors
    // keeps the first, placed where the bracket or quote opened; each shown with the lines around it.
    const errors = collapseYamlErrors(text, doc.errors.map((e) => ({ code: e.code, offset: e.pos[0], message: e.message })));
    return {
      ok: false,
      errors: errors.map((e) => {
        const position = at(e.offset);
        return { position, message: `${syntaxMessage(e.code, e.message, text, e.offset)}\n${codeFrame(text, position)}` };
      }),
    };
  }
  prepare?.(doc);
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // Only an alias bomb (an alias expanded too many times) makes toJS throw.
    return { ok: false, errors: [{ position: { line: 1, column: 1 }, message: `YAML error: ${(error as Error).message}` }] };
  }
  return { ok: true, source: { data, locate: (path, onKey) => locate(doc, at, path, onKey ?? false) } };
}

// The yaml package's messages mostly read well; a duplicate key gets its name, and several
// documents get wording that does not point at the library's API (`YAML.parseAllDocuments()`).
function syntaxMessage(code: string, message: string, text: string, offset: number): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^[^:\n]*/.exec(text.slice(offset))?.[0].trim() ?? '';
    return `YAML error: key ${JSON.stringify(key)} appears twice in the same mapping (keys must be unique)`;
  }
  if (message.startsWith('Source contains multiple documents')) {
    return 'YAML syntax error: the file holds several documents (---); models.yaml must be one document';
  }
  return `YAML syntax error: ${message.replace(/\.$/, '')}`;
}

function locate(doc: Document, at: (offset: number) => Position, path: DataPath, onKey: boolean): Position {
  let node: Node | null = resolve(doc, doc.contents);
  let position: Position = node?.range ? at(node.range[0]) : { line: 1, column: 1 };
  for (const segment of path) {
    const step = node === null ? null : child(node, segment);
    // A path that runs past the tree (a missing key) points at the deepest node that exists.
    if (step === null) return position;
    // An alias is positioned where it is written; the path continues inside what it refers to.
    const written = step.value;
    node = resolve(doc, written);
    const keyOffset = step.key?.range?.[0];
    const valueOffset = written?.range && !isEmptyScalar(written) ? written.range[0] : undefined;
    const offset = onKey ? (keyOffset ?? valueOffset) : (valueOffset ?? keyOffset);
    if (offset !== undefined) position = at(offset);
  }
  return position;
}

type Step = { key: Node | null; value: Node | null };

function child(node: Node, segment: string | number): Step | null {
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment];
    return item === undefined ? null : { key: null, value: item as Node };
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key as Node | null;
      const name = isScalar(key) ? key.value : key;
      if (String(name) === String(segment)) return { key, value: pair.value as Node | null };
    }
  }
  return null;
}

function resolve(doc: Document, node: unknown): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
  return (node as Node | null) ?? null;
}

// `replicas:` with nothing after it is a null scalar positioned at the end of the line; pointing at
// the key is clearer.
function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && node.source === '';
}
