// Watches the repository's working tree and calls back (debounced) when a file that could matter
// changes: anything but .git/ and .slipway/. The plan decides what, if anything, to do.
import { watch, type FSWatcher } from 'node:fs';

/** Calls `onChange` once things settle after changes under `root`; returns a function that stops watching. */
export function watchTree(root: string, onChange: () => void, debounceMs = 400): () => void {
  let timer: NodeJS.Timeout | null = null;
  const watcher: FSWatcher = watch(root, { recursive: true }, (_event, name) => {
    const file = String(name ?? '');
    if (file === '.git' || file.startsWith('.git/') || file === '.slipway' || file.startsWith('.slipway/')) return;
    if (file.includes('__pycache__')) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, debounceMs);
  });
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
