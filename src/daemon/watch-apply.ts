// What `slipway up` does with the watcher's batches: applies once per batch at most, never two at
// once (changes seen during an apply make one more apply after it), and only when the changes alter
// what a plan reads. A batch that does alter it while an apply runs also supersedes that apply
// (`supersede`: the daemon cancels it, leaving the previous deployment serving), so a hung build of
// a tree that is already gone never holds up the tree that is there now. Before applying it asks git for the build keys and loads models.yaml (the
// `fingerprint`): a batch that leaves both as they were (a README edit, a file .gitignore excludes,
// a commit) does no work.

export type WatchApplyDeps = {
  /** Build keys and spec as one string; null when models.yaml or a key cannot be read now. */
  fingerprint: () => Promise<string | null>;
  apply: () => Promise<void>;
  /** Cancels the apply now running, for a newer tree; optional (without it the newer one waits). */
  supersede?: () => void;
  log: (line: string) => void;
};

export type WatchApplier = {
  /** A batch of changed paths from the watcher. */
  changed(paths: string[]): void;
  /** Records what the tree looked like at an apply made by someone else (the first one of `up`). */
  applied(fingerprint: string | null): void;
  /** Settles when no apply is running or queued. */
  idle(): Promise<void>;
};

/** The applier `up` feeds the watcher's batches to. */
export function createWatchApplier(deps: WatchApplyDeps): WatchApplier {
  let last: string | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  // Paths of the batches that arrived during the apply now running.
  let queued: string[] = [];

  async function runOnce(paths: string[]): Promise<void> {
    const now = await deps.fingerprint();
    if (now !== null && now === last) {
      deps.log(`${describe(paths)} changed; no build key and nothing in the models file changed: nothing to apply`);
      return;
    }
    deps.log(`${describe(paths)} changed: applying`);
    last = now;
    await deps.apply();
  }

  async function loop(paths: string[]): Promise<void> {
    let batch = paths;
    for (;;) {
      again = false;
      try {
        await runOnce(batch);
      } catch (error) {
        deps.log(`apply failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!again) return;
      batch = queued;
      queued = [];
    }
  }

  return {
    changed(paths) {
      if (running) {
        again = true;
        queued.push(...paths);
        const supersede = deps.supersede;
        if (supersede) {
          void deps.fingerprint().then((now) => {
            if (running && now !== null && now !== last) supersede();
          }, () => {});
        }
        return;
      }
      running = loop(paths).finally(() => {
        running = null;
      });
    },
    applied(fingerprint) {
      last = fingerprint;
    },
    idle: () => running ?? Promise.resolve(),
  };
}

function describe(paths: string[]): string {
  if (paths.length === 1) return paths[0];
  return `${paths.length} files (${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', …' : ''})`;
}
