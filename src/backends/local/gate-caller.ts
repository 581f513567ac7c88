// The examples that gate traffic call a new deployment's replicas directly, on the runtime
// protocol, before the gateway's route moves to them: a failing example never reaches a client.
import type { CallModel } from '../../apply/test-calls.ts';
import { invoke } from '../../apply/replica-invoke.ts';
import type { StoredDeployment } from '../../store/deployments.ts';
import type { Supervisor } from '../../supervisor/supervisor.ts';

/** Calls deployment `d`'s ready replicas in turn, bypassing the gateway. */
export function gateCaller(supervisor: Supervisor, d: StoredDeployment): CallModel {
  let next = 0;
  return async (_model, input) => {
    const ready = supervisor.list({ deploymentId: d.id }).filter((r) => r.state === 'ready' && r.origin);
    if (ready.length === 0) return { ok: false, status: 503, message: `no replica of deployment #${d.id} is ready` };
    const replica = ready[next++ % ready.length];
    return invoke(replica.origin!, input, d.serving.timeoutSeconds * 1000);
  };
}
