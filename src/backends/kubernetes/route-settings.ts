// The gateway's settings for one model, carried on the model's Deployment as an annotation, so the
// in-cluster gateway learns them from the same object that runs the model (see
// endpoint-discovery.ts). Replicas come from EndpointSlices; everything else a ModelRoute needs is here,
// built by routeSettings() in ../serving-route.ts, the one home of that mapping.
import type { RouteSettings } from '../serving-route.ts';
import type { Contract } from '../../spec/types.ts';

/** Parses the annotation; null when it is missing or not what Slipway writes (edited by hand). */
export function parseRouteSettings(text: string | undefined): RouteSettings | null {
  if (text === undefined) return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  const numbers = ['deploymentId', 'build', 'concurrency', 'timeoutMs', 'busyTimeoutMs', 'maxRequestBytes'] as const;
  if (!numbers.every((key) => typeof d[key] === 'number' && Number.isFinite(d[key]))) return null;
  if (d.state !== 'running' && d.state !== 'stopped') return null;
  if (typeof d.auth !== 'boolean') return null;
  return {
    deploymentId: d.deploymentId as number,
    build: d.build as number,
    state: d.state,
    auth: d.auth,
    concurrency: d.concurrency as number,
    timeoutMs: d.timeoutMs as number,
    busyTimeoutMs: d.busyTimeoutMs as number,
    maxRequestBytes: d.maxRequestBytes as number,
    ...contractOf(d.contract),
  };
}

/** The model's contract when the annotation carries a well-formed one (else none: nothing validated). */
function contractOf(value: unknown): Pick<RouteSettings, 'contract'> {
  const c = value as Contract | undefined;
  const isSchema = (s: unknown) => typeof s === 'object' && s !== null && !Array.isArray(s);
  if (typeof c !== 'object' || c === null || !isSchema(c.input) || !isSchema(c.output)) return {};
  return { contract: c };
}
