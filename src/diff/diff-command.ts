// `slipway diff <model> [--against deployed|build:N] [--sample N] [--json]`: the candidate build
// (what `apply` would run now, built when missing) and a baseline build (the deployed one by
// default) each in a throwaway sandboxed replica of their own, called alternately on the same
// inputs: the model's examples, its `replay:` set and its most recent captured calls. Reports the
// changed answers, the largest numeric deltas beyond `--tolerance`, new errors, and both latencies.
import type { Command } from 'commander';
import { sqliteBuildLedger } from '../apply/build-ledger.ts';
import { ensureBuild } from '../apply/ensure-build.ts';
import { observeRoot, stateDir, storePath } from '../backends/local/observe.ts';
import { createSnapshotBuilder } from '../build/snapshot-builder.ts';
import { loadModels } from '../ci/load-models.ts';
import { CliError } from '../cli/cli-error.ts';
import { findDaemon } from '../daemon/admin-client.ts';
import { plan } from '../plan/plan.ts';
import type { Observed } from '../plan/types.ts';
import { detectSandbox } from '../sandbox/detect-sandbox.ts';
import { plainLauncher } from '../sandbox/plain-launcher.ts';
import { headCommit } from '../source/repo.ts';
import { secretDigestIfStore } from '../workspace/secret-digest.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { getBuild } from '../store/builds.ts';
import { openStore } from '../store/database.ts';
import { diffAnswers, renderDiff } from './answer-diff.ts';
import { callBoth, diffInputs, storeCaptures } from './paired-calls.ts';
import { redactReport } from './redact-report.ts';

type DiffFlags = { against: string; sample: string; tolerance: string; json?: boolean; unsafeCandidates?: boolean; file?: string };

/** Registers `slipway diff`. */
export function registerDiff(program: Command): void {
  program.command('diff <model>')
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
  const ws = await openWorkspace({ file: opts.file });
  const desired = await loadModels(ws, { forApply: false, env: process.env, secretDigest: secretDigestIfStore(ws.root), emptySecrets: 'unset', interpreters: true });
  if (!desired.ok) throw new CliError(`${ws.display} is not valid; run \`slipway validate\``);
  const model = desired.spec.models.find((m) => m.name === name);
  if (model === undefined) throw new CliError(`no model named ${JSON.stringify(name)} in ${ws.display}`);
  const daemon = findDaemon(ws.root);
  const observed = daemon ? await daemon.json<Observed>('GET', 'observe') : observeRoot(ws.root);
  const change = plan(desired.spec, desired.keys, observed).changes.find((c) => c.model === name)!;
  const sandbox = detectSandbox();
  if (!sandbox.ok && !opts.unsafeCandidates) throw new CliError(`no sandbox can be made here for the candidate: ${sandbox.reason}. Install bubblewrap, or pass --unsafe-candidates`);
  const launcher = sandbox.ok ? sandbox.launcher : plainLauncher;
  const store = openStore(storePath(ws.root));
  try {
    const log = (line: string): void => void process.stderr.write(`  ${line}\n`);
    const ensured = await ensureBuild(change, {
      root: ws.root, ledger: sqliteBuildLedger(store), builder: createSnapshotBuilder({ stateDir: stateDir(ws.root) }),
      keys: desired.keys, gitCommit: await headCommit(ws.repo), log,
      sandbox: (m) => ({ launcher, network: m.serving.sandbox?.network !== false, paths: m.serving.sandbox?.paths ?? [] }),
    });
    if (!ensured.ok) throw new CliError(`the candidate build #${ensured.number} failed: ${ensured.message}`);
    const baselineNumber = against ? Number(against[1]) : observed.models.find((m) => m.name === name)?.deployment?.build;
    if (baselineNumber === undefined) throw new CliError(`${name} is not deployed here; compare with --against build:N`);
    const baseline = getBuild(store, name, baselineNumber);
    if (baseline === null || baseline.status !== 'succeeded') throw new CliError(`${name} has no finished build #${baselineNumber} (see \`slipway builds ${name}\`)`);
    const calls = await diffInputs(storeCaptures(store), ws.root, model, sample)
      .then((inputs) => callBoth(model, ensured.build, baseline, inputs, launcher, process.env))
      .catch((error: Error) => { throw new CliError(error.message); });
    const report = redactReport(diffAnswers(calls, tolerance), model.capture?.redact ?? []);
    const labels = { candidate: `build #${ensured.build.number}`, baseline: `build #${baseline.number}${against ? '' : ' (deployed)'}` };
    if (opts.json) process.stdout.write(`${JSON.stringify({ model: name, candidate: ensured.build.number, baseline: baseline.number, ...report }, null, 2)}\n`);
    else process.stdout.write(renderDiff(name, labels, report));
  } finally {
    store.close();
  }
}
