// Entry of the Action's bundle, dist/index.js. The bundle also runs the daemon: the one an apply
// starts in the background is this same file run with SLIPWAY_BUNDLE_ENTRY=cli (see
// src/package-paths.ts), because an Action's checkout has no node_modules to run the sources with.
import { BUNDLE_ENTRY_VARIABLE } from '../package-paths.ts';

if (process.env[BUNDLE_ENTRY_VARIABLE] === 'cli') {
  // Not passed on: the daemon's own children are never the bundle's entry.
  delete process.env[BUNDLE_ENTRY_VARIABLE];
  await import('./bundled-cli.ts');
} else {
  const { run } = await import('./main.ts');
  await run();
}
