// Whether a call may go on before any replica is involved: its API key, the model's state, the
// body's size within the model's limit and the gateway's body budget, and UTF-8. Each check
// answers the refusal itself and returns false (or does not call on) when the call stops there.
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './answers.ts';
import { type BodyBudget, readBodyWithin } from './body-budget.ts';
import type { ModelEntry } from './model-call.ts';
import { refuseCredential } from './refuse-credential.ts';
import { bearerToken } from './request-body.ts';
import type { AuthVerdict, GatewayDeps } from './types.ts';

/** The admission checks of one gateway, over its deps and body budget. */
export type CallAdmission = ReturnType<typeof createCallAdmission>;

/** `failed` answers a call a bug reached (500) and logs it. */
export function createCallAdmission(
  deps: GatewayDeps, budget: BodyBudget, failed: (req: IncomingMessage, res: ServerResponse, err: unknown) => void,
) {
  function tooLarge(res: ServerResponse, limit: number): void {
    sendError(res, 413, 'request.too_large', `the request body is over the limit of ${limit} bytes (limits.maxRequestBytes)`, undefined, undefined, true);
  }

  return {
    tooLarge,

    /**
     * Whether an API key is known, unrevoked and unexpired, whatever model it is for: `authorize`
     * for a model no key can be scoped to (no model is named ''), where a scoped key says
     * `forbidden`, which here means "known".
     */
    authenticate(token: string): AuthVerdict {
      const verdict = deps.authorize(token, '');
      return verdict === 'forbidden' ? 'ok' : verdict;
    },

    /**
     * Checks the API key and the model's state; answers and returns false when the call stops here.
     * `unread`: the body is not read yet, so a refusal closes the connection rather than read it.
     */
    admit(entry: ModelEntry, authorization: string | null, res: ServerResponse, unread: boolean): boolean {
      const route = entry.route;
      if (route.auth) {
        const token = bearerToken(authorization);
        const verdict = token === undefined ? 'invalid' : deps.authorize(token, route.name);
        if (verdict !== 'ok') {
          refuseCredential(res, verdict, route.name, token === undefined, unread);
          return false;
        }
      }
      if (route.state === 'stopped') {
        sendError(res, 503, 'model.stopped', `model ${route.name} is stopped; start it with \`slipway start ${route.name}\``, undefined, undefined, unread);
        return false;
      }
      return true;
    },

    /** Reads the body within `limit` and the body budget (503 / 413 answered there), then `done`. */
    readWithinBudget(req: IncomingMessage, res: ServerResponse, declared: number, limit: number, done: (body: Buffer) => void): void {
      readBodyWithin(budget, req, declared, limit, {
        overloaded: () => sendError(res, 503, 'gateway.overloaded', 'the gateway is reading as many request bodies as it may at once; retry shortly', undefined, ['retry-after', '1'], true),
        tooLarge: () => tooLarge(res, limit),
        body: (body) => {
          try {
            done(body);
          } catch (err) {
            failed(req, res, err);
          }
        },
      });
    },

    /** Answers 400 and returns false for a body that is not UTF-8. */
    utf8(res: ServerResponse, body: Buffer): boolean {
      if (isUtf8(body)) return true;
      sendError(res, 400, 'request.invalid_json', 'the request body is not valid UTF-8; send JSON encoded as UTF-8');
      return false;
    },
  };
}
