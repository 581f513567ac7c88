// The in-cluster gateway's captured calls, sent to the metrics store (`POST /captures`) in the
// recorder's batches, already redacted (recorder.ts toRow: nothing unredacted, and no header, ever
// leaves the gateway). Sends go one after another, off the call path; a store that is down loses
// those calls, said once per outage.
import type { CaptureSink } from '../capture/capture-sink.ts';
import type { CaptureSettings } from '../spec/types.ts';
import type { CapturedCall } from '../store/captures.ts';
import type { CaptureKeep } from './capture-rows.ts';
import { MAX_CAPTURE_BODY } from './capture-routes.ts';

export type CaptureForwarder = CaptureSink & {
  /** Settles once every batch written so far was sent (or failed). */
  flush(): Promise<void>;
};

export function createCaptureForwarder(opts: { url: string; token: string; settings: () => Map<string, CaptureSettings>; log: (line: string) => void }): CaptureForwarder {
  let chain: Promise<void> = Promise.resolve();
  let failing = false;
  async function send(calls: CapturedCall[]): Promise<void> {
    const settings = opts.settings();
    const keep: Record<string, CaptureKeep> = {};
    for (const call of calls) {
      const s = settings.get(call.model);
      if (s) keep[call.model] = { maxPerDay: s.maxPerDay, retentionDays: s.retentionDays };
    }
    try {
      for (const part of parts(calls)) {
        const answer = await fetch(`${opts.url}/captures`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ calls: part, keep }),
        });
        if (!answer.ok) throw new Error(`HTTP ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
        await answer.arrayBuffer();
      }
      if (failing) opts.log('metrics store: captured calls are stored again');
      failing = false;
    } catch (error) {
      if (!failing) opts.log(`metrics store: cannot store captured calls (${(error as Error).message}); calls captured meanwhile are lost`);
      failing = true;
    }
  }
  return {
    settings: opts.settings,
    // The store caps each model's day over every gateway replica; here only what this one sends.
    countSince: () => 0,
    write(calls) {
      if (calls.length === 0) return;
      chain = chain.then(() => send(calls));
    },
    // The store deletes rows past their retention itself.
    prune: () => 0,
    flush: () => chain,
  };
}

/** Batches under the store's body limit (a call is at most the gateway's request limit, 5 MB by default). */
function parts(calls: CapturedCall[]): CapturedCall[][] {
  const out: CapturedCall[][] = [];
  let current: CapturedCall[] = [];
  let size = 0;
  for (const call of calls) {
    const bytes = call.request.length + (call.response?.length ?? 0) + 200;
    if (current.length > 0 && size + bytes > MAX_CAPTURE_BODY / 2) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(call);
    size += bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}
