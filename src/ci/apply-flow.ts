// Merges (a push to the default branch) and `apply` on demand: apply in the local daemon (started
// when none runs), whose test calls then run against the deployed models.
import { secretNames } from '../apply/desired.ts';
import { ensureDaemon } from '../backends/local/admin-client.ts';
import { secretDigestIfStore } from '../cli/desired.ts';
import type { RunReport } from '../github/run-report.ts';
import { applyInDaemon } from './daemon-apply.ts';
import type { FlowContext } from './flow-context.ts';
import { loadModels, modelsFileName } from './load-models.ts';

/** Applies the models file in the daemon and reports per model, test calls included. */
export async function applyFlow(ctx: FlowContext): Promise<RunReport> {
  const { ws } = ctx;
  const modelsFile = modelsFileName(ws);
  const desired = await loadModels(ws, { forApply: true, env: ctx.env, secretDigest: secretDigestIfStore(ws.root), interpreters: true });
  if (!desired.ok) {
    return { kind: 'apply', ok: false, commit: ctx.commit, modelsFile, issues: desired.issues, plan: null, models: [], notes: [], failure: desired.issues.length ? null : desired.message, drift: false };
  }
  ctx.secrets(secretNames(desired.spec));
  const notes: string[] = [];
  const { client, started } = await ensureDaemon(ws.root, { port: ctx.settings.port });
  if (started) notes.push(`started the Slipway daemon at ${client.url}`);
  const applied = await applyInDaemon(ctx, client, desired.spec);
  return { kind: 'apply', ok: applied.ok, commit: ctx.commit, modelsFile, issues: [], plan: applied.plan, models: applied.models, notes, failure: applied.failure, drift: false };
}
