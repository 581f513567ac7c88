// CML projects mix languages: a Python model's cdsw-build.sh that runs Rscript works, and what it
// prints is in the build log.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';
import { rMissing } from '../support/r-missing.ts';

const missing = rMissing();
if (missing !== null) {
  if (process.env.CI === 'true') test('R is installed', () => assert.unreachable(missing));
  else console.log(`skipping the Rscript build script test: ${missing}`);
} else {
  test('a Python model whose cdsw-build.sh runs Rscript builds, and the script\'s output is logged', async () => {
    const p = await localProject({
      'models.yaml': 'version: 1\nproject: mixed\nmodels:\n  - name: mixed\n    file: m/model.py\n    function: predict\n    auth: false\n',
      'm/model.py': 'def predict(args):\n    return {"ok": True}\n',
      'm/cdsw-build.sh': 'set -e\nRscript -e \'cat("R computed", 6 * 7, "\\n")\'\n',
    });
    try {
      await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
      const log = readFileSync(path.join(p.root, '.slipway/builds/mixed/1.log'), 'utf8');
      assert.match(log, /R computed 42/);
      const answer = await p.call('mixed', {});
      assert.is(answer.status, 200, JSON.stringify(answer.body));
    } finally {
      await p.cleanup();
    }
  });
}

test.run();
