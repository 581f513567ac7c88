// Bundles the Action (src/action/index.ts and everything it imports) into dist/index.js with
// esbuild, or, with --check, bundles into a temp folder and fails when the committed dist differs.
//   node scripts/build-action.ts           writes dist/index.js
//   node scripts/build-action.ts --check   exit 1 when dist/ is not what the sources bundle to
//   node scripts/build-action.ts --outdir DIR   writes DIR/index.js (tests run the bundle of the
//                                               sources; DIR must be inside the package, which the
//                                               bundle finds by walking up to package.json)
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');

/** Bundles into `outdir`; the same sources and lockfile always give the same bytes. */
async function bundle(outdir: string): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/action/index.ts'],
    outfile: path.join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // Node's own modules stay imports; everything else is inside, as an Action has no node_modules.
    external: ['node:*'],
    // Bundled CommonJS packages call require(); in an ES module it has to be made.
    banner: { js: "import { createRequire as __slipwayCreateRequire } from 'node:module';\nconst require = __slipwayCreateRequire(import.meta.url);" },
    legalComments: 'eof',
    logLevel: 'warning',
  });
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

const outdirAt = process.argv.indexOf('--outdir');
if (outdirAt !== -1) {
  await bundle(path.resolve(process.argv[outdirAt + 1] ?? ''));
} else if (process.argv.includes('--check')) {
  const temp = mkdtempSync(path.join(tmpdir(), 'slipway-dist-'));
  try {
    await bundle(temp);
    const want = files(temp);
    const have = files(dist);
    const stale = [...new Set([...want, ...have])].filter(
      (file) => !want.includes(file) || !have.includes(file) || !readFileSync(path.join(temp, file)).equals(readFileSync(path.join(dist, file))),
    );
    if (stale.length > 0) {
      process.stderr.write(`dist/ does not match the sources (${stale.map((f) => `dist/${f}`).join(', ')}): run \`npm run build:action\` and commit dist/\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write('dist/ matches the sources\n');
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
} else {
  rmSync(dist, { recursive: true, force: true });
  await bundle(dist);
  process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(dist, 'index.js')) || 'dist/index.js'}\n`);
}
