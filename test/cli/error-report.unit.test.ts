// The CLI's one error handler, with plain errors: one line and a hint, a stack only with --debug.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CliError } from '../../src/cli/cli-error.ts';
import { errorReport } from '../../src/cli/error-report.ts';

const errno = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });

test('a CliError is its message, nothing more', () => {
  assert.is(errorReport(new CliError('no models.yaml here'), { debug: false }), 'slipway: no models.yaml here\n');
});

test('a full disk says so, with the file and what to do, and no stack', () => {
  const report = errorReport(errno('ENOSPC', 'ENOSPC: no space left on device, write', { path: '/r/.slipway/state.db' }), { debug: false });
  assert.is(
    report,
    'slipway: no space left on the device (writing /r/.slipway/state.db)\nhint: free some disk space, then run the command again\n(run again with --debug for the stack trace)\n',
  );
  assert.not.match(report, /\n\s+at /);
});

test('SQLite finding the disk full (keys create) says so', () => {
  const full = errno('ERR_SQLITE_ERROR', 'database or disk is full', { errcode: 13 });
  assert.match(errorReport(full, { debug: false }), /^slipway: no space left on the device for the store \(\.slipway\/state\.db\)\nhint: free some disk space/);
});

test('a daemon that went away mid-call (fetch wraps the socket error) names the daemon and its log', () => {
  const failed = new TypeError('fetch failed', { cause: errno('UND_ERR_SOCKET', 'other side closed') });
  const report = errorReport(failed, { debug: false });
  assert.match(report, /^slipway: lost the connection to the Slipway daemon \(UND_ERR_SOCKET\)\nhint: .*\.slipway\/daemon\.log/);
});

test('an unexpected error prints its message only; --debug adds the stack', () => {
  const error = new Error('cannot find context "prod" in the kubeconfig');
  assert.is(errorReport(error, { debug: false }), 'slipway: cannot find context "prod" in the kubeconfig\n(run again with --debug for the stack trace)\n');
  assert.match(errorReport(error, { debug: true }), /\n\s+at /);
});

test.run();
