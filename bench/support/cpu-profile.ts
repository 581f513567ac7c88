// Reading a V8 .cpuprofile (from `node --cpu-prof`): where the samples fall, by function and by
// area (node's HTTP, undici, Slipway's gateway, GC, idle), as Markdown for RESULTS.md.
import { readFileSync } from 'node:fs';
import { table } from './results.ts';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/** The area a frame belongs to, from its script URL. */
export function areaOf(url: string, name: string): string {
  if (name === '(idle)') return 'idle (waiting on epoll)';
  if (name === '(garbage collector)') return 'garbage collector';
  if (name === '(program)') return 'V8/native (program)';
  if (url.startsWith('wasm://')) return 'undici (llhttp wasm parser)';
  if (url.includes('undici')) return 'undici (gateway → replica client)';
  if (url.includes('/src/gateway/')) return 'src/gateway';
  if (url.includes('/src/')) return 'other src/';
  if (/node:_http|node:internal\/http|node:http/.test(url)) return 'node:http (server side)';
  if (/node:net|node:internal\/(stream_base|net|tcp|dns)|node:stream|node:internal\/streams/.test(url)) return 'node:net / streams';
  if (url.startsWith('node:')) return 'other node: internals';
  if (name === 'writev' || name === 'writeBuffer' || name === 'writeUtf8String' || name === 'writeLatin1String') return 'native: socket writes (send syscalls)';
  if (url === '') return 'native: other';
  return 'other';
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*\/(src|node_modules)\//, '$1/');
}

export type ProfileSummary = { totalMs: number; busyMs: number; byArea: [string, number][]; byFunction: [string, number][] };

/** Self time per area and per function (ms), from the samples and their time deltas. */
export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample's time is the gap to the next sample.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const node = nodes.get(profile.samples[i]);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    totalMs += ms;
    if (functionName === '(idle)') idleMs += ms;
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs, busyMs: totalMs - idleMs, byArea: sorted(byArea), byFunction: sorted(byFunction) };
}

/** Markdown: share of busy time per area, and the top `top` functions by self time. */
export function renderProfile(summary: ProfileSummary, calls: number, top = 15): string {
  const busy = summary.busyMs;
  const pct = (ms: number): string => `${((100 * ms) / busy).toFixed(1)} %`;
  const perCall = (ms: number): string => ((1000 * ms) / calls).toFixed(1);
  const areas = summary.byArea.filter(([a]) => !a.startsWith('idle'));
  return [
    `Daemon CPU profile: ${summary.totalMs.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy (samples not idle, startup included), ` +
      `${calls} calls measured: ${perCall(busy)} µs busy per call.`,
    '',
    table(['area (self time)', 'share of busy', 'µs per call'], areas.map(([a, ms]) => [a, pct(ms), perCall(ms)])),
    '',
    table(
      ['function (self time)', 'share of busy', 'µs per call'],
      summary.byFunction.filter(([f]) => !f.startsWith('(idle)')).slice(0, top).map(([f, ms]) => [`\`${f}\``, pct(ms), perCall(ms)]),
    ),
  ].join('\n');
}
