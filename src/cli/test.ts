// `slipway test`: what a pull request's check does, on this machine: plan, build the changed models
// whose key has no build, and call their examples in throwaway replicas. Nothing is deployed.
import type { Command } from 'commander';
import { redactText, scrubList } from '../github/redact.ts';
import type { ModelReport, RunReport } from '../github/run-report.ts';
import { formatIssues } from '../spec/format.ts';
import { prFlow } from '../ci/pr-flow.ts';
import { resolveSettings } from '../ci/settings.ts';
import { modelPassed, toReport } from '../ci/to-report.ts';
import { CliError } from './cli-error.ts';
import { openWorkspace, type Workspace } from '../workspace/workspace.ts';
import { loadDesired } from './desired.ts';
import { targetOptions, wantsCluster, type ClusterFlags } from './target-flags.ts';
import type { Spec } from '../spec/types.ts';
import type { BuildKeys } from '../source/types.ts';
import { secretNames } from '../apply/desired.ts';

/** Adds `slipway test`. */
export function registerTest(program: Command): void {
  targetOptions(program.command('test'))
    .description("build the changed models and call their examples in throwaway replicas, without deploying")
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('--unsafe-candidates', 'run candidates without a sandbox where none can be made')
    .action(async (opts: ClusterFlags & { file?: string; unsafeCandidates?: boolean }) => {
      if (opts.target !== undefined || opts.registry !== undefined) {
        const ws = await openWorkspace({ file: opts.file });
        const desired = await loadDesired(ws);
        if (wantsCluster(desired.spec, opts)) return testOnCluster(ws, desired.spec, desired.keys, opts);
      }
      const resolved = resolveSettings({ command: 'test', file: opts.file, unsafeCandidates: opts.unsafeCandidates === true }, process.env);
      if (!resolved.ok) throw new CliError(resolved.message);
      const ws = await openWorkspace({ file: opts.file });
      let secrets: string[] = [];
      const report = await prFlow(
        {
          settings: resolved.settings,
          ws,
          env: process.env,
          commit: null,
          fork: false,
          log: (line) => process.stderr.write(`  ${redactText(line, secrets)}\n`),
          secrets: (names) => {
            secrets = scrubList(names.map((n) => process.env[n]));
          },
        },
        { test: true },
      );
      process.stdout.write(redactText(renderTestReport(report), secrets));
      if (!report.ok) process.exitCode = 1;
    });
}

/** `--target` a kubernetes target: images built with buildah, examples called in podman containers. */
async function testOnCluster(ws: Workspace, spec: Spec, keys: BuildKeys, opts: ClusterFlags): Promise<void> {
  const { clusterFor, withClusterDigests, withPinnedBases } = await import('../workspace/cluster-target.ts');
  const { clusterTest } = await import('../ci/cluster-test-flow.ts');
  const { headCommit } = await import('../source/repo.ts');
  const secrets = scrubList(secretNames(spec).map((n) => process.env[n]));
  const log = (line: string) => process.stderr.write(`  ${redactText(line, secrets)}\n`);
  const cluster = clusterFor(spec, opts, log)!;
  spec = await withClusterDigests(cluster, spec, { create: false });
  keys = await withPinnedBases(cluster, keys);
  const result = await clusterTest({ root: ws.root, spec, keys, backend: cluster.backend, target: cluster.target, credentials: cluster.credentials, gitCommit: await headCommit(ws.repo), env: process.env, log });
  const ok = result.models.every(modelPassed);
  const report = toReport({ kind: 'test', commit: null, modelsFile: ws.display }, { ok, plan: result.plan, fingerprint: result.fingerprint, models: result.models });
  process.stdout.write(redactText(renderTestReport(report), secrets));
  if (!ok) process.exitCode = 1;
}

/** The report for a terminal: one line per model, one per example. */
export function renderTestReport(report: RunReport): string {
  if (report.issues.length > 0) return `${formatIssues(report.issues)}\n`;
  if (report.failure) return `${report.failure}\n`;
  const lines = report.models.length === 0 ? ['No changes: nothing to test.'] : report.models.map(modelLines).flat();
  lines.push(report.ok ? 'All test calls passed.' : 'Some models failed.');
  return `${lines.join('\n')}\n`;
}

function modelLines(m: ModelReport): string[] {
  const failed = m.error !== null || m.tests.some((t) => !t.pass);
  const build = m.build ? ` build #${m.build.number} ${m.build.state}` : '';
  const lines = [`${failed ? '✗' : '✓'} ${m.model}: ${m.action}${build}${m.error ? `: ${m.error}` : ''}`];
  if (m.errorTail) lines.push(...m.errorTail.split('\n').map((l) => `    | ${l}`));
  if (m.skipped) lines.push(`    skipped: ${m.skipped}`);
  for (const t of m.tests) {
    lines.push(`    example ${t.index + 1}: ${t.pass ? 'pass' : 'FAIL'} (${t.latencyMs.toFixed(1)} ms) ${JSON.stringify(t.input)} → ${JSON.stringify(t.got)}${t.detail ? `  ${t.detail}` : ''}`);
  }
  // The answer diff and the output shape, as the pull request's comment has them: a red diff policy
  // fails the run, so the terminal says which one (the details are `slipway diff`'s).
  if (m.diff) {
    const { judgement: j, candidate, baseline } = m.diff;
    lines.push(`    answer diff ${j.ok ? 'ok' : 'FAIL'}: build #${candidate} against the deployed build #${baseline}: ${j.verdict}`);
    for (const breach of j.breaches) lines.push(`      ✗ ${breach}`);
  } else if (m.diffNotRun) {
    lines.push(`    answer diff not run: ${m.diffNotRun}`);
  }
  if (m.outputShape) lines.push(`    output shape changed (from the ${m.outputShape.from}): ${m.outputShape.changes.join('; ')}`);
  return lines;
}
