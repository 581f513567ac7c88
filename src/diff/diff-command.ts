// `slipway diff <model> [--against deployed|build:N] [--sample N] [--json]`: the candidate build
// (what `apply` would run now, built when missing) and a baseline build (the deployed one by
// default) each in a throwaway sandboxed replica of their own, called alternately on the same
// inputs: the model's examples, its `replay:` set and its most recent captured calls. Reports the
// changed answers, the largest numeric deltas beyond `--tolerance`, new errors, and both latencies.
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sqliteBuildLedger } from '../apply/build-ledger.ts';
import { ensureBuild } from '../apply/ensure-build.ts';
import { observeRoot, stateDir, storePath } from '../backends/local/observe.ts';
import { resolveEnv } from '../backends/local/resolve-env.ts';
import { createSnapshotBuilder } from '../build/snapshot-builder.ts';
import { readReplaySet } from '../capture/replay-set.ts';
import { startThrowaway, type Throwaway } from '../ci/throwaway-replica.ts';
import { loadModels } from '../ci/load-models.ts';
import { CliError } from '../cli/cli-error.ts';
import { findDaemon } from '../daemon/admin-client.ts';
import { plan } from '../plan/plan.ts';
import type { Observed } from '../plan/types.ts';
import { detectSandbox } from '../sandbox/detect-sandbox.ts';
import type { ReplicaLauncher } from '../sandbox/launcher.ts';
import { plainLauncher } from '../sandbox/plain-launcher.ts';
import { headCommit } from '../source/repo.ts';
import type { ModelSpec } from '../spec/types.ts';
import { getBuild, type StoredBuild } from '../store/builds.ts';
import { listCaptures } from '../store/captures.ts';
import { openStore, type Store } from '../store/database.ts';
import { secretDigestIfStore } from '../workspace/secret-digest.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { diffAnswers, type PairedCall, renderDiff } from './answer-diff.ts';

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
    const inputs = await diffInputs(store, ws.root, model, sample);
    const calls = await callBoth(model, ensured.build, baseline, inputs, launcher);
    const report = diffAnswers(calls, tolerance);
    const labels = { candidate: `build #${ensured.build.number}`, baseline: `build #${baseline.number}${against ? '' : ' (deployed)'}` };
    if (opts.json) process.stdout.write(`${JSON.stringify({ model: name, candidate: ensured.build.number, baseline: baseline.number, ...report }, null, 2)}\n`);
    else process.stdout.write(renderDiff(name, labels, report));
  } finally {
    store.close();
  }
}

type Input = { source: string; input: unknown };

/** Examples, then the replay set, then the newest captured calls, up to `sample`. */
async function diffInputs(store: Store, root: string, model: ModelSpec, sample: number): Promise<Input[]> {
  const inputs: Input[] = model.examples.map((e, i) => ({ source: `example ${i + 1}`, input: e.input }));
  if (model.replay !== undefined) {
    const set = await readReplaySet(path.join(root, model.replay), model.replay);
    if (!set.ok) throw new CliError(set.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.message}`).join('\n'));
    inputs.push(...set.cases.map((c) => ({ source: `${model.replay}:${c.line}`, input: c.request })));
  }
  const room = sample - inputs.length;
  if (room > 0) {
    const captured = listCaptures(store, model.name).slice(-room);
    inputs.push(...captured.map((c) => ({ source: `captured ${new Date(c.at).toISOString()}`, input: JSON.parse(c.request) as unknown })));
  }
  return inputs.slice(0, sample);
}

/** Both builds in throwaway replicas, called alternately (which goes first alternates too, so neither gets the warmer machine). */
async function callBoth(
  model: ModelSpec, candidate: StoredBuild, baseline: StoredBuild, inputs: Input[], launcher: ReplicaLauncher,
): Promise<PairedCall[]> {
  const env = resolveEnv(model.serving.env, process.env);
  if (!env.ok) throw new CliError(`${model.name} needs ${[...env.missing, ...env.empty].join(', ')} in the environment to run`);
  const replicaEnv = { SLIPWAY_API_KEY: `slw_diff_${randomBytes(16).toString('hex')}`, ...env.env };
  const policy = { network: false, paths: model.serving.sandbox?.paths ?? [] };
  const dirs = [await mkdtemp(path.join(tmpdir(), 'slipway-diff-')), await mkdtemp(path.join(tmpdir(), 'slipway-diff-'))];
  const started: Throwaway[] = [];
  try {
    started.push(await startThrowaway(model, candidate, { env: replicaEnv, gatewayUrl: '', logDir: dirs[0], launcher, policy }));
    started.push(await startThrowaway(model, baseline, { env: replicaEnv, gatewayUrl: '', logDir: dirs[1], launcher, policy }));
    const [cand, base] = started;
    const timed = async (replica: Throwaway, input: unknown) => {
      const t0 = performance.now();
      const answer = await replica.call(model.name, input);
      return { answer, ms: performance.now() - t0 };
    };
    const calls: PairedCall[] = [];
    for (const [i, { source, input }] of inputs.entries()) {
      const first = i % 2 === 0 ? await timed(cand, input) : await timed(base, input);
      const second = i % 2 === 0 ? await timed(base, input) : await timed(cand, input);
      const [c, b] = i % 2 === 0 ? [first, second] : [second, first];
      calls.push({ source, input, candidate: c.answer, baseline: b.answer, candidateMs: c.ms, baselineMs: b.ms });
    }
    return calls;
  } finally {
    for (const replica of started) await replica.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}
