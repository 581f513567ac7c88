// Writing a benchmark's section: printed always, appended to bench/RESULTS.md with --write.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const resultsFile = path.resolve(import.meta.dirname, '..', 'RESULTS.md');

const HEADER = `# Benchmark results

Sections are appended by \`node bench/<name>.ts --write\` (or \`npm run bench -- --write\`), newest
last. Each names its date, machine, load and exact commands; compare numbers only within a section.
`;

/** Whether the command line asks for the results to be written. */
export function wantsWrite(argv = process.argv): boolean {
  return argv.includes('--write');
}

/** The value after `flag` on the command line, if any. */
export function argValue(flag: string, argv = process.argv): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Prints `section` and, when `write`, appends it to bench/RESULTS.md. */
export function report(section: string, write = wantsWrite()): void {
  console.log(`\n${section}`);
  if (!write) return;
  if (!existsSync(resultsFile)) writeFileSync(resultsFile, HEADER);
  appendFileSync(resultsFile, `\n${section}\n`);
  console.log(`(appended to ${path.relative(process.cwd(), resultsFile) || resultsFile})`);
}

/** `Load average before the run: 0.12, 0.30, 0.41 (2 cores).` */
export function loadLine(): string {
  const [one, five, fifteen] = os.loadavg().map((v) => v.toFixed(2));
  return `Load average before the run: ${one}, ${five}, ${fifteen} (${os.cpus().length} cores).`;
}

/** Today as YYYY-MM-DD. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Median of numbers (the lower middle for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** A Markdown table from a header row and rows. `align` per column: 'l' or 'r'. */
export function table(head: string[], rows: string[][], align: string[] = head.map((_, i) => (i === 0 ? 'l' : 'r'))): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(line)].join('\n');
}
