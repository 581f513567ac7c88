// The route settings both backends give their gateway come from one function: fractional seconds
// become whole milliseconds, and what the Kubernetes annotation carries parses back unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routeSettings } from '../../src/backends/serving-route.ts';
import { parseRouteSettings } from '../../src/backends/kubernetes/route-settings.ts';
import { servingWith } from '../kubernetes/manifest-fixtures.ts';

test('serving settings become route settings, timeouts in whole milliseconds', () => {
  const serving = servingWith({ timeoutSeconds: 0.0015, busyTimeoutSeconds: 2.3456, concurrency: 3, auth: false, maxRequestBytes: 1024 });
  assert.equal(routeSettings({ deploymentId: 4, build: 2, state: 'stopped', serving }), {
    deploymentId: 4, build: 2, state: 'stopped', auth: false, concurrency: 3, timeoutMs: 2, busyTimeoutMs: 2346, maxRequestBytes: 1024,
  });
});

test('the annotation the cluster gateway reads holds the same settings', () => {
  const settings = routeSettings({ deploymentId: 9, build: 1, state: 'running', serving: servingWith({ timeoutSeconds: 12.5 }) });
  assert.equal(parseRouteSettings(JSON.stringify(settings)), settings);
});

test('the contract rides along, so the in-cluster gateway validates input and publishes /openapi.json', () => {
  const contract = { input: { type: 'object', required: ['x'] }, output: { type: 'number' }, validateInput: true as const };
  const settings = routeSettings({ deploymentId: 9, build: 1, state: 'running', serving: { ...servingWith({}), contract } });
  assert.equal(settings.contract, contract);
  assert.equal(parseRouteSettings(JSON.stringify(settings)), settings);
  // A contract edited by hand into something else is dropped, not trusted.
  assert.is(parseRouteSettings(JSON.stringify({ ...settings, contract: { input: 'x' } }))?.contract, undefined);
});

test.run();
