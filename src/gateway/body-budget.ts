// A cap on the bytes of request bodies being read at once, across all connections. Each call
// reserves its declared Content-Length (or, for a chunked upload, the most it may send) before
// its body is read and gives it back once the body is in; a reservation that would pass the cap
// is refused, and the gateway answers 503 with Retry-After instead of buffering without bound.
import type { IncomingMessage } from 'node:http';
import { readBody } from './request-body.ts';

/** Default: room for 64 MiB of bodies in flight (about a dozen maximal 5 MiB requests). */
export const DEFAULT_BODY_BUDGET_BYTES = 64 * 1024 * 1024;

export type BodyBudget = {
  /** Takes `bytes` from the budget; false (nothing taken) when they do not fit. */
  reserve(bytes: number): boolean;
  /** Gives back what `reserve` took. */
  release(bytes: number): void;
  /** Bytes reserved now. */
  readonly reserved: number;
};

/** A budget of `capacity` bytes. */
export function createBodyBudget(capacity: number): BodyBudget {
  let reserved = 0;
  return {
    reserve(bytes) {
      // A body larger than the whole budget still gets in when nothing else is being read, so a
      // budget set below a model's own limit cannot lock that model out.
      if (reserved > 0 && reserved + bytes > capacity) return false;
      reserved += bytes;
      return true;
    },
    release(bytes) {
      reserved -= bytes;
    },
    get reserved() {
      return reserved;
    },
  };
}

/** What `readBodyWithin` calls: exactly one of them, or none for an upload the client aborted. */
export type BodyOutcome = { overloaded(): void; tooLarge(): void; body(body: Buffer): void };

/**
 * Reads a request body of `declared` bytes (-1: chunked, counted as `limit`) within `limit` and
 * `budget`: the reservation is taken before the first byte is read and given back when the body
 * is in, over the limit, or aborted.
 */
export function readBodyWithin(budget: BodyBudget, req: IncomingMessage, declared: number, limit: number, outcome: BodyOutcome): void {
  const reserved = declared >= 0 ? declared : limit;
  if (!budget.reserve(reserved)) return outcome.overloaded();
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    budget.release(reserved);
  };
  readBody(req, limit, (body) => {
    release();
    if (body === null) outcome.tooLarge();
    else outcome.body(body);
  }, release);
}

/**
 * `SLIPWAY_BODY_BUDGET_BYTES`: bytes of request bodies the gateway reads at once (default 64 MiB);
 * a value that is not a positive whole number is reported and the default kept.
 */
export function bodyBudgetFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void): number | undefined {
  const raw = env.SLIPWAY_BODY_BUDGET_BYTES?.trim();
  if (!raw) return undefined;
  if (/^[1-9]\d*$/.test(raw)) return Number(raw);
  log(`SLIPWAY_BODY_BUDGET_BYTES=${JSON.stringify(raw)} is not a positive whole number of bytes; using the default`);
  return undefined;
}
