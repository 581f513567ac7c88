// `slipway status` (and the dashboard's replicas table, which reads the same data) shows a replica's
// memory and CPU: under bubblewrap the pid the supervisor holds is the launcher, a few megabytes,
// and the model's process is its descendant, so the whole tree is counted.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectSandbox } from '../../src/sandbox/detect-sandbox.ts';
import { readProcUsage } from '../../src/telemetry/proc-usage.ts';
import { localProject } from '../support/local-daemon.ts';

const MB = 1024 * 1024;
const HELD_MB = 96;

const files = {
  'models.yaml': 'version: 1\nproject: u\nmodels:\n  - name: holder\n    file: m/holder.py\n    function: predict\n    auth: false\n',
  // Touches every page, so the memory is resident, not only reserved.
  'm/holder.py': `HELD = bytearray(${HELD_MB} * 1024 * 1024)
for i in range(0, len(HELD), 4096):
    HELD[i] = 1

def predict(args):
    return len(HELD)
`,
};

type Replica = { pid: number; rssBytes: number | null; cpuSeconds: number | null };

test('status counts the memory of the model process under bubblewrap, not only the launcher', async () => {
  const sandbox = detectSandbox();
  if (!sandbox.ok) {
    if (process.env.CI === 'true') throw new Error(`no sandbox on this machine: ${sandbox.reason}`);
    console.log(`replica-usage test skipped: ${sandbox.reason}`);
    return;
  }
  const p = await localProject(files);
  try {
    await p.ok('apply', '--yes', '--port', String(p.port));
    assert.is((await p.call('holder', {})).status, 200);
    const status = await p.json<{ sandbox: string; models: Array<{ replicaStats: Replica[] }> }>('status', '--json');
    assert.is(status.sandbox, 'bubblewrap');
    const replica = status.models[0]!.replicaStats[0]!;
    assert.ok(replica.rssBytes !== null && replica.rssBytes >= HELD_MB * MB, `rss ${replica.rssBytes} should hold the model's ${HELD_MB} MB`);
    assert.ok(replica.cpuSeconds !== null && replica.cpuSeconds > 0, `cpu ${replica.cpuSeconds}`);
    // The launcher alone is small: what status shows comes from the tree below it.
    const launcherKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${replica.pid}/status`, 'utf8'))?.[1]);
    assert.ok(launcherKb * 1024 < HELD_MB * MB, `the launcher itself holds ${launcherKb} kB`);
    // The telemetry sampler reads the same function.
    assert.ok(readProcUsage(replica.pid)!.rssBytes >= HELD_MB * MB);
    const text = await p.ok('status');
    const shown = Number(/rss (\d+\.\d) MiB/.exec(text)?.[1]);
    assert.ok(shown >= HELD_MB, text);
  } finally {
    await p.cleanup();
  }
});

test.run();
