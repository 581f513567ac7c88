// What the gateway reports per call, summed in memory per model until the sampler takes it:
// calls timed, request and response bytes, and a latency histogram. `record` runs on every call,
// so it only adds numbers; nothing here touches the store.
import { emptyHistogram, recordLatency, type LatencyHistogram } from './latency-histogram.ts';

/** One model's calls since the last `take`. */
export type CallWindow = { calls: number; requestBytes: number; responseBytes: number; latency: LatencyHistogram };

export type CallTally = {
  /**
   * For GatewayDeps.callTimer: a recorder of one model's calls (seconds from accepting the call to
   * its answer, the request's bytes, the replica's answer's bytes).
   */
  callTimer(model: string): (seconds: number, requestBytes?: number, responseBytes?: number) => void;
  /** Every model's window since the last take (models with no call included once seen); resets them. */
  take(): Map<string, CallWindow>;
};

function emptyWindow(): CallWindow {
  return { calls: 0, requestBytes: 0, responseBytes: 0, latency: emptyHistogram() };
}

export function createCallTally(): CallTally {
  const windows = new Map<string, CallWindow>();
  return {
    callTimer(model) {
      if (!windows.has(model)) windows.set(model, emptyWindow());
      return (seconds, requestBytes = 0, responseBytes = 0) => {
        // Looked up per call: `take` swaps the window object out.
        const w = windows.get(model)!;
        w.calls++;
        w.requestBytes += requestBytes;
        w.responseBytes += responseBytes;
        recordLatency(w.latency, seconds * 1000);
      };
    },
    take() {
      const taken = new Map(windows);
      for (const model of windows.keys()) windows.set(model, emptyWindow());
      return taken;
    },
  };
}

/** Calls `a` then `b` with the same arguments: one callTimer fed to two consumers. */
export function bothTimers(
  a: (model: string) => (seconds: number, requestBytes?: number, responseBytes?: number) => void,
  b: (model: string) => (seconds: number, requestBytes?: number, responseBytes?: number) => void,
): (model: string) => (seconds: number, requestBytes?: number, responseBytes?: number) => void {
  return (model) => {
    const first = a(model);
    const second = b(model);
    return (seconds, requestBytes, responseBytes) => {
      first(seconds, requestBytes, responseBytes);
      second(seconds, requestBytes, responseBytes);
    };
  };
}
