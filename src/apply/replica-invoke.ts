// The one client of the runtime protocol outside the gateway: a call on a replica's `POST /invoke`,
// reached by its origin string (`unix:<socket path>` for a local replica or a candidate container,
// `http://host:port` for a pod). Examples at apply (the gate), pull-request candidates, `slipway
// test` and `slipway diff` all call through here, so how replicas are reached changes in one place.
import { Agent, fetch } from 'undici';
import { replicaAddress } from '../gateway/replica-origin.ts';
import type { CallAnswer, CallModel } from './test-calls.ts';

/** One call on the runtime protocol: 200 `{response}`, 500 `{error: {type, message}}`. */
export async function invoke(origin: string, input: unknown, timeoutMs: number): Promise<CallAnswer> {
  const caller = openReplicaCaller(origin, timeoutMs);
  try {
    return await caller.call('', input);
  } finally {
    await caller.close();
  }
}

/**
 * A `CallModel` on the one replica at `origin` (the model name is ignored: a replica serves one
 * model) that keeps its connection between calls, as a diff's thousands of paired calls need:
 * a new connection per call would be measured as the model's latency. `close` ends it.
 */
export function openReplicaCaller(origin: string, timeoutMs = 30_000): { call: CallModel; close(): Promise<void> } {
  const address = replicaAddress(origin);
  // A Unix socket is reached through an agent that connects to it; the host name is then unused.
  const dispatcher = new Agent('socketPath' in address ? { connect: { socketPath: address.socketPath } } : {});
  const url = `${'socketPath' in address ? 'http://replica' : address.url}/invoke`;
  return {
    call: (_model, input) => invokeWith(url, dispatcher, input, timeoutMs),
    close: () => dispatcher.close(),
  };
}

async function invokeWith(url: string, dispatcher: Agent, input: unknown, timeoutMs: number): Promise<CallAnswer> {
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
      signal: AbortSignal.timeout(timeoutMs),
      dispatcher,
    });
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return timedOut
      ? { ok: false, status: 504, message: `no answer within the model's timeout of ${timeoutMs / 1000} s` }
      : { ok: false, status: 502, message: `the replica did not answer: ${(error as Error).message}` };
  }
  return runtimeAnswer(response.status, await response.json().catch(() => null));
}

/** What a runtime's `POST /invoke` answer means: 200 `{response}`, else the error it names. */
export function runtimeAnswer(status: number, parsed: unknown): CallAnswer {
  const body = parsed as { response?: unknown; error?: { type?: string; message?: string } } | null;
  if (status === 200 && body && typeof body === 'object' && 'response' in body) return { ok: true, response: body.response };
  const error = body?.error;
  const message = error ? `${error.type ?? 'Error'}: ${error.message ?? ''}` : `the replica answered ${status}`;
  return { ok: false, status, message };
}
