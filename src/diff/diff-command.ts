// `slipway diff <model> [--against deployed|build:N] [--sample N] [--json] [--target NAME]`: the
// candidate build and a baseline build (the deployed one by default) side by side on the same
// inputs: the model's examples, its `replay:` set and its most recent captured calls. Reports the
// changed answers, the largest numeric deltas beyond `--tolerance`, new errors, and both latencies,
// with the model's `capture.redact` fields left out. On this machine (local-diff.ts) or on a
// kubernetes target, images in podman (cluster-diff.ts, loaded only then).
import type { Command } from 'commander';
import { redactText, scrubList } from '../github/redact.ts';
import { secretNames } from '../apply/desired.ts';
import { CliError } from '../cli/cli-error.ts';
import { loadDesired } from '../cli/desired.ts';
import { targetOptions, wantsCluster, type ClusterFlags } from '../cli/target-flags.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { renderDiff } from './answer-diff.ts';
import type { DiffRun } from './diff-builds.ts';
import { localDiff, type DiffRequest } from './local-diff.ts';

type DiffFlags = ClusterFlags & { against: string; sample: string; tolerance: string; json?: boolean; unsafeCandidates?: boolean; file?: string };

/** Registers `slipway diff`. */
export function registerDiff(program: Command): void {
  targetOptions(program.command('diff <model>'))
    .description("compare the candidate build's answers and latency with the deployed build's (or build:N) on examples, the replay set and captured calls")
    .option('--against <build>', 'deployed, or build:N', 'deployed')
    .option('--sample <n>', 'at most this many inputs (examples first, then the replay set, then captured calls)', '2000')
    .option('--tolerance <x>', 'numbers closer than this are the same answer', '1e-9')
    .option('--json', 'print JSON')
    .option('--unsafe-candidates', 'run without a sandbox where none can be made')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .action((model: string, opts: DiffFlags) => diffCommand(model, opts));
}

async function diffCommand(name: string, opts: DiffFlags): Promise<void> {
  const sample = Number(opts.sample);
  const tolerance = Number(opts.tolerance);
  if (!Number.isInteger(sample) || sample < 1) throw new CliError(`--sample ${JSON.stringify(opts.sample)} is not a whole number of inputs (1 or more)`);
  if (!(tolerance >= 0)) throw new CliError(`--tolerance ${JSON.stringify(opts.tolerance)} is not a number (0 or more)`);
  const against = /^build:([1-9][0-9]*)$/.exec(opts.against);
  if (opts.against !== 'deployed' && against === null) throw new CliError(`--against ${JSON.stringify(opts.against)}: use deployed or build:N (e.g. build:3)`);
  const req: DiffRequest = { name, against: against ? Number(against[1]) : null, sample, tolerance, unsafeCandidates: opts.unsafeCandidates === true };
  const ws = await openWorkspace({ file: opts.file });
  let run: DiffRun | undefined;
  let secrets: string[] = [];
  if (opts.target !== undefined || opts.registry !== undefined) {
    const desired = await loadDesired(ws);
    if (wantsCluster(desired.spec, opts)) {
      secrets = scrubList(secretNames(desired.spec).map((n) => process.env[n]));
      const { clusterDiff } = await import('./cluster-diff.ts');
      run = await clusterDiff(ws, desired, opts, req, (line) => void process.stderr.write(`  ${redactText(line, secrets)}\n`));
    }
  }
  run ??= await localDiff(ws, req);
  if (opts.json) process.stdout.write(`${JSON.stringify({ model: name, candidate: run.candidate, baseline: run.baseline, ...run.report }, null, 2)}\n`);
  else process.stdout.write(renderDiff(name, run.labels, run.report));
}
