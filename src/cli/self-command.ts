// How to run this same CLI again, for commands Slipway prints for people to paste: `slipway` when
// it was run through the installed bin, else this very Node binary and script (as `npm start` runs
// it: the `node` on PATH may be older than 24 and unable to run TypeScript).
import path from 'node:path';

export function selfCommand(): string {
  const script = process.argv[1] ?? '';
  if (path.basename(script) === 'slipway' || script.endsWith('/bin/slipway.js')) return 'slipway';
  return `${shortPath(process.execPath)} ${shortPath(script)}`;
}

function shortPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}
