// Watches the repository's working tree with chokidar (one watch per folder and file, each folder
// re-read when it appears). `fs.watch(root, {recursive: true})` loses a file after an editor or
// `sed -i` replaces it by rename; @parcel/watcher misses folders made by `mkdir -p` (its issue
// #97): chokidar sees both. Events are coalesced: a burst (a `git checkout` of 200 files) is one
// batch, delivered once no event came for `quietMs`, or after `maxWaitMs` of events that never stop.
import path from 'node:path';
import { watch } from 'chokidar';

/** Folders under the root that never matter to a plan: Git's own files, Slipway's state, caches. */
const IGNORED_SEGMENTS = new Set(['.git', '.slipway', 'node_modules', '__pycache__', '.mypy_cache', '.pytest_cache']);

export type WatchOptions = { quietMs?: number; maxWaitMs?: number; onError?: (error: Error) => void };

/** True for paths (relative to the root) the watcher never looks at. */
export function ignoredPath(relative: string): boolean {
  return relative.split(path.sep).some((segment) => IGNORED_SEGMENTS.has(segment)) || relative.endsWith('.pyc');
}

/**
 * Calls `onBatch` with the changed paths (relative to `root`, sorted) once things settle; resolves,
 * once watching has begun, to a function that stops it.
 */
export async function watchTree(root: string, onBatch: (paths: string[]) => void, opts: WatchOptions = {}): Promise<() => Promise<void>> {
  const quietMs = opts.quietMs ?? 300;
  const maxWaitMs = opts.maxWaitMs ?? 3000;
  let pending = new Set<string>();
  let quiet: NodeJS.Timeout | null = null;
  let firstAt = 0;
  const flush = () => {
    if (quiet) clearTimeout(quiet);
    quiet = null;
    const paths = [...pending].sort();
    pending = new Set();
    if (paths.length > 0) onBatch(paths);
  };
  const watcher = watch(root, {
    ignoreInitial: true,
    // Git keys a symlink by its target's name, never by what it points to: nothing behind one matters.
    followSymlinks: false,
    ignored: (file) => ignoredPath(path.relative(root, file)),
  });
  watcher.on('all', (_event, file) => {
    if (pending.size === 0) firstAt = Date.now();
    pending.add(path.relative(root, file));
    if (quiet) clearTimeout(quiet);
    quiet = null;
    if (Date.now() - firstAt >= maxWaitMs) flush();
    else quiet = setTimeout(flush, quietMs);
  });
  watcher.on('error', (error) => opts.onError?.(error instanceof Error ? error : new Error(String(error))));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return async () => {
    if (quiet) clearTimeout(quiet);
    quiet = null;
    await watcher.close();
  };
}
