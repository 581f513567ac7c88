// Compiles src/ to lib/ (JavaScript, same layout) for the npm package: Node strips TypeScript types
// only outside node_modules, so an installed Slipway runs lib/. Run by `npm pack` (prepack).
//   node scripts/build-lib.ts
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
rmSync(path.join(root, 'lib'), { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.lib.json'], { cwd: root, stdio: 'inherit' });
process.stderr.write('wrote lib/\n');
