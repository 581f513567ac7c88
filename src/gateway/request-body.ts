// Reading what a client sent: the two headers the gateway looks at, and the body up to a limit.
// Written for the hot path: one pass over the raw header list (no lower-cased header object),
// and a body that usually arrives in one chunk is used as is, not copied.
import type { IncomingMessage } from 'node:http';

/** The headers a call needs, from `req.rawHeaders`. */
export type CallHeaders = {
  /** Declared body size, or -1 when absent (chunked upload). */
  contentLength: number;
  /** The `Authorization` header's value, or null. */
  authorization: string | null;
};

/** Scans `rawHeaders` (name, value, name, value…) once for Content-Length and Authorization. */
export function callHeaders(rawHeaders: readonly string[]): CallHeaders {
  let contentLength = -1;
  let authorization: string | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    // Compare lengths first: most headers are ruled out without lower-casing anything.
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      // node's parser has already refused a Content-Length that is not a number.
      contentLength = Number(rawHeaders[i + 1]);
    } else if (name.length === 13 && name.toLowerCase() === 'authorization') {
      authorization = rawHeaders[i + 1];
    }
  }
  return { contentLength, authorization };
}

/**
 * The API key of a `Bearer <key>` Authorization value: null when there is none,
 * `undefined` when the header is there but is not a Bearer credential.
 */
export function bearerToken(authorization: string | null): string | null | undefined {
  if (authorization === null) return null;
  const value = authorization.trim();
  if (value === '' || value.toLowerCase() === 'bearer') return null;
  if (value.length < 7 || value.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = value.slice(7).trim();
  return token === '' ? null : token;
}

const EMPTY = Buffer.alloc(0);

function ignore(): void {}

/**
 * Reads the request body, calling `done(body)` once it is complete, or `done(null)` as soon as
 * it grows past `limit` bytes (reading stops there: the caller answers 413 and closes).
 * An aborted upload calls only `aborted`: there is nobody left to answer.
 */
export function readBody(req: IncomingMessage, limit: number, done: (body: Buffer | null) => void, aborted?: () => void): void {
  let first: Buffer | null = null;
  let chunks: Buffer[] | null = null;
  let size = 0;
  let over = false;
  let finished = false;
  // An upload that breaks off emits 'error' on the request; without a listener that would throw.
  req.on('error', ignore);
  if (aborted !== undefined) {
    req.once('close', () => {
      if (!finished) {
        finished = true;
        aborted();
      }
    });
  }
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    size += chunk.length;
    if (size > limit) {
      over = true;
      finished = true;
      first = null;
      chunks = null;
      req.pause();
      done(null);
    } else if (first === null) {
      first = chunk;
    } else {
      (chunks ??= [first]).push(chunk);
    }
  });
  req.on('end', () => {
    if (over) return;
    finished = true;
    done(chunks !== null ? Buffer.concat(chunks, size) : (first ?? EMPTY));
  });
}
