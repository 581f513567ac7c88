// An apply carried out by the local daemon, with its result turned into per-model reports: the
// same path as `slipway apply` (applyViaDaemon), so CI and a terminal apply alike.
import type { ModelOutcome } from '../apply/apply.ts';
import { secretNames } from '../apply/desired.ts';
import type { AdminClient } from '../backends/local/admin-client.ts';
import { applyViaDaemon } from '../cli/remote-apply.ts';
import type { ModelReport } from '../github/run-report.ts';
import type { Plan } from '../plan/types.ts';
import type { Spec } from '../spec/types.ts';
import { addCurls } from './endpoint-curl.ts';
import type { FlowContext } from './flow-context.ts';

export type DaemonApply = { ok: boolean; plan: Plan | null; models: ModelReport[]; failure: string | null };

/** Asks the daemon to apply the models file (the test calls run there after deploy), and reports per model. */
export async function applyInDaemon(ctx: FlowContext, client: AdminClient, spec: Spec): Promise<DaemonApply> {
  const result = await applyViaDaemon(client, ctx.ws.modelsFile, secretNames(spec), ctx.log);
  if (!result.ok) return { ok: false, plan: null, models: [], failure: result.message };
  const models = result.report.outcomes.map((o) => outcomeReport(o, result.plan.changes.find((c) => c.model === o.model)?.reasons ?? []));
  addCurls(models, spec, { root: ctx.ws.root, gatewayUrl: ctx.settings.gatewayUrl ?? client.url });
  return { ok: result.report.ok, plan: result.plan, models, failure: null };
}

function outcomeReport(o: ModelOutcome, reasons: string[]): ModelReport {
  // apply words a failed build `build #N failed: …`; any other error came after the build.
  const buildFailed = o.build !== null && !o.ok && o.error?.startsWith(`build #${o.build.number} failed`) === true;
  return {
    model: o.model,
    action: o.action,
    reasons,
    build: o.build && { number: o.build.number, key: o.build.key, state: buildFailed ? 'failed' : o.build.reused ? 'reused' : 'built' },
    error: o.error,
    errorTail: o.errorTail,
    tests: o.tests,
    deploymentId: o.deploymentId,
    curl: null,
    ...(o.warnings !== undefined ? { warnings: o.warnings } : {}),
  };
}
