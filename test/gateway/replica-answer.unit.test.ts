import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { envelopeTail, readReplicaAnswer, type ReplicaOutcome } from '../../src/gateway/replica-answer.ts';

const tail = envelopeTail('m-1-1-abc');

function envelope(outcome: ReplicaOutcome): unknown {
  assert.is(outcome.kind, 'success');
  return JSON.parse((outcome as { envelope: Buffer }).envelope.toString());
}

test('compact runtime answer: the response bytes go into the envelope unchanged', () => {
  const body = Buffer.from('{"response":{"b": 1.50, "a":[1,2]},"metrics":null,"uuid":null}');
  const outcome = readReplicaAnswer(200, body, tail);
  assert.equal(envelope(outcome), { success: true, response: { b: 1.5, a: [1, 2] }, ReplicaID: 'm-1-1-abc' });
  // not re-serialised: the replica's own spacing and number text are kept
  assert.ok((outcome as { envelope: Buffer }).envelope.toString().includes('{"b": 1.50, "a":[1,2]}'));
});

test('scalar, string and null responses', () => {
  for (const value of [8, 'text with "quotes"', null, [], false]) {
    const body = Buffer.from(`{"response":${JSON.stringify(value)},"metrics":null,"uuid":null}`);
    assert.equal(envelope(readReplicaAnswer(200, body, tail)), { success: true, response: value, ReplicaID: 'm-1-1-abc' });
  }
});

test('other layouts are parsed (spaces, other key order)', () => {
  const spaced = Buffer.from('{"response": 8, "metrics": null, "uuid": null}');
  assert.equal(envelope(readReplicaAnswer(200, spaced, tail)), { success: true, response: 8, ReplicaID: 'm-1-1-abc' });
  const reordered = Buffer.from('{"uuid":null,"metrics":null,"response":{"x":1}}');
  assert.equal(envelope(readReplicaAnswer(200, reordered, tail)), { success: true, response: { x: 1 }, ReplicaID: 'm-1-1-abc' });
});

test('a metrics-enabled answer: CML shape with prediction and uuid, metrics handed over', () => {
  const body = Buffer.from('{"response":{"label":"setosa"},"metrics":{"accuracy":0.9},"uuid":"u-1"}');
  const outcome = readReplicaAnswer(200, body, tail);
  assert.equal(envelope(outcome), {
    success: true, uuid: 'u-1', response: { prediction: { label: 'setosa' }, uuid: 'u-1' }, ReplicaID: 'm-1-1-abc',
  });
  assert.equal((outcome as { metrics: unknown }).metrics, { accuracy: 0.9 });
  assert.is((outcome as { uuid: unknown }).uuid, 'u-1');
});

test('a response the runtime already wrapped the CML way is not wrapped twice', () => {
  const body = Buffer.from('{"response":{"prediction":3,"uuid":"u-2"},"metrics":{},"uuid":"u-2"}');
  assert.equal(envelope(readReplicaAnswer(200, body, tail)), {
    success: true, uuid: 'u-2', response: { prediction: 3, uuid: 'u-2' }, ReplicaID: 'm-1-1-abc',
  });
});

test('the replica id is JSON-escaped in the envelope', () => {
  const body = Buffer.from('{"response":1,"metrics":null,"uuid":null}');
  const outcome = readReplicaAnswer(200, body, envelopeTail('odd"id\\'));
  assert.equal(envelope(outcome), { success: true, response: 1, ReplicaID: 'odd"id\\' });
});

test('500: the function raised, with type, message and traceback', () => {
  const body = Buffer.from(JSON.stringify({ error: { type: 'ZeroDivisionError', message: 'division by zero', traceback: 'Traceback…' } }));
  assert.equal(readReplicaAnswer(500, body, tail), {
    kind: 'raised', type: 'ZeroDivisionError', message: 'division by zero', traceback: 'Traceback…',
  });
});

test('400: the replica refused the body', () => {
  const body = Buffer.from('{"error":{"type":"BadRequest","message":"not JSON"}}');
  assert.equal(readReplicaAnswer(400, body, tail), { kind: 'rejected', message: 'not JSON' });
});

test('answers outside the protocol are invalid, with a preview', () => {
  const cases: [number, string][] = [
    [200, '<html>'],
    [200, '{"result":1}'],
    [200, '[1,2]'],
    [500, 'Internal Server Error'],
    [404, '{"error":{"type":"NotFound","message":"no"}}'],
    [200, ''],
  ];
  for (const [status, text] of cases) {
    const outcome = readReplicaAnswer(status, Buffer.from(text), tail);
    assert.is(outcome.kind, 'invalid', `${status} ${text}`);
    assert.ok((outcome as { detail: string }).detail.includes(`HTTP ${status}`));
  }
});

test.run();
