// The add-numbers model for image tests: a requirements file installing a local wheel (there is no
// PyPI), a build script that writes a module, and a model that uses both.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BuildKey } from '../../src/source/types.ts';
import type { ModelSpec } from '../../src/spec/types.ts';
import { buildKey, modelSpec, repo, type Repo } from './fixture.ts';

// A pure-Python wheel made by hand with fixed timestamps, so its bytes are the same on every run.
const WHEEL_SCRIPT = `
import base64, hashlib, sys, zipfile
files = {
    "adder/__init__.py": "def add(a, b):\\n    return a + b\\n",
    "adder-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: adder\\nVersion: 1.0\\n",
    "adder-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: slipway-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(sys.argv[1], "w") as wheel:
    for name, text in files.items():
        data = text.encode()
        wheel.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    record.append("adder-1.0.dist-info/RECORD,,")
    wheel.writestr(zipfile.ZipInfo("adder-1.0.dist-info/RECORD", date_time=(2020, 1, 1, 0, 0, 0)), "\\n".join(record) + "\\n")
`;

export const WHEEL = 'm/wheels/adder-1.0-py3-none-any.whl';

export const PREDICT_V1 = 'import adder\nimport built_marker\n\ndef predict(args):\n    return adder.add(args["a"], args["b"])\n';
export const PREDICT_V2 = 'import adder\nimport built_marker\n\ndef predict(args):\n    return [adder.add(args["a"], args["b"]), built_marker.MARK]\n';

export type ImageModel = { repo: Repo; model: ModelSpec; key(): BuildKey; commit(message: string): string };

/** The model in a fresh repository; `nonce` goes into the build script so its layer is new each run. */
export function addNumbersRepo(name: string, nonce: string, script?: string): ImageModel {
  const r = repo();
  r.write('m/predict.py', PREDICT_V1);
  r.write('m/requirements.txt', './wheels/adder-1.0-py3-none-any.whl\n');
  r.write('m/build.sh', script ?? `set -e\necho "dependency step ran ${nonce}"\necho "MARK = '${nonce}'" > built_marker.py\n`);
  mkdirSync(dirname(join(r.root, WHEEL)), { recursive: true });
  execFileSync('python3', ['-c', WHEEL_SCRIPT, join(r.root, WHEEL)]);
  const model = modelSpec(name, 'm/predict.py', { requirements: 'm/requirements.txt', script: 'm/build.sh' });
  model.examples = [{ input: { a: 3, b: 5 }, output: 8 }];
  return {
    repo: r,
    model,
    key: () =>
      buildKey(r.entries('m/build.sh', 'm/predict.py', 'm/requirements.txt', WHEEL), {
        file: 'm/predict.py',
        requirements: 'm/requirements.txt',
        script: 'm/build.sh',
      }),
    commit(message) {
      r.git('add', '-A');
      r.git('-c', 'user.name=Slipway Test', '-c', 'user.email=test@slipway.invalid', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', message);
      return r.git('rev-parse', 'HEAD');
    },
  };
}
