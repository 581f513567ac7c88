// Moves canaries and shadows on once their interval or duration has passed: checked every second,
// run in the apply queue (a step never interleaves with a deploy of the same model), one queued
// tick at a time.

/** Starts the timer; the returned function stops it. */
export function startRolloutTimer(deps: {
  due: () => boolean;
  tick: () => Promise<unknown>;
  /** The daemon's apply queue. */
  exclusive: (fn: () => Promise<unknown>) => Promise<unknown>;
  log: (line: string) => void;
}): () => void {
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking || !deps.due()) return;
    ticking = true;
    void deps
      .exclusive(deps.tick)
      .catch((error: Error) => deps.log(`rollout: ${error.message}`))
      .finally(() => {
        ticking = false;
      });
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
