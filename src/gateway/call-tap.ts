// The call tap of one model: the daemon's `callTimer` (Prometheus, telemetry) and `tap` (capture,
// comparisons) joined into the one function the gateway gives each settled call, so a call pays
// for one record and one call whatever listens, and nothing when nobody does.
import type { GatewayDeps, TappedCall } from './types.ts';

/** The model's tap, or null when neither hook wants its calls. A throwing hook is logged, never fatal. */
export function modelTap(deps: GatewayDeps, model: string, log: (line: string) => void): ((call: TappedCall) => void) | null {
  const timer = ask(() => deps.callTimer?.(model) ?? null, `callTimer(${model})`, log);
  const tap = ask(() => deps.tap?.(model) ?? null, `tap(${model})`, log);
  // The timer keeps what it measured before the tap existed: answered calls of serving variants,
  // the ones whose function ran (a shadow's latency is not the model's).
  const timed = timer === null ? null : (call: TappedCall): void => {
    if (call.role !== 'shadow' && (call.outcome === 'success' || call.outcome === 'raised')) {
      timer(call.seconds, call.request.length, call.answer?.length ?? 0);
    }
  };
  if (timed === null) return tap;
  if (tap === null) return timed;
  return (call) => {
    try {
      timed(call);
    } finally {
      tap(call);
    }
  };
}

/** Gives `call` to the model's tap; a throwing tap is logged, never the call's problem. */
export function deliverToTap(tap: (call: TappedCall) => void, call: TappedCall, log: (line: string) => void): void {
  try {
    tap(call);
  } catch (err) {
    log(`the call tap of ${call.model} threw: ${(err as Error).stack ?? String(err)}`);
  }
}

function ask<T>(hook: () => T | null, name: string, log: (line: string) => void): T | null {
  try {
    return hook();
  } catch (err) {
    log(`${name} threw: ${(err as Error).stack ?? String(err)}`);
    return null;
  }
}
