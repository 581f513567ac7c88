// A cap on the bytes of request bodies being read at once, across all connections. Each call
// reserves its declared Content-Length (or, for a chunked upload, the most it may send) before
// its body is read and gives it back once the body is in; a reservation that would pass the cap
// is refused, and the gateway answers 503 with Retry-After instead of buffering without bound.

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
