// Scheduled runs: compare what runs with what was last applied and with the models file, repair
// what differs (by applying), and report it. A daemon that was down is drift too: starting it
// brings back its deployments, and the report says which.
import { secretNames } from '../apply/desired.ts';
import { ensureDaemon, findDaemon } from '../daemon/admin-client.ts';
import { observeRoot } from '../backends/local/observe.ts';
import { secretDigestIfStore } from '../workspace/secret-digest.ts';
import type { ModelReport, RunReport } from '../github/run-report.ts';
import { hasChanges, plan } from '../plan/plan.ts';
import type { Observed } from '../plan/types.ts';
import { applyInDaemon } from './daemon-apply.ts';
import type { FlowContext } from './flow-context.ts';
import { loadModels, modelsFileName } from './load-models.ts';
import { planFingerprint } from '../plan/fingerprint.ts';
import { invalidReport, toReport } from './to-report.ts';

/** Repairs what differs from what was applied or declared; `drift` says whether anything did. */
export async function reconcileFlow(ctx: FlowContext): Promise<RunReport> {
  const { ws } = ctx;
  const header = { kind: 'reconcile' as const, commit: ctx.commit, modelsFile: modelsFileName(ws) };
  const desired = await loadModels(ws, { forApply: true, env: ctx.env, secretDigest: secretDigestIfStore(ws.root), interpreters: true });
  if (!desired.ok) return invalidReport(header, desired);
  ctx.secrets(secretNames(desired.spec));
  const notes: string[] = [];
  let drift = false;
  let restored: string[] = [];
  let client = findDaemon(ws.root);
  if (!client) {
    const served = observeRoot(ws.root).models.filter((m) => !m.deleted && m.deployment?.state === 'running').map((m) => m.name);
    client = (await ensureDaemon(ws.root, { port: ctx.settings.port })).client;
    if (served.length > 0) {
      drift = true;
      restored = served;
      notes.push(`the Slipway daemon was not running, so ${served.join(', ')} ${served.length === 1 ? 'was' : 'were'} not served: started it at ${client.url}, which restored the deployments`);
    } else {
      notes.push(`started the Slipway daemon at ${client.url}`);
    }
  }
  const observed = await client.json<Observed>('GET', 'observe');
  const preview = plan(desired.spec, desired.keys, observed);
  // The log, the summary and the outputs tell one story: models the restarted daemon brought back
  // are drift that was repaired, reported (and output) as such.
  const restoredReports = restored.map((name) => restoredReport(name, observed));
  if (restored.length > 0) ctx.log(`drift: the daemon was not running; starting it restored ${restored.join(', ')}`);
  let report: RunReport = toReport(header, { ok: true, plan: preview, fingerprint: planFingerprint(preview, observed), models: restoredReports, notes, drift });
  if (hasChanges(preview)) {
    ctx.log('what runs differs from what was applied or declared: applying');
    const applied = await applyInDaemon(ctx, client, desired.spec);
    const models = [...restoredReports.filter((r) => !applied.models.some((m) => m.model === r.model)), ...applied.models];
    report = { ...report, ok: applied.ok, plan: applied.plan ?? preview, fingerprint: applied.fingerprint ?? report.fingerprint, models, failure: applied.failure, drift: true };
  } else if (!drift) {
    ctx.log('no drift: everything runs as last applied');
  }
  if (report.drift && ctx.settings.failOnDrift) {
    report.ok = false;
    report.failure ??= 'drift was found (and repaired where possible); failing because fail-on-drift is set';
  }
  return report;
}

/** A model the restarted daemon restored: drift repaired by starting the daemon. */
function restoredReport(name: string, observed: Observed): ModelReport {
  const model = observed.models.find((m) => m.name === name);
  return {
    model: name,
    action: 'repair',
    reasons: ['the Slipway daemon was not running: starting it restored the deployment'],
    build: null,
    failedIn: null,
    error: null,
    errorTail: null,
    tests: [],
    deploymentId: model?.deployment?.id ?? null,
    curl: null,
  };
}
