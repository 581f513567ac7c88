// `slipway import cml`: a CML project's models (an AMP's .project-metadata.yaml, or a list of APIv2
// model requests) as a models.yaml, printed or written, and checked with the real loader.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { baseImageProblem } from '../build/containerfile.ts';
import { readCmlSource } from '../import-cml/read-source.ts';
import { renderModelsYaml } from '../import-cml/render-models-yaml.ts';
import { openRepo, NotAGitRepositoryError } from '../source/repo.ts';
import { formatIssues } from '../spec/format.ts';
import { loadSpec } from '../spec/load.ts';
import { CliError } from './cli-error.ts';

const metadataName = '.project-metadata.yaml';

type Options = { from?: string; write?: string; force?: boolean; baseImage?: string };

/** Registers `slipway import cml`. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('make a models.yaml from another platform\'s project')
    .command('cml')
    .description('translate a CML project (an AMP\'s .project-metadata.yaml, or a JSON/YAML list of APIv2 model requests) into models.yaml')
    .option('--from <file>', `the CML file (default: ${metadataName} here or at the repository root)`)
    .option('--write <file>', 'write models.yaml there instead of printing it (paths in it are made relative to its folder)')
    .option('--force', 'with --write, replace an existing file')
    .option('--base-image <image>', 'build every model\'s image on this image (defaults.build.baseImage), e.g. the CML engine or runtime image the models ran on')
    .action(async (opts: Options) => importCml(opts, process.cwd()));
}

async function importCml(opts: Options, cwd: string): Promise<void> {
  const baseProblem = opts.baseImage === undefined ? null : baseImageProblem(opts.baseImage);
  if (baseProblem !== null) throw new CliError(`--base-image: ${baseProblem}`);
  const source = opts.from !== undefined ? path.resolve(cwd, opts.from) : await findMetadata(cwd);
  const display = path.relative(cwd, source) || source;
  let text: string;
  try {
    text = fs.readFileSync(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${display}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const projectRoot = path.dirname(source);
  const hasBuildScript = fs.existsSync(path.join(projectRoot, 'cdsw-build.sh'));
  const read = readCmlSource(text, display, { folderName: path.basename(projectRoot), hasBuildScript });
  if (!read.ok) {
    process.stderr.write(`${read.errors.join('\n')}\n`);
    throw new CliError(`${display}: ${read.errors.length} problem${read.errors.length === 1 ? '' : 's'}; nothing was written`);
  }
  const target = opts.write === undefined ? null : path.resolve(cwd, opts.write);
  const outDir = target === null ? cwd : path.dirname(target);
  const posix = (p: string): string => p.split(path.sep).join('/');
  const yaml = renderModelsYaml(read.translation, {
    source: posix(path.relative(outDir, source)),
    projectDir: posix(path.relative(outDir, projectRoot)) || '.',
    hasBuildScript,
    ...(opts.baseImage === undefined ? {} : { baseImage: opts.baseImage }),
  });
  const { models, notes } = read.translation;
  if (notes.length > 0) {
    process.stderr.write(`Not carried over, or carried over differently (also listed in the file's header):\n`);
    for (const note of notes) process.stderr.write(`  - ${note.subject}: ${note.reason}\n`);
  }
  if (target === null) {
    process.stdout.write(yaml);
    return;
  }
  writeNew(target, yaml, opts.force === true, path.relative(cwd, target) || target);
  const shown = path.relative(cwd, target) || target;
  process.stdout.write(`wrote ${shown}: ${models.length} model${models.length === 1 ? '' : 's'} (${models.map((m) => m.name).join(', ')})\n`);
  await validateWritten(target, shown);
}

/** `.project-metadata.yaml` in `cwd`, else at the root of the repository around it. */
async function findMetadata(cwd: string): Promise<string> {
  const here = path.join(cwd, metadataName);
  if (fs.existsSync(here)) return here;
  try {
    const atRoot = path.join((await openRepo(cwd)).root, metadataName);
    if (fs.existsSync(atRoot)) return atRoot;
  } catch (error) {
    if (!(error instanceof NotAGitRepositoryError)) throw error;
  }
  throw new CliError(`no ${metadataName} here or at the repository root; give the CML file with --from`);
}

/** Writes the whole file or nothing; an existing file is replaced only with `force`. */
function writeNew(target: string, text: string, force: boolean, shown: string): void {
  if (!force && fs.existsSync(target)) throw new CliError(`${shown} already exists; pass --force to replace it, or --write another file`);
  const temp = `${target}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, text, { flag: 'wx' });
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new CliError(`cannot write ${shown}: ${(error as Error).message}`);
  }
}

/** Runs the checks `slipway validate` runs on what was written, so a problem shows now. */
async function validateWritten(target: string, shown: string): Promise<void> {
  let root: string;
  try {
    root = (await openRepo(path.dirname(target))).root;
  } catch (error) {
    if (!(error instanceof NotAGitRepositoryError)) throw error;
    process.stderr.write(`${shown} is not inside a git repository, so it was not validated; run \`slipway validate\` there once it is\n`);
    return;
  }
  const loaded = await loadSpec(target, { root, displayPath: shown });
  if (loaded.ok) {
    process.stdout.write(`${shown} is valid; see what would be deployed with \`slipway plan\`\n`);
    return;
  }
  process.stderr.write(`${formatIssues(loaded.errors)}\n`);
  throw new CliError(`${shown} was written, but \`slipway validate\` finds ${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'} (above)`);
}
