// Benchmark (not a test): the data path of this checkout (B) against another checkout (A, the
// baseline) and uvicorn + FastAPI on uvloop + httptools, all three running at once and measured in
// short alternating bursts. On a shared machine whose load swings from 1 to 15 within minutes, runs
// minutes apart (bench/data-path.ts) compare the machine more than the code; bursts a second apart,
// in a shuffled order each pair, see the same machine, and the median of per-pair ratios is what
// is reported.
//
//   node bench/data-path-ab.ts --baseline DIR [--pairs 15] [--seconds 1] [--write]
//
// DIR is a checkout of the baseline commit with its node_modules (`git archive C | tar -x -C DIR`,
// then a node_modules symlink). Both daemons serve add-numbers with replicas: 2.
import path from 'node:path';
import { machineLine } from './machine.ts';
import { hasUvloop, startPeer } from './support/peers.ts';
import { cpuMs } from './support/proc-cpu.ts';
import { benchProject as ourProject, type BenchProject } from './support/project.ts';
import { argValue, loadLine, median, report, table, today } from './support/results.ts';
import { runWrk, type WrkResult } from './support/wrk.ts';

const baselineDir = argValue('--baseline');
const pairs = Number(argValue('--pairs') ?? 15);
const seconds = Number(argValue('--seconds') ?? 1);
const BODY = '{"a":3,"b":5}';
const LOADS = [{ threads: 1, connections: 1 }, { threads: 2, connections: 8 }];

type Side = { name: string; url: string; gateway: number[] };
type Burst = { r: WrkResult; cpuUs: number | null };

async function burst(side: Side, load: (typeof LOADS)[number]): Promise<Burst> {
  const before = side.gateway.length === 0 ? 0 : cpuMs(side.gateway);
  const r = await runWrk({ url: side.url, body: BODY }, { ...load, seconds });
  const cpuUs = side.gateway.length === 0 ? null : (1000 * (cpuMs(side.gateway) - before)) / r.requests;
  return { r, cpuUs };
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function main(): Promise<void> {
  if (!baselineDir) throw new Error('--baseline DIR is required: a checkout of the commit to compare against');
  if (!hasUvloop()) throw new Error('uvicorn with uvloop + httptools is needed: apt-get install -y python3-uvloop python3-httptools');
  const load = loadLine();
  const theirs = (await import(path.resolve(baselineDir, 'bench', 'support', 'project.ts'))) as { benchProject: typeof ourProject };
  const projects: BenchProject[] = [];
  const peer = await startPeer('uvicorn-fastapi-uvloop');
  try {
    const sides: Side[] = [];
    for (const [name, make] of [['A (baseline)', theirs.benchProject], ['B (this checkout)', ourProject]] as const) {
      const p = await make({ replicas: 2, auth: false });
      projects.push(p);
      await p.ok(['up', '-d', '--port', String(p.port)]);
      await p.rememberPids();
      sides.push({ name, url: `${p.url}/models/add-numbers`, gateway: [p.daemonPid()!] });
    }
    sides.push({ name: 'uvicorn + FastAPI (uvloop + httptools)', url: peer.url, gateway: [] });
    const lines: string[][] = [];
    const verdicts: string[] = [];
    for (const l of LOADS) {
      for (const side of sides) await burst(side, l); // warm-up
      const got = new Map<string, Burst[]>(sides.map((s) => [s.name, []]));
      for (let i = 0; i < pairs; i++) for (const side of shuffled(sides)) got.get(side.name)!.push(await burst(side, l));
      const [a, b, u] = sides.map((s) => got.get(s.name)!);
      const ratio = (x: Burst[], y: Burst[], f: (v: Burst) => number): number => median(x.map((v, i) => f(v) / f(y[i]!)));
      for (const side of sides) {
        const bursts = got.get(side.name)!;
        const cpu = bursts[0]!.cpuUs === null ? '-' : median(bursts.map((v) => v.cpuUs!)).toFixed(0);
        lines.push([side.name, String(l.connections), median(bursts.map((v) => v.r.rps)).toFixed(0), median(bursts.map((v) => v.r.p50)).toFixed(3), cpu]);
      }
      const rps = (v: Burst): number => v.r.rps;
      verdicts.push(
        `${l.connections} connection(s): B ÷ A ${ratio(b!, a!, rps).toFixed(2)}× req/s, gateway CPU per call B ÷ A ${ratio(b!, a!, (v) => v.cpuUs!).toFixed(2)}×; ` +
          `÷ uvicorn (uvloop): A ${ratio(a!, u!, rps).toFixed(2)}×, B ${ratio(b!, u!, rps).toFixed(2)}×.`,
      );
      console.log(verdicts.at(-1));
    }
    report([
      `### data-path A/B — ${today()}`,
      '',
      machineLine(),
      load,
      '',
      `A: ${path.resolve(baselineDir)}; B: this checkout. Both daemons (add-numbers, replicas: 2) and the peer run at once; ` +
        `${pairs} pairs of ${seconds} s wrk bursts per load, in a shuffled order each pair; each number the median, each ratio the median of per-pair ratios.`,
      '',
      table(['server', 'conns', 'req/s', 'p50 ms', 'gateway CPU µs/call'], lines),
      '',
      ...verdicts,
    ].join('\n'));
  } finally {
    for (const p of projects) await p.cleanup();
    await peer.stop();
  }
}

await main();
