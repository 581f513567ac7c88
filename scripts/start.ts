// `npm start`: serves the examples with `slipway up`. The R example needs R with jsonlite and
// httpuv; on a machine without them it serves the Python examples (examples/models-python.yaml)
// and says how to add R, so the first command of the README works on any fresh machine.
//   node scripts/start.ts [slipway up options]
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const probe = spawnSync('Rscript', ['-e', 'library(jsonlite); library(httpuv)'], { stdio: 'ignore', timeout: 60_000 });
const withR = probe.status === 0;
if (!withR) {
  process.stderr.write(
    'R with jsonlite and httpuv was not found, so the R example (iris-r) is left out; ' +
      'to serve it too: apt-get install r-base-core r-cran-jsonlite r-cran-httpuv\n',
  );
}
const file = path.join('examples', withR ? 'models.yaml' : 'models-python.yaml');
const main = path.join(root, 'src', 'cli', 'main.ts');
const run = spawnSync(process.execPath, [main, 'up', '-f', file, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
