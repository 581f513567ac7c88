// `slipway plan`: what apply would do, per model, and why.
import type { Command } from 'commander';
import { findDaemon } from '../daemon/admin-client.ts';
import { observeRoot } from '../backends/local/observe.ts';
import type { Observed } from '../plan/types.ts';
import type { Spec } from '../spec/types.ts';
import { hasChanges, plan } from '../plan/plan.ts';
import { renderPlanJson } from '../plan/render-plan-json.ts';
import { renderPlanText } from '../plan/render-plan-text.ts';
import { loadDesired, withLocalKeys } from './desired.ts';
import { localAdvisoryNote } from '../limits/advisory.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { targetOptions, wantsCluster, type ClusterFlags } from './target-flags.ts';

type PlanOptions = ClusterFlags & { file?: string; json?: boolean; detailedExitcode?: boolean };

export function registerPlan(program: Command): void {
  targetOptions(program.command('plan'))
    .description('show what apply would change and why')
    .option('-f, --file <path>', 'the models file (default: the nearest models.yaml)')
    .option('--json', 'print the plan as JSON')
    .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when something would, 1 on error')
    .action(async (opts: PlanOptions) => {
      const ws = await openWorkspace({ file: opts.file });
      const loaded = await loadDesired(ws);
      const desired = wantsCluster(loaded.spec, opts) ? loaded : await withLocalKeys(ws, loaded);
      const { spec, observed } = await observe(ws.root, desired.spec, opts);
      const result = plan(spec, desired.keys, observed);
      process.stdout.write(opts.json ? renderPlanJson(result) : renderPlanText(result, { color: useColor() }));
      if (!wantsCluster(desired.spec, opts)) {
        const note = localAdvisoryNote(desired.spec);
        if (note !== null) process.stderr.write(`${note}\n`);
      }
      if (opts.detailedExitcode && hasChanges(result)) process.exitCode = 2;
    });
}

/** Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

/**
 * What runs: the cluster of a kubernetes target, or the local daemon (its live state) or store;
 * and the spec with its secrets digested as that target digests them.
 */
async function observe(root: string, spec: Spec, flags: ClusterFlags): Promise<{ spec: Spec; observed: Observed }> {
  if (wantsCluster(spec, flags)) {
    const { clusterFor, withClusterDigests } = await import('../workspace/cluster-target.ts');
    const { toObserved } = await import('../backends/kubernetes/observe.ts');
    const cluster = clusterFor(spec, flags, (line) => process.stderr.write(`  ${line}\n`))!;
    const [digested, state] = await Promise.all([withClusterDigests(cluster, spec, { create: false }), cluster.backend.readState()]);
    return { spec: digested, observed: toObserved(state) };
  }
  // A running daemon knows what runs now (so a plan can show repairs); without one, the store's record.
  const daemon = findDaemon(root);
  return { spec, observed: daemon ? await daemon.json<Observed>('GET', 'observe') : observeRoot(root) };
}
