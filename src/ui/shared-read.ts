// One read shared by everyone who asks within a short time: the in-cluster dashboard lists the
// cluster's records, Deployments and Services for every page, and many open pages (each polling)
// must not multiply those list calls on the API server. Callers during a read wait for that read
// (single flight); callers within `freshMs` of its end get its value. A failed read is not kept:
// the next caller tries again.

export type SharedRead<T> = {
  /** The value of a read that ended less than `freshMs` ago, the read in flight, or a new read. */
  get(): Promise<T>;
  /** Forgets the kept value (after a change this process made), so the next `get` reads again. */
  invalidate(): void;
};

/** Shares `read` among callers; `now` is the clock in milliseconds (tests inject one). */
export function sharedRead<T>(read: () => Promise<T>, freshMs: number, now: () => number = Date.now): SharedRead<T> {
  let inFlight: Promise<T> | null = null;
  let kept: { value: T; at: number } | null = null;
  // Bumped by invalidate: a read started before it must not be kept after it.
  let generation = 0;
  return {
    get() {
      if (kept !== null && now() - kept.at < freshMs) return Promise.resolve(kept.value);
      if (inFlight !== null) return inFlight;
      const started = generation;
      const reading = read().then(
        (value) => {
          if (started === generation) kept = { value, at: now() };
          return value;
        },
      ).finally(() => {
        if (inFlight === reading) inFlight = null;
      });
      inFlight = reading;
      return reading;
    },
    invalidate() {
      generation++;
      kept = null;
      inFlight = null;
    },
  };
}
