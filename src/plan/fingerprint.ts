// A plan's fingerprint: what a person confirmed, in a form the applier can check, as Terraform
// checks a saved plan. It covers each change (action and build) with the serving settings it
// deploys, and what the plan was made against (each model's applied deployment, its serving hash,
// and what runs). An applier that plans again and gets another fingerprint refuses: something
// changed in between (the watcher applied, another CLI did, the files or the cluster changed).
import { createHash } from 'node:crypto';
import { canonicalJson } from '../source/key-of.ts';
import type { Serving } from '../spec/types.ts';
import { servingHash } from './serving-hash.ts';
import type { Observed, Plan } from './types.ts';

/** The message of an applier refusing a stale plan. */
export const STALE_PLAN_MESSAGE = 'the plan changed since you confirmed it: review it again';

/** sha256 (hex) of the plan's changes and the observed state it was made against. */
export function planFingerprint(plan: Plan, observed: Observed): string {
  const changes = plan.changes.map((c) => ({
    model: c.model,
    action: c.action,
    build: c.build,
    state: c.desired?.state ?? null,
    serving: c.desired ? servingHash(withoutSecretDigests(c.desired.serving)) : null,
  }));
  const seen = observed.models.map((m) => ({
    model: m.name,
    deleted: m.deleted,
    deployment: m.deployment && { id: m.deployment.id, servingHash: m.deployment.servingHash, state: m.deployment.state },
    live: m.live && { state: m.live.state, deploymentId: m.live.deploymentId, servingHash: m.live.servingHash },
  }));
  seen.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  return createHash('sha256').update(canonicalJson({ changes, observed: seen })).digest('hex');
}

/**
 * Secret digests depend on the key of whoever planned (a CLI may plan before the daemon's store,
 * and its key, exist): the fingerprint keeps the variable, not its digest. A changed secret value
 * is never shown in a plan, so it is not part of what was confirmed either.
 */
function withoutSecretDigests(serving: Serving): Serving {
  const env: Serving['env'] = {};
  for (const [name, value] of Object.entries(serving.env)) env[name] = 'fromEnv' in value ? { fromEnv: value.fromEnv } : value;
  return { ...serving, env };
}
