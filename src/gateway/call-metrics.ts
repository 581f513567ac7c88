// CML's tracked metrics that came back with a call's answer, handed to the store before the client
// gets the answer, so a client reading its prediction's metrics right after finds them.
import type { ReplicaLink } from './replica-link.ts';
import type { GatewayDeps } from './types.ts';

/** Stores a call's metrics; a promise when the store is remote (it settles once the store has them). */
export function recordCallMetrics(
  env: { deps: GatewayDeps; log(line: string): void },
  link: ReplicaLink,
  metrics: Record<string, unknown>,
  uuid: string | null,
): Promise<void> | null {
  try {
    const stored: unknown = env.deps.recordMetrics({ model: link.model, deploymentId: link.deploymentId, replicaId: link.replicaId, uuid, metrics });
    return stored instanceof Promise ? stored : null;
  } catch (err) {
    env.log(`recordMetrics for ${link.model} threw: ${(err as Error).stack ?? String(err)}`);
    return null;
  }
}
