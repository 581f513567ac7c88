// R is part of an R model's local build key, as the Python interpreter is of a Python model's:
// the real R of this machine, probed once per plan, and another R (an upgrade) makes another key.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyReasons } from '../../src/plan/key-reasons.ts';
import { reasonText } from '../../src/plan/reason.ts';
import { computeBuildKeys } from '../../src/source/build-keys.ts';
import { withInterpreters } from '../../src/source/interpreter-keys.ts';
import { openRepo } from '../../src/source/repo.ts';
import { probeR, type RProbe } from '../../src/runtimes/r-probe.ts';
import { loadSpec } from '../../src/spec/load.ts';
import { gitFixture } from '../support/git-fixture.ts';
import { rMissing } from '../support/r-missing.ts';

const yaml = `version: 1
project: p
models:
  - {name: a, file: m/predict.R, function: predict, runtime: r}
  - {name: b, file: m/predict.R, function: predict, runtime: r}
  - {name: py, file: m/predict.py, function: predict}
`;

async function keysWith(rProbe: () => Promise<RProbe>) {
  const fx = gitFixture();
  try {
    fx.write('m/predict.R', 'predict <- function(args) args\n');
    fx.write('m/predict.py', 'def predict(args):\n    return args\n');
    fx.write('models.yaml', yaml);
    fx.commitAll('models');
    const loaded = await loadSpec(`${fx.root}/models.yaml`, { root: fx.root });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const neutral = await computeBuildKeys(await openRepo(fx.root), loaded.spec);
    if (!neutral.ok) throw new Error(JSON.stringify(neutral.errors));
    return await withInterpreters(fx.root, loaded.spec, neutral.keys, undefined, rProbe);
  } finally {
    fx.remove();
  }
}

const missing = rMissing();
if (missing !== null) {
  if (process.env.CI === 'true') test('R is installed', () => assert.unreachable(missing));
} else {
  test('R is probed once per plan, and its identity is in each R model\'s key only', async () => {
    let probes = 0;
    const local = await keysWith(() => {
      probes++;
      return probeR();
    });
    assert.ok(local.ok);
    if (!local.ok) return;
    assert.is(probes, 1);
    const version = execFileSync('Rscript', ['-e', 'cat(R.version$major, R.version$minor, sep = ".")'], { encoding: 'utf8' });
    assert.is(local.keys.a!.inputs.r?.version, version);
    assert.match(local.keys.a!.inputs.r!.executable, /Rscript$/);
    assert.is(local.keys.py!.inputs.r, undefined);
    assert.is(local.keys.a!.inputs.python, undefined);

    const upgraded = await keysWith(async () => {
      const real = await probeR();
      return real.ok ? { ...real, identity: { ...real.identity, version: '9.9.9' } } : real;
    });
    assert.ok(upgraded.ok);
    if (!upgraded.ok) return;
    assert.is.not(upgraded.keys.a!.key, local.keys.a!.key, 'another R, another key');
    assert.is(upgraded.keys.py!.key, local.keys.py!.key, 'Python models do not depend on R');
    assert.ok(keyReasons(local.keys.a!.inputs, upgraded.keys.a!.inputs, 'm').map(reasonText).includes(`R ${version} → 9.9.9`));
  });

  test('without R, the R models get one error each saying how to install it', async () => {
    const local = await keysWith(() => probeR('/nonexistent/Rscript'));
    assert.is(local.ok, false);
    if (local.ok) return;
    assert.equal(local.errors.map((e) => e.model), ['a', 'b']);
    assert.match(local.errors[0].message, /apt-get install r-base-core/);
  });
}

test.run();
