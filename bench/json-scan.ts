// Benchmark (not a test): the gateway's one-pass scan of a request (json-scan.ts, after the native
// UTF-8 check) against what it replaced, JSON.parse of the envelope (and, on /model,
// JSON.stringify of its `request`), on a small and a large envelope, in one process.
//
//   node bench/json-scan.ts [--write]
import { isUtf8 } from 'node:buffer';
import { scanJson } from '../src/gateway/json-scan.ts';
import { machineLine } from './machine.ts';
import { loadLine, median, report, table, today } from './support/results.ts';

const small = Buffer.from('{"accessKey":"abcdefghijklmnopqrstuvwxyz012345","request":{"a":3,"b":5}}');
const rows = Array.from({ length: 20000 }, (_, i) => ({ id: i, x: i * 1.5, name: `row ${i}`, tags: ['a', 'b'] }));
const large = Buffer.from(JSON.stringify({ accessKey: 'abcdefghijklmnopqrstuvwxyz012345', request: { rows } }));

/** Median µs per call over 5 batches of `n`. */
function time(n: number, fn: () => unknown): number {
  for (let i = 0; i < n; i++) fn();
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    batches.push(Number(process.hrtime.bigint() - start) / n / 1000);
  }
  return median(batches);
}

const out: string[][] = [];
for (const [name, body, n] of [[`envelope of ${small.length} B`, small, 200_000], [`envelope of ${(large.length / 1e6).toFixed(1)} MB`, large, 10]] as const) {
  const scan = time(n, () => isUtf8(body) && scanJson(body, true));
  const parse = time(n, () => JSON.parse(body.toString('utf8')));
  const reserialize = time(n, () => JSON.stringify((JSON.parse(body.toString('utf8')) as { request: unknown }).request));
  out.push([name, scan.toFixed(2), parse.toFixed(2), reserialize.toFixed(2), `${(parse / scan).toFixed(2)}×`]);
  console.log(out[out.length - 1]!.join('  '));
}
report([
  `### json-scan — ${today()}`,
  '',
  machineLine(),
  loadLine(),
  '',
  'µs per body, median of 5 batches in one process. "scan" is what the gateway does now (isUtf8, then one pass that validates and locates `accessKey` and `request`); the others are what it did before.',
  '',
  table(['body', 'isUtf8 + scanJson µs', 'JSON.parse µs', 'parse + stringify(request) µs', 'parse ÷ scan'], out),
].join('\n'));
