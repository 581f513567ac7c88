// "What was live when" over plain records: traffic moves to a deployment when the one before it
// stops, a failed deployment never served, a deleted model serves nothing, and --at is parsed strictly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { actorKind, applyActor, cleanActor } from '../../src/history/actor.ts';
import { auditLines, liveAt, parseInstant, timeline, type HistoryRecord } from '../../src/history/timeline.ts';

let nextId = 1;
function rec(model: string, build: number, startedAt: string, stoppedAt: string | null, status: string, extra: Partial<HistoryRecord> = {}): HistoryRecord {
  return {
    model,
    deploymentId: nextId++,
    build,
    buildKey: `key${build}`,
    commit: `c${build}`,
    actor: 'user:alice',
    state: 'running',
    status,
    serving: { replicas: 1, env: [] },
    reason: null,
    startedAt,
    stoppedAt,
    ...extra,
  };
}

const T = (minute: number): string => new Date(Date.UTC(2026, 10, 20, 14, minute)).toISOString();
const at = (minute: number, second = 0): Date => new Date(Date.UTC(2026, 10, 20, 14, minute, second));

// a: created at :00, rebuilt :10 (traffic moved :11), a failed build-3 at :20, reconfigured :30,
// rolled back to build 1 at :40, deleted at :50.  b: created at :05, still serving.
const records: HistoryRecord[] = [
  rec('a', 1, T(0), T(11), 'superseded'),
  rec('a', 2, T(10), T(30), 'superseded', { actor: 'ci:org/repo#7' }),
  rec('a', 3, T(20), T(21), 'failed'),
  rec('a', 2, T(30), T(40), 'superseded', { serving: { replicas: 3, env: ['TOKEN'] } }),
  rec('a', 1, T(40), T(50), 'deleted', { actor: 'follow:origin/main' }),
  rec('b', 1, T(5), null, 'active'),
];

const ids = (list: { deploymentId: number }[]): number[] => list.map((e) => e.deploymentId);

test('at each instant, the deployment that served: before traffic moved, the old one still did', () => {
  assert.equal(ids(liveAt(records, at(0))), [1]);
  assert.equal(ids(liveAt(records, at(10, 30))), [1, 6], 'build 2 was starting; build 1 still served');
  assert.equal(ids(liveAt(records, at(11))), [2, 6]);
  assert.equal(ids(liveAt(records, at(20, 30))), [2, 6], 'the failed deployment never served');
  assert.equal(ids(liveAt(records, at(35))), [4, 6]);
  assert.equal(liveAt(records, at(35))[0].serving, { replicas: 3, env: ['TOKEN'] });
  assert.equal(ids(liveAt(records, at(45))), [5, 6]);
  assert.equal(liveAt(records, at(45))[0].actorKind, 'follow');
  assert.equal(ids(liveAt(records, at(50))), [6], 'deleted at :50: nothing serves a');
  assert.equal(ids(liveAt(records, new Date(Date.UTC(2026, 10, 20, 13, 59)))), [], 'before anything');
});

test('the timeline gives each deployment when it served from and until, or that it never did', () => {
  const a = timeline(records).filter((e) => e.model === 'a');
  assert.equal(a.map((e) => [e.deploymentId, e.servedFrom, e.servedUntil]), [
    [1, T(0), T(11)],
    [2, T(11), T(30)],
    [3, null, null],
    [4, T(30), T(40)],
    [5, T(40), T(50)],
  ]);
});

test('a deployment still starting has not served yet; one left deploying by a dead daemon is read as it was recorded', () => {
  const starting = [rec('c', 1, T(0), null, 'active'), rec('c', 2, T(5), null, 'deploying')];
  const [first, second] = timeline(starting);
  assert.is(first.servedUntil, null);
  assert.is(second.servedFrom, null);
  assert.equal(ids(liveAt(starting, at(6))), [first.deploymentId]);
});

test('the audit export is one JSON record a line, oldest first, each with its commit', () => {
  const lines = auditLines(records).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, records.length);
  assert.equal(lines.map((l) => l.deploymentId), [...ids(records)].sort((x, y) => x - y));
  assert.ok(lines.every((l) => typeof l.commit === 'string'));
});

test('--at takes an instant with a zone or a date, and says what it wants otherwise', () => {
  assert.is(parseInstant('2026-11-20T14:00Z').toISOString(), '2026-11-20T14:00:00.000Z');
  assert.is(parseInstant('2026-11-20T15:00+01:00').toISOString(), '2026-11-20T14:00:00.000Z');
  assert.is(parseInstant('2026-11-20').toISOString(), '2026-11-20T00:00:00.000Z');
  assert.throws(() => parseInstant('2026-11-20T14:00'), /2026-11-20T14:00Z/);
  assert.throws(() => parseInstant('yesterday'), /not an instant/);
  assert.throws(() => parseInstant('2026-13-45T14:00Z'), /not an instant/);
});

test('actors: a CI run, a user, a follower; what a client sends is cleaned', () => {
  assert.is(applyActor({ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '42', GITHUB_REPOSITORY: 'o/r' }), 'ci:o/r#42');
  assert.is(applyActor({ USER: 'alice' }), 'user:alice');
  assert.is(applyActor({ CI: 'true', CI_JOB_ID: '7' }), 'ci:7');
  assert.is(applyActor({ CI: 'true', USER: 'runner' }), 'ci:run by runner', 'a CI run with no id says who ran it');
  assert.is(actorKind('ci:o/r#42'), 'ci');
  assert.is(actorKind('follow:origin/main'), 'follow');
  assert.is(actorKind('alice'), 'user');
  assert.is(actorKind(null), 'unknown');
  assert.is(cleanActor('user:a\nb\u0007'), 'user:ab');
  assert.is(cleanActor('x'.repeat(500))!.length, 200);
  assert.is(cleanActor(42), null);
  assert.is(cleanActor('  '), null);
});

test.run();
