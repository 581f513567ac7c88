// Calls a replica's `/invoke` directly (no gateway), as test calls against a candidate image do.
import type { CallAnswer, CallModel } from '../apply/test-calls.ts';

type InvokeBody = { response?: unknown; error?: { type?: string; message?: string } };

/**
 * A `CallModel` that posts each input to `<url>/invoke` of one replica and reads the runtime's
 * answer; the model name is ignored (the replica serves one model). A call taking longer than
 * `timeoutMs` fails.
 */
export function invokeCaller(url: string, timeoutMs = 30_000): CallModel {
  return async (_model, input): Promise<CallAnswer> => {
    let response: Response;
    try {
      response = await fetch(`${url}/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message;
      return { ok: false, status: 0, message: `cannot call ${url}/invoke: ${cause}` };
    }
    const text = await response.text();
    let body: InvokeBody;
    try {
      body = JSON.parse(text) as InvokeBody;
    } catch {
      return { ok: false, status: response.status, message: `the replica answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}` };
    }
    if (response.status === 200 && 'response' in body) return { ok: true, response: body.response };
    const error = body.error;
    const message = error ? `${error.type ?? 'Error'}: ${error.message ?? ''}` : text.slice(0, 200);
    return { ok: false, status: response.status, message };
  };
}
