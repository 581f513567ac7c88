// An R candidate's build steps in the sandbox, for real: its build script runs Rscript (which
// must work there) and tries to read a file of the state folder and write into it; sandboxed both
// fail and the library it fills is still its own; plain (the launcher --unsafe-candidates gives),
// the same script does both, so the test can fail.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureRDeps } from '../../src/runtimes/r-deps.ts';
import { probeR } from '../../src/runtimes/r-probe.ts';
import { detectSandbox } from '../../src/sandbox/detect-sandbox.ts';
import { plainLauncher } from '../../src/sandbox/plain-launcher.ts';
import type { ReplicaLauncher } from '../../src/sandbox/launcher.ts';
import { rMissing } from '../support/r-missing.ts';

const test = suite('R build steps in the sandbox');
const sandbox = detectSandbox();
const missing = rMissing() ?? (sandbox.ok ? null : sandbox.reason);
let dir: string;

async function build(hash: string, launcher: ReplicaLauncher, lines: string[]) {
  const state = path.join(dir, 'state');
  const source = path.join(dir, `src-${hash}`);
  mkdirSync(source, { recursive: true });
  writeFileSync(
    path.join(source, 'build.sh'),
    `Rscript -e 'cat("R says", requireNamespace("jsonlite", quietly = TRUE), "\\n")'
if head -c 1 ${JSON.stringify(`${state}/daemon.json`)} >/dev/null 2>&1; then echo "probe read: READ"; else echo "probe read: DENIED"; fi
if echo poison > ${JSON.stringify(`${state}/poisoned`)} 2>/dev/null; then echo "probe write: WROTE"; else echo "probe write: DENIED"; fi
echo made > "$R_LIBS_USER/made-by-script"
`,
  );
  const probed = await probeR();
  if (!probed.ok) throw new Error(probed.message);
  return ensureRDeps({
    stateDir: state,
    hash,
    r: { command: probed.command, identity: probed.identity },
    source,
    script: 'build.sh',
    declared: [],
    builtBy: { model: 'm', number: 1 },
    line: (text) => lines.push(text),
    sandbox: { launcher, network: false, paths: [] },
  });
}

if (missing !== null) {
  if (process.env.CI === 'true') test('R and a sandbox are available', () => assert.unreachable(missing));
} else {
  test.before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'slipway-r-sandbox-'));
    mkdirSync(path.join(dir, 'state'), { recursive: true });
    writeFileSync(path.join(dir, 'state', 'daemon.json'), '{"token": "admin"}\n');
  });
  test.after(() => rmSync(dir, { recursive: true, force: true }));

  test('sandboxed: Rscript runs, the state folder can be neither read nor written, the library is written', async () => {
    const lines: string[] = [];
    const done = await build('s1', (sandbox as { launcher: ReplicaLauncher }).launcher, lines);
    assert.ok(done.ok, lines.join('\n'));
    if (!done.ok) return;
    const log = lines.join('\n');
    assert.match(log, '[build.sh] R says TRUE');
    assert.match(log, '[build.sh] probe read: DENIED');
    assert.match(log, '[build.sh] probe write: DENIED');
    assert.not.ok(existsSync(path.join(dir, 'state', 'poisoned')));
    assert.ok(existsSync(path.join(done.library, 'made-by-script')));
  });

  test('plain: the same script reads and writes the state folder', async () => {
    const lines: string[] = [];
    const done = await build('p1', plainLauncher, lines);
    assert.ok(done.ok, lines.join('\n'));
    assert.match(lines.join('\n'), '[build.sh] probe read: READ');
    assert.match(lines.join('\n'), '[build.sh] probe write: WROTE');
    assert.ok(existsSync(path.join(dir, 'state', 'poisoned')));
  });
}

test.run();
