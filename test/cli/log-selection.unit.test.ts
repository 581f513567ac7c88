// `slipway logs` selection with plain lines: oldest first, --tail, --since, --previous.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogLine } from '../../src/supervisor/supervisor-types.ts';
import { selectLogLines } from '../../src/cli/log-selection.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const line = (s: number, replicaId: string, stream: LogLine['stream'], text: string): LogLine => ({ time: at(s), replicaId, stream, text });

// Newest first, as the daemon answers.
const lines: LogLine[] = [
  line(9, 'm-1-1-b', 'stdout', 'b still fine'),
  line(8, 'm-1-1-a', 'slipway', 'ready at http://127.0.0.1:4001 (pid 12)'),
  line(7, 'm-1-1-a', 'slipway', 'restart #1 (exit): starting (pid 12)'),
  line(6, 'm-1-1-a', 'slipway', 'exited (code 1); restarting in 1s'),
  line(5, 'm-1-1-a', 'stderr', 'Traceback (most recent call last):'),
  line(4, 'm-1-1-a', 'stdout', 'loading weights'),
  line(3, 'm-1-1-b', 'stdout', 'b fine'),
  line(2, 'm-1-1-a', 'slipway', 'starting (pid 11)'),
  line(1, 'm-1-1-b', 'slipway', 'starting (pid 10)'),
];
const texts = (selected: LogLine[] | null) => selected?.map((l) => l.text) ?? null;

test('oldest first; --tail keeps the last lines', () => {
  assert.equal(texts(selectLogLines(lines, {}))?.[0], 'starting (pid 10)');
  assert.equal(texts(selectLogLines(lines, { tail: 2 })), ['ready at http://127.0.0.1:4001 (pid 12)', 'b still fine']);
});

test('--since keeps lines at or after the time', () => {
  assert.equal(texts(selectLogLines(lines, { sinceMs: Date.parse(at(8)) })), ['ready at http://127.0.0.1:4001 (pid 12)', 'b still fine']);
});

test('--previous: the crashed replica run, from its start to its exit, without the other replica', () => {
  assert.equal(texts(selectLogLines(lines, { previous: true })), [
    'starting (pid 11)',
    'loading weights',
    'Traceback (most recent call last):',
    'exited (code 1); restarting in 1s',
  ]);
  assert.is(selectLogLines(lines.filter((l) => !l.text.startsWith('exited')), { previous: true }), null);
});

test.run();
