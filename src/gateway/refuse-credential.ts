// The answer to a call whose API key did not pass: 401 when the gateway does not know who is
// calling (no key, unknown key, revoked key), 403 when it does but the key may not call this
// model now (expired, or scoped to other models).
import type { ServerResponse } from 'node:http';
import { type ErrorCode, sendError } from './answers.ts';
import type { AuthVerdict } from './types.ts';

const CHALLENGE = ['www-authenticate', 'Bearer'];

/**
 * Answers a refused credential; `malformed` is an Authorization header that is not `Bearer <key>`.
 * `model` is null when the call was refused before the gateway knew which model it is for.
 * `close` ends the connection after the answer (the body was left unread).
 */
export function refuseCredential(
  res: ServerResponse,
  verdict: Exclude<AuthVerdict, 'ok'>,
  model: string | null,
  malformed: boolean,
  close = false,
): void {
  let status = 401;
  let code: ErrorCode;
  let message: string;
  switch (verdict) {
    case 'missing':
      code = 'auth.missing';
      message = `${model === null ? 'this call' : `model ${model}`} needs an API key: send "Authorization: Bearer <API key>" (create one with \`slipway keys create\`)`;
      break;
    case 'invalid':
      code = 'auth.invalid';
      message = malformed
        ? 'the Authorization header must be "Bearer <API key>"'
        : 'the API key is not valid; check it, or create one with `slipway keys create`';
      break;
    case 'revoked':
      code = 'auth.revoked';
      message = 'the API key was revoked; create a new one with `slipway keys create`';
      break;
    case 'expired':
      status = 403;
      code = 'auth.expired';
      message = 'the API key expired; create a new one with `slipway keys create --expires ...`';
      break;
    case 'forbidden':
      status = 403;
      code = 'auth.forbidden';
      message = `the API key may not call model ${model}; it is scoped to other models`;
      break;
  }
  sendError(res, status, code, message, undefined, status === 401 ? CHALLENGE : undefined, close);
}
