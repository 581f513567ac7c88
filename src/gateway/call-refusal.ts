// Answers for calls that end without a replica's answer: the pool refused them, or a bug.
import type { ServerResponse } from 'node:http';
import { sendError } from './answers.ts';
import type { CallEnv, ModelEntry, VariantEntry } from './model-call.ts';
import type { Refusal } from './replica-pool.ts';

/** A bug reached a call: log it, answer 500; the gateway keeps serving. */
export function gatewayBug(env: CallEnv, res: ServerResponse, err: unknown): void {
  env.log(`gateway error during a call: ${(err as Error)?.stack ?? String(err)}`);
  sendError(res, 500, 'gateway.error', 'the gateway failed on this call; the error is in the daemon log');
}

/** Answers a call that never reached a replica: busy, unavailable, stopped or removed. */
export function refuse(entry: ModelEntry, target: VariantEntry | null, res: ServerResponse, refusal: Refusal): void {
  const name = entry.route.name;
  switch (refusal) {
    case 'busy': {
      const candidate = target?.pool.firstCandidate() ?? null;
      if (candidate !== null) candidate.value.counters.busy++;
      sendError(res, 429, 'model.busy',
        `every replica of ${name} stayed busy for ${entry.route.busyTimeoutMs} ms; retry later, or deploy more replicas or a higher concurrency`);
      return;
    }
    case 'unavailable':
      sendError(res, 503, 'model.unavailable',
        `no replica of ${name} became ready within ${entry.route.busyTimeoutMs} ms; see \`slipway status\` and \`slipway logs ${name}\``);
      return;
    case 'stopped':
      sendError(res, 503, 'model.stopped', `model ${name} is stopped; start it with \`slipway start ${name}\``);
      return;
    case 'removed':
      sendError(res, 404, 'model.not_found', `model ${name} was removed`);
      return;
  }
}
