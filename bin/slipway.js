#!/usr/bin/env node
// The installed `slipway` command. Slipway needs Node 24 (node:sqlite, type stripping), which the
// package brings as its `node` dependency: when the `node` running this file is older, it runs this
// same file again with that Node 24 and passes on the exit code and signals. This file is plain
// JavaScript so that any Node can read it.
//
// In a clone (the TypeScript sources are here) it runs `src/cli/main.ts`; in an installed package
// (Node refuses to strip types under node_modules) it runs the compiled `lib/cli/main.js`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const REQUIRED_MAJOR = 24;
const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');

if (Number(process.versions.node.split('.')[0]) >= REQUIRED_MAJOR) {
  const sources = path.join(root, 'src', 'cli', 'main.ts');
  const inNodeModules = root.split(path.sep).includes('node_modules');
  await import(!inNodeModules && existsSync(sources) ? sources : path.join(root, 'lib', 'cli', 'main.js'));
} else {
  reexecWithNode24();
}

function reexecWithNode24() {
  let node24;
  try {
    node24 = path.join(path.dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node');
  } catch {
    node24 = '';
  }
  if (!node24 || !existsSync(node24)) {
    process.stderr.write(
      `slipway: needs Node ${REQUIRED_MAJOR} or later (this is ${process.version}), and the Node ${REQUIRED_MAJOR} it installs with it is missing; ` +
        'reinstall Slipway (`npm install -g slipway`), with install scripts allowed\n',
    );
    process.exit(1);
  }
  const child = spawn(node24, [process.argv[1], ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches both processes (one process group); a signal sent to this one alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`slipway: cannot start ${node24}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}
