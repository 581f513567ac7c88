// Small JSON APIs beside the data plane (CML's metrics API on the daemon and in the cluster's
// metrics store): reading a bounded JSON object body and answering in the gateway's error shape.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A body past the limit, declared or sent: the caller answers 413 (see readJsonObject). */
export const TOO_LARGE = Symbol('too large');

/**
 * The body as a JSON object, null when it is not one, TOO_LARGE past `maxBytes` (declared or
 * sent): reading stops there and the caller answers 413 and closes, instead of resetting the
 * connection.
 */
export function readJsonObject(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown> | null | typeof TOO_LARGE> {
  return new Promise((resolve) => {
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
      resolve(TOO_LARGE);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Settled once: later chunks and 'end' change nothing.
        resolve(TOO_LARGE);
        chunks.length = 0;
        req.pause();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        resolve(typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null);
      } catch {
        resolve(null);
      }
    });
    req.on('error', () => resolve(null));
  });
}

/** A refusal in the gateway's shape: `{success: false, errorCode, message}`. */
export function replyError(res: ServerResponse, status: number, errorCode: string, message: string): void {
  replyJson(res, status, { success: false, errorCode, message });
}

/** `value` as JSON with its length. */
export function replyJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
