// Compares a test call's answer with the example's expected output: as JSON values, numbers within
// an absolute tolerance. Pure, so the rules are tested with plain values.

export type Comparison = { pass: true } | { pass: false; where: string; why: string };

/**
 * `expected` and `got` match when they are equal JSON values, except that two numbers match when
 * they differ by at most `tolerance` (0 by default). Objects must have the same keys; arrays the
 * same length. On a mismatch, `where` is a path like `$.scores[2]`.
 */
export function compareOutput(expected: unknown, got: unknown, tolerance = 0): Comparison {
  return compareAt('$', expected, got, tolerance);
}

function compareAt(where: string, expected: unknown, got: unknown, tolerance: number): Comparison {
  if (typeof expected === 'number' && typeof got === 'number') {
    const diff = Math.abs(expected - got);
    if (diff <= tolerance || (Number.isNaN(expected) && Number.isNaN(got))) return { pass: true };
    const allowed = tolerance > 0 ? ` (tolerance ${tolerance})` : '';
    return { pass: false, where, why: `expected ${expected}, got ${got}: off by ${round(diff)}${allowed}` };
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(got)) return mismatch(where, expected, got);
    if (expected.length !== got.length) {
      return { pass: false, where, why: `expected ${expected.length} items, got ${got.length}` };
    }
    for (let i = 0; i < expected.length; i++) {
      const inner = compareAt(`${where}[${i}]`, expected[i], got[i], tolerance);
      if (!inner.pass) return inner;
    }
    return { pass: true };
  }
  if (isObject(expected)) {
    if (!isObject(got)) return mismatch(where, expected, got);
    const missing = Object.keys(expected).filter((k) => !Object.hasOwn(got, k));
    if (missing.length > 0) return { pass: false, where, why: `missing key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
    const extra = Object.keys(got).filter((k) => !Object.hasOwn(expected, k));
    if (extra.length > 0) return { pass: false, where, why: `unexpected key${extra.length > 1 ? 's' : ''} ${extra.join(', ')}` };
    for (const key of Object.keys(expected)) {
      const inner = compareAt(`${where}.${key}`, expected[key], got[key], tolerance);
      if (!inner.pass) return inner;
    }
    return { pass: true };
  }
  return expected === got ? { pass: true } : mismatch(where, expected, got);
}

function mismatch(where: string, expected: unknown, got: unknown): Comparison {
  return { pass: false, where, why: `expected ${short(expected)}, got ${short(got)}` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function round(n: number): number {
  return Number(n.toPrecision(3));
}
