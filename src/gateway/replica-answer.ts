// Turning a replica's answer (runtime protocol) into the client's answer (CML's envelope).
//
// Replica: 200 {"response": R, "metrics": {...} | null, "uuid": "..." | null}
// Client:  {"success": true, "response": R, "ReplicaID": "<id>"}
//
// A metrics-enabled call (uuid set) answers as CML does: the response becomes
// {"prediction": R, "uuid": U}, which is what CML clients read (`response["response"]["uuid"]`);
// the uuid is also put in the envelope, for clients that look there.
//
// The common case, a model without metrics, never parses R: the runtime writes compact JSON with
// `response` first, so R is the bytes between a fixed head and a fixed tail and is copied into
// the envelope as is. Any other layout falls back to parsing, so other replica implementations
// work too, only slower.

/** What a replica's answer means for the client. */
export type ReplicaOutcome =
  | { kind: 'success'; envelope: Buffer; metrics: Record<string, unknown> | null; uuid: string | null }
  /** The function raised (500). */
  | { kind: 'raised'; type: string; message: string; traceback: string }
  /** The replica refused the request body (400). */
  | { kind: 'rejected'; message: string }
  /** Not the runtime protocol. */
  | { kind: 'invalid'; detail: string };

const FAST_HEAD = Buffer.from('{"response":');
const FAST_TAIL = Buffer.from(',"metrics":null,"uuid":null}');
const ENVELOPE_HEAD = Buffer.from('{"success":true,"response":');

/** The envelope's end for a replica: `,"ReplicaID":"<id>"}`, made once per replica. */
export function envelopeTail(replicaId: string): Buffer {
  return Buffer.from(`,"ReplicaID":${JSON.stringify(replicaId)}}`);
}

function startsWith(body: Buffer, part: Buffer): boolean {
  return body.length >= part.length && body.compare(part, 0, part.length, 0, part.length) === 0;
}

function endsWith(body: Buffer, part: Buffer): boolean {
  const from = body.length - part.length;
  return from >= 0 && body.compare(part, 0, part.length, from, body.length) === 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads a replica's answer with HTTP `status` and `body`; `tail` is `envelopeTail(replicaId)`. */
export function readReplicaAnswer(status: number, body: Buffer, tail: Buffer): ReplicaOutcome {
  if (status === 200) return success(body, tail);
  if (status === 500 || status === 400) {
    const answer = parse(body);
    const error = isRecord(answer) ? answer.error : undefined;
    if (isRecord(error)) {
      const message = typeof error.message === 'string' ? error.message : '';
      if (status === 400) return { kind: 'rejected', message };
      return {
        kind: 'raised',
        type: typeof error.type === 'string' ? error.type : 'Error',
        message,
        traceback: typeof error.traceback === 'string' ? error.traceback : '',
      };
    }
  }
  return { kind: 'invalid', detail: `HTTP ${status} ${preview(body)}` };
}

function success(body: Buffer, tail: Buffer): ReplicaOutcome {
  if (startsWith(body, FAST_HEAD) && endsWith(body, FAST_TAIL) && body.length > FAST_HEAD.length + FAST_TAIL.length) {
    const response = body.subarray(FAST_HEAD.length, body.length - FAST_TAIL.length);
    return { kind: 'success', envelope: Buffer.concat([ENVELOPE_HEAD, response, tail]), metrics: null, uuid: null };
  }
  const answer = parse(body);
  if (!isRecord(answer) || !('response' in answer)) {
    return { kind: 'invalid', detail: `HTTP 200 without a "response" field: ${preview(body)}` };
  }
  const uuid = typeof answer.uuid === 'string' ? answer.uuid : null;
  const metrics = isRecord(answer.metrics) ? answer.metrics : null;
  let response = answer.response;
  // A runtime that already wrapped the response the CML way is passed through unchanged.
  if (uuid !== null && !(isRecord(response) && response.uuid === uuid)) {
    response = { prediction: response, uuid };
  }
  const head = uuid === null ? ENVELOPE_HEAD : Buffer.from(`{"success":true,"uuid":${JSON.stringify(uuid)},"response":`);
  const envelope = Buffer.concat([head, Buffer.from(JSON.stringify(response) ?? 'null'), tail]);
  return { kind: 'success', envelope, metrics, uuid };
}

function preview(body: Buffer): string {
  const text = body.subarray(0, 200).toString('utf8');
  return body.length > 200 ? `${text}…` : text;
}
