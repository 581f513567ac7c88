// `slipway apply`: plan, confirm, apply in the daemon (starting one when there is none), then
// the changed models' examples as test calls; non-zero exit when anything failed.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ensureDaemon } from '../daemon/admin-client.ts';
import { secretNames } from '../apply/desired.ts';
import { hasChanges, plan } from '../plan/plan.ts';
import { saveCaptureSettingsOf } from '../capture/save-settings.ts';
import { renderPlanText } from '../plan/render-plan-text.ts';
import { planFingerprint } from '../plan/fingerprint.ts';
import type { Observed } from '../plan/types.ts';
import { renderApplyResult } from './apply-output.ts';
import { createBuildOutput } from './build-output.ts';
import { CliError } from './cli-error.ts';
import { loadDesired, withLocalKeys } from './desired.ts';
import { localAdvisoryNote } from '../limits/advisory.ts';
import { useColor } from './plan.ts';
import { applyViaDaemon } from '../daemon/remote-apply.ts';
import { openWorkspace, type Workspace } from '../workspace/workspace.ts';
import { targetOptions, wantsCluster, type ClusterFlags } from './target-flags.ts';
import type { Spec } from '../spec/types.ts';
import type { BuildKeys } from '../source/types.ts';
import type { Plan } from '../plan/types.ts';

type ApplyOptions = ClusterFlags & { file?: string; yes?: boolean; port: string; gate?: boolean };

export function registerApply(program: Command): void {
  targetOptions(program.command('apply'))
    .description('apply models.yaml to the running daemon (starting one if needed), then run the examples')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('-y, --yes', 'apply without asking')
    .option('--port <port>', 'port for a daemon started by this command', '8700')
    .option('--no-gate', 'move traffic as soon as new replicas are ready; run the examples after (default: they must pass first)')
    .action(async (opts: ApplyOptions) => {
      const ws = await openWorkspace({ file: opts.file });
      const loaded = await loadDesired(ws, { forApply: true });
      if (wantsCluster(loaded.spec, opts)) return applyCluster(ws, loaded.spec, loaded.keys, opts);
      const desired = await withLocalKeys(ws, loaded);
      const { client, started } = await ensureDaemon(ws.root, { port: Number(opts.port), file: ws.modelsFile });
      if (started) process.stderr.write(`started the Slipway daemon at ${client.url}\n`);
      const note = localAdvisoryNote(desired.spec);
      if (note !== null) process.stderr.write(`${note}\n`);
      const observed = await client.json<Observed>('GET', 'observe');
      const preview = plan(desired.spec, desired.keys, observed);
      process.stdout.write(renderPlanText(preview, { color: useColor() }));
      // Capture settings are no part of the plan (changing them redeploys nothing): saved even
      // when nothing else changes, the daemon's recorder reads them within seconds.
      if (!hasChanges(preview)) return saveCaptureSettingsOf(ws.root, desired.spec);
      if (!opts.yes && !(await confirm())) throw new CliError('apply cancelled (pass --yes to apply without asking)');
      // The daemon plans again when the apply's turn comes; it applies only the plan confirmed here.
      const fingerprint = opts.yes ? undefined : planFingerprint(preview, observed);
      const output = createBuildOutput({ tty: process.stderr.isTTY === true, write: (text) => process.stderr.write(text) });
      const result = await applyViaDaemon(client, ws.modelsFile, secretNames(desired.spec), output.onLog, { gate: opts.gate, onBuild: output.onBuild, fingerprint });
      output.done();
      process.stdout.write(renderApplyResult(result, { buildStreamed: output.streamed }));
      if (!result.ok || !result.report.ok) process.exitCode = 1;
    });
}

/** Apply to a kubernetes target: images built with buildah, deployed under the target's Lease. */
async function applyCluster(ws: Workspace, spec: Spec, keys: BuildKeys, opts: ApplyOptions): Promise<void> {
  const { clusterFor, withClusterDigests } = await import('../workspace/cluster-target.ts');
  const { applyToCluster } = await import('../backends/kubernetes/cluster-apply.ts');
  const { createBuildahBuilder } = await import('../build/buildah-builder.ts');
  const { stateDir } = await import('../backends/local/observe.ts');
  const { headCommit } = await import('../source/repo.ts');
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const cluster = clusterFor(spec, opts, log)!;
  spec = await withClusterDigests(cluster, spec, { create: true });
  const builder = createBuildahBuilder({
    stateDir: stateDir(ws.root),
    registry: cluster.target.registry,
    tlsVerify: cluster.target.insecureRegistry ? false : undefined,
    credentials: cluster.credentials,
  });
  const result = await applyToCluster({
    backend: cluster.backend,
    spec,
    keys,
    root: ws.root,
    builder,
    gitCommit: await headCommit(ws.repo),
    log,
    confirm: async (thePlan: Plan) => {
      process.stdout.write(renderPlanText(thePlan, { color: useColor() }));
      return opts.yes === true || (await confirm());
    },
  });
  if (!result.report) {
    if (!hasChanges(result.plan)) process.stdout.write(renderPlanText(result.plan, { color: useColor() }));
    return;
  }
  process.stdout.write(renderApplyResult({ ok: true, plan: result.plan, fingerprint: result.fingerprint, report: result.report }));
  if (!result.report.ok) process.exitCode = 1;
}

async function confirm(): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError('not on a terminal: pass --yes to apply without asking');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question('Apply these changes? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}
