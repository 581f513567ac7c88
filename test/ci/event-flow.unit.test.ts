// The event payloads (real webhook format) and which flow `auto` picks for each; the settings.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseFlow } from '../../src/ci/choose-flow.ts';
import { parseEvent, readEvent } from '../../src/ci/event.ts';
import { resolveSettings } from '../../src/ci/settings.ts';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/github');
const payload = (name: string) => JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8')) as Record<string, any>;

test('pull_request opened and synchronize: number, head sha and base ref; auto picks the test flow', () => {
  const opened = parseEvent('pull_request', payload('pull_request.opened'));
  assert.equal(opened, { ok: true, event: { kind: 'pull_request', action: 'opened', number: 7, headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821', baseRef: 'main', fork: false } });
  const sync = parseEvent('pull_request', payload('pull_request.synchronize'));
  assert.ok(sync.ok);
  if (!sync.ok) return;
  assert.equal(sync.event, { kind: 'pull_request', action: 'synchronize', number: 7, headSha: '1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e', baseRef: 'main', fork: false });
  const choice = chooseFlow('auto', sync.event);
  assert.equal(choice, { ok: true, flow: 'test', why: 'pull request #7 synchronize: plan, build and test calls' });
});

test("a pull request whose head repository is not the base's (or is gone) is a fork's", () => {
  const p = payload('pull_request.opened');
  p.pull_request.head.repo = { ...p.pull_request.head.repo, full_name: 'mallory/models', fork: true };
  const fork = parseEvent('pull_request', p);
  assert.ok(fork.ok && fork.event.kind === 'pull_request' && fork.event.fork);
  p.pull_request.head.repo = null;
  const gone = parseEvent('pull_request', p);
  assert.ok(gone.ok && gone.event.kind === 'pull_request' && gone.event.fork);
});

test('a pull request closed or labeled runs nothing', () => {
  const closed = parseEvent('pull_request', { ...payload('pull_request.opened'), action: 'closed' });
  assert.ok(closed.ok);
  if (closed.ok) assert.is((chooseFlow('auto', closed.event) as { flow: unknown }).flow, null);
});

test('push to the default branch applies; to another branch or a deleted one, nothing', () => {
  const push = parseEvent('push', payload('push.main'));
  assert.equal(push, { ok: true, event: { kind: 'push', ref: 'refs/heads/main', sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', defaultBranch: 'main', deleted: false } });
  if (!push.ok || push.event.kind !== 'push') return;
  assert.equal(chooseFlow('auto', push.event), { ok: true, flow: 'apply', why: 'push to the default branch main: apply' });
  const other = chooseFlow('auto', { ...push.event, ref: 'refs/heads/feature' });
  assert.equal(other, { ok: true, flow: null, why: 'push to refs/heads/feature, not the default branch main: nothing to apply' });
  assert.is((chooseFlow('auto', { ...push.event, deleted: true }) as { flow: unknown }).flow, null);
});

test('schedule reconciles; workflow_dispatch runs its command input', () => {
  const schedule = parseEvent('schedule', payload('schedule'));
  assert.equal(schedule, { ok: true, event: { kind: 'schedule', cron: '17 3 * * *' } });
  if (schedule.ok) assert.is((chooseFlow('auto', schedule.event) as { flow: unknown }).flow, 'reconcile');
  const dispatch = parseEvent('workflow_dispatch', payload('workflow_dispatch'));
  assert.equal(dispatch, { ok: true, event: { kind: 'workflow_dispatch', command: 'plan', ref: 'refs/heads/main' } });
  const apply = parseEvent('workflow_dispatch', { ...payload('workflow_dispatch'), inputs: { command: 'apply' } });
  if (apply.ok) assert.is((chooseFlow('auto', apply.event) as { flow: unknown }).flow, 'apply');
  const bad = parseEvent('workflow_dispatch', { ...payload('workflow_dispatch'), inputs: { command: 'deploy' } });
  if (bad.ok) assert.equal(chooseFlow('auto', bad.event), { ok: false, message: 'the workflow_dispatch input command is "deploy"; expected plan or apply (or test, reconcile)' });
});

test('an explicit command wins over the event; an unknown event runs nothing', () => {
  const push = parseEvent('push', payload('push.main'));
  if (push.ok) assert.is((chooseFlow('plan', push.event) as { flow: unknown }).flow, 'plan');
  assert.equal(chooseFlow('auto', { kind: 'other', name: 'issues' }), {
    ok: true,
    flow: null,
    why: 'event issues: Slipway has no flow for it (pull_request, push, schedule, workflow_dispatch)',
  });
});

test('a payload without the fields a flow needs is refused, naming the field', () => {
  assert.equal(parseEvent('pull_request', { action: 'opened', number: 3, pull_request: { base: { ref: 'main' } } }), {
    ok: false,
    message: 'the pull_request event payload has no pull_request.head.sha; is it a GitHub webhook payload?',
  });
  assert.equal(parseEvent('push', { ref: 'refs/heads/main' }), { ok: false, message: 'the push event payload has no after; is it a GitHub webhook payload?' });
});

test('readEvent: no event name is a run by hand; a missing payload file is said', async () => {
  assert.equal(await readEvent(null, null), { ok: true, event: { kind: 'none' } });
  const missing = await readEvent('push', '/nonexistent/event.json');
  assert.is(missing.ok, false);
  if (!missing.ok) assert.match(missing.message, /^cannot read the push event payload \/nonexistent\/event.json: ENOENT/);
});

test('settings: inputs first, then the environment; bad values quoted', () => {
  const env = { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: '/e.json', GITHUB_TOKEN: 'envtoken', GITHUB_REPOSITORY: 'octo-org/models', GITHUB_RUN_ID: '42', GITHUB_API_URL: 'http://127.0.0.1:9' };
  const resolved = resolveSettings({ command: '', token: 'inputtoken', failOnDrift: 'TRUE', gatewayUrl: 'https://models.example.com/' }, env);
  assert.ok(resolved.ok);
  if (!resolved.ok) return;
  const s = resolved.settings;
  assert.equal([s.command, s.token, s.failOnDrift, s.gatewayUrl, s.eventName, s.eventPath, s.backend, s.port], ['auto', 'inputtoken', true, 'https://models.example.com', 'push', '/e.json', 'local', 8700]);
  assert.equal(s.github, { apiUrl: 'http://127.0.0.1:9', repository: 'octo-org/models', runUrl: 'https://github.com/octo-org/models/actions/runs/42', sha: null });
  assert.is((resolveSettings({}, env) as { settings: { token: string } }).settings.token, 'envtoken');
  assert.equal(resolveSettings({ command: 'deploy' }, {}), { ok: false, message: 'command is "deploy"; expected one of auto, plan, apply, reconcile, test' });
  assert.equal(resolveSettings({ failOnDrift: 'yes' }, {}), { ok: false, message: 'fail-on-drift is "yes"; expected true or false' });
  assert.equal(resolveSettings({ gatewayUrl: 'models.example.com' }, {}), {
    ok: false,
    message: 'gateway-url is "models.example.com"; expected an http(s) URL such as https://models.example.com',
  });
});

test.run();
