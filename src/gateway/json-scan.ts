// One pass over a request body's bytes that checks it is JSON (RFC 8259, exactly what JSON.parse
// accepts), refuses nesting deeper than MAX_JSON_DEPTH, and, for CML's envelope, finds where the
// values of the top-level "accessKey" and "request" members lie. The gateway never decodes a
// request: it forwards the bytes of `request` as the client wrote them (a slice of the envelope,
// no copy), so 9223372036854775809, 1e400 and "\u00e9" reach the model as sent. UTF-8 validity is
// checked beforehand by the caller (`isUtf8`, native); here bytes ≥ 0x80 only occur in strings.
//
// Iterative with an explicit depth count, so a body nested 100,000 deep costs one short pass and a
// 400, never a stack overflow in the gateway or a RecursionError in the runtime.

/**
 * Deepest nesting of arrays and objects a request may have. Python's json decoder recurses once
 * per level under a default recursion limit of 1,000 frames; 512 leaves the model's own code room.
 */
export const MAX_JSON_DEPTH = 512;

/** Where a value lies in the body: bytes [start, end). */
export type Span = { start: number; end: number };

export type JsonScan =
  | { ok: true; accessKey: Span | null; request: Span | null }
  | { ok: false; code: 'request.invalid_json' | 'request.too_deep'; message: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const ACCESS_KEY = Buffer.from('"accessKey"');
const REQUEST = Buffer.from('"request"');
const LITERALS: Record<number, Buffer> = { 0x74: Buffer.from('true'), 0x66: Buffer.from('false'), 0x6e: Buffer.from('null') };
/** Bytes allowed after a backslash in a string (u is checked separately). */
const ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

/** Thrown inside the scan only; turned into the result at the top. */
class Invalid {
  readonly at: number;
  readonly what: string;
  constructor(at: number, what: string) {
    this.at = at;
    this.what = what;
  }
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipWhitespace(body: Buffer, i: number): number {
  while (i < body.length && isWhitespace(body[i] as number)) i++;
  return i;
}

function isHex(byte: number): boolean {
  return (byte >= ZERO && byte <= NINE) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

/** `i` is at the opening quote; returns the index after the closing quote. */
function scanString(body: Buffer, i: number): number {
  const length = body.length;
  i++;
  for (;;) {
    if (i >= length) throw new Invalid(i, 'a string that never ends');
    const byte = body[i] as number;
    if (byte === QUOTE) return i + 1;
    if (byte < 0x20) throw new Invalid(i, 'a control character inside a string (escape it)');
    if (byte !== BACKSLASH) {
      i++;
      continue;
    }
    const escaped = body[i + 1] as number;
    if (escaped === 0x75) {
      for (let k = 2; k < 6; k++) if (!isHex(body[i + k] as number)) throw new Invalid(i + k, 'a \\u escape without four hex digits');
      i += 6;
    } else if (ESCAPES.has(escaped)) {
      i += 2;
    } else {
      throw new Invalid(i + 1, 'an unknown escape in a string');
    }
  }
}

function scanDigits(body: Buffer, i: number): number {
  const start = i;
  while (i < body.length && (body[i] as number) >= ZERO && (body[i] as number) <= NINE) i++;
  if (i === start) throw new Invalid(i, 'a number missing its digits');
  return i;
}

/** `i` is at '-' or a digit; returns the index after the number. */
function scanNumber(body: Buffer, i: number): number {
  if (body[i] === MINUS) i++;
  if (body[i] === ZERO) i++;
  else i = scanDigits(body, i);
  if (body[i] === 0x2e) i = scanDigits(body, i + 1);
  if (body[i] === 0x65 || body[i] === 0x45) {
    i++;
    if (body[i] === 0x2b || body[i] === MINUS) i++;
    i = scanDigits(body, i);
  }
  return i;
}

function sameBytes(body: Buffer, start: number, end: number, expected: Buffer): boolean {
  return end - start === expected.length && body.compare(expected, 0, expected.length, start, end) === 0;
}

/** Which envelope member a key names (0 none, 1 accessKey, 2 request); escaped keys are decoded. */
function memberOf(body: Buffer, start: number, end: number): 0 | 1 | 2 {
  if (sameBytes(body, start, end, ACCESS_KEY)) return 1;
  if (sameBytes(body, start, end, REQUEST)) return 2;
  if (body.indexOf(BACKSLASH, start) < 0 || body.indexOf(BACKSLASH, start) >= end) return 0;
  const decoded = JSON.parse(body.toString('utf8', start, end)) as string;
  return decoded === 'accessKey' ? 1 : decoded === 'request' ? 2 : 0;
}

/**
 * Checks `body` and, when `envelope` is set, finds the top-level "accessKey" and "request" values
 * of an object (the last of duplicates, as JSON.parse keeps). A top-level value that is not an
 * object has neither.
 */
export function scanJson(body: Buffer, envelope: boolean): JsonScan {
  try {
    return scan(body, envelope);
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    if (error.what === 'too deep') {
      return { ok: false, code: 'request.too_deep', message: `the request is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects` };
    }
    const found = error.at >= body.length ? 'the end of the body' : `byte ${JSON.stringify(String.fromCharCode(body[error.at] as number))}`;
    return { ok: false, code: 'request.invalid_json', message: `the request body is not valid JSON: ${error.what}, at ${found} (position ${error.at})` };
  }
}

function scan(body: Buffer, envelope: boolean): JsonScan {
  const length = body.length;
  // Open containers, innermost last: true for an object.
  const objects: boolean[] = [];
  let accessKey: Span | null = null;
  let request: Span | null = null;
  /** The envelope member whose value is being read (depth 1 only), and where it started. */
  let member: 0 | 1 | 2 = 0;
  let memberStart = 0;
  let i = skipWhitespace(body, 0);
  if (i >= length) throw new Invalid(i, 'an empty body');
  for (;;) {
    // A value starts at i.
    const byte = body[i] as number;
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      const isObject = byte === OPEN_OBJECT;
      objects.push(isObject);
      if (objects.length > MAX_JSON_DEPTH) throw new Invalid(i, 'too deep');
      i = skipWhitespace(body, i + 1);
      if (body[i] === (isObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        objects.pop();
        i++;
      } else if (isObject) {
        i = readKey(i);
        continue;
      } else {
        continue;
      }
    } else if (byte === QUOTE) {
      i = scanString(body, i);
    } else if (byte === MINUS || (byte >= ZERO && byte <= NINE)) {
      i = scanNumber(body, i);
    } else {
      const literal = LITERALS[byte];
      if (literal === undefined || !sameBytes(body, i, Math.min(i + literal.length, length), literal)) throw new Invalid(i, 'an unexpected character');
      i += literal.length;
    }
    // A value ended at i: close containers and move to the next value.
    for (;;) {
      if (member !== 0 && objects.length === 1) {
        const span = { start: memberStart, end: i };
        if (member === 1) accessKey = span;
        else request = span;
        member = 0;
      }
      i = skipWhitespace(body, i);
      if (objects.length === 0) {
        if (i < length) throw new Invalid(i, 'more after the end of the JSON value');
        return { ok: true, accessKey, request };
      }
      const next = body[i];
      const inObject = objects[objects.length - 1] as boolean;
      if (next === COMMA) {
        i = skipWhitespace(body, i + 1);
        if (inObject) i = readKey(i);
        break;
      }
      if (next === (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        objects.pop();
        i++;
        continue;
      }
      throw new Invalid(i, inObject ? "an object member not followed by ',' or '}'" : "an array element not followed by ',' or ']'");
    }
  }

  /** Reads `"key" :` at i; returns where its value starts, noting envelope members at depth 1. */
  function readKey(at: number): number {
    if (body[at] !== QUOTE) throw new Invalid(at, 'an object key that is not a string');
    const end = scanString(body, at);
    let i = skipWhitespace(body, end);
    if (body[i] !== COLON) throw new Invalid(i, "an object key not followed by ':'");
    i = skipWhitespace(body, i + 1);
    if (i >= length) throw new Invalid(i, 'an object member without a value');
    if (envelope && objects.length === 1) {
      member = memberOf(body, at, end);
      memberStart = i;
    }
    return i;
  }
}

/** A non-empty JSON string at `span` (decoded), or null for anything else. */
export function stringValue(body: Buffer, span: Span | null): string | null {
  if (span === null || body[span.start] !== QUOTE || span.end - span.start < 3) return null;
  const escaped = body.indexOf(BACKSLASH, span.start);
  if (escaped < 0 || escaped >= span.end) return body.toString('utf8', span.start + 1, span.end - 1);
  const value = JSON.parse(body.toString('utf8', span.start, span.end)) as string;
  return value === '' ? null : value;
}

/** Whether the JSON in `body` is an object (its first byte past whitespace is `{`). */
export function opensObject(body: Buffer): boolean {
  return body[skipWhitespace(body, 0)] === OPEN_OBJECT;
}
