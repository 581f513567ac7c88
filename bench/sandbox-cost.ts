// Benchmark (not a test): what the replica sandbox costs. The same add-numbers replica, started by
// the supervisor with no sandbox, under bubblewrap with the network on (deployed models), and
// under bubblewrap with the network off (candidates: the socket is bound outside and handed in).
// Start: spawn to ready (`/ready` answered 200), median of the runs. Calls: one keep-alive
// connection, sequential `POST /invoke`, after a warm-up.
//
//   node bench/sandbox-cost.ts [--runs 10] [--calls 3000] [--write]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { createSupervisor } from '../src/supervisor/supervisor.ts';
import { replicaAddress } from '../src/gateway/replica-origin.ts';
import { detectSandbox } from '../src/sandbox/detect-sandbox.ts';
import type { ReplicaLauncher, SandboxPolicy } from '../src/sandbox/launcher.ts';
import { plainLauncher } from '../src/sandbox/plain-launcher.ts';
import { machineLine } from './machine.ts';
import { argValue, loadLine, median, report, table, today } from './support/results.ts';

const runs = Number(argValue('--runs') ?? 10);
const calls = Number(argValue('--calls') ?? 3000);
const runtimeDir = path.resolve(import.meta.dirname, '..', 'runtime', 'python');
const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

const sandbox = detectSandbox();
if (!sandbox.ok) {
  process.stderr.write(`no sandbox on this machine: ${sandbox.reason}\n`);
  process.exit(1);
}

type Variant = { name: string; launcher: ReplicaLauncher; policy: SandboxPolicy };
const variants: Variant[] = [
  { name: 'no sandbox', launcher: plainLauncher, policy: { network: true, paths: [] } },
  { name: 'bubblewrap, network on (deployed)', launcher: sandbox.launcher, policy: { network: true, paths: [] } },
  { name: 'bubblewrap, network off (candidate)', launcher: sandbox.launcher, policy: { network: false, paths: [] } },
];

const dir = mkdtempSync(path.join(tmpdir(), 'slipway-bench-sandbox-'));
const buildDir = path.join(dir, 'build');
mkdirSync(buildDir);
writeFileSync(path.join(buildDir, 'add_numbers.py'), 'def add(args):\n    return args["a"] + args["b"]\n');

type Result = { name: string; startMs: number; p50Ms: number; perSecond: number };
type Running = { variant: Variant; supervisor: ReturnType<typeof createSupervisor>; starts: number[]; latencies: number[]; seconds: number; nextId: number };

// Variants take turns (one start each, then one slice of calls each), so a machine whose load
// changes during the run (it is shared) weighs on every variant alike.
async function measureAll(): Promise<Result[]> {
  const all: Running[] = variants.map((variant) => ({
    variant,
    supervisor: createSupervisor({ runtimeDir, logDir: path.join(dir, 'logs'), launcher: variant.launcher }),
    starts: [],
    latencies: [],
    seconds: 0,
    nextId: 0,
  }));
  const spec = (r: Running) => ({
    model: 'add-numbers', build: 1, deploymentId: ++r.nextId, buildDir, python, file: 'add_numbers.py', function: 'add',
    replicas: 1, env: {}, concurrency: 1, gatewayUrl: '', sandbox: r.variant.policy,
  });
  for (let i = 0; i < runs; i++) {
    for (const r of all) {
      const begin = performance.now();
      await r.supervisor.start(spec(r));
      r.starts.push(performance.now() - begin);
      await r.supervisor.stop(r.nextId, { graceMs: 2000 });
    }
  }
  const agents: Agent[] = [];
  try {
    const origins = await Promise.all(all.map(async (r) => (await r.supervisor.start(spec(r)))[0].origin!));
    // Each replica on one keep-alive connection: its Unix socket (local replicas) or its TCP origin.
    const links = new Map(origins.map((origin) => {
      const address = replicaAddress(origin);
      const agent = new Agent({ connections: 1, ...('socketPath' in address ? { connect: { socketPath: address.socketPath } } : {}) });
      agents.push(agent);
      return [origin, { agent, url: 'socketPath' in address ? 'http://replica/invoke' : `${address.url}/invoke` }];
    }));
    const call = async (origin: string) => {
      const link = links.get(origin)!;
      const res = await request(link.url, { method: 'POST', body: '{"a":3,"b":5}', dispatcher: link.agent });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`replica answered ${res.statusCode}`);
    };
    for (const origin of origins) for (let i = 0; i < 300; i++) await call(origin);
    const slices = 10;
    for (let slice = 0; slice < slices; slice++) {
      for (const [index, r] of all.entries()) {
        const begin = performance.now();
        for (let i = 0; i < calls / slices; i++) {
          const t = performance.now();
          await call(origins[index]);
          r.latencies.push(performance.now() - t);
        }
        r.seconds += (performance.now() - begin) / 1000;
      }
    }
  } finally {
    await Promise.all(agents.map((agent) => agent.close()));
    await Promise.all(all.map((r) => r.supervisor.stopAll({ graceMs: 2000 })));
  }
  return all.map((r) => ({ name: r.variant.name, startMs: median(r.starts), p50Ms: median(r.latencies), perSecond: r.latencies.length / r.seconds }));
}

try {
  const load = loadLine();
  const results = await measureAll();
  const base = results[0];
  const rows = results.map((r) => [
    r.name,
    r.startMs.toFixed(0),
    `${(r.startMs / base.startMs).toFixed(2)}×`,
    r.p50Ms.toFixed(3),
    r.perSecond.toFixed(0),
    `${(r.perSecond / base.perSecond).toFixed(2)}×`,
  ]);
  report(
    [
      `## Sandbox cost (${today()})`,
      '',
      machineLine(),
      load,
      `Replica: add-numbers on ${python}, started ${runs} times per variant by the supervisor (spawn to /ready answered), variants taking turns;`,
      `then ${calls} sequential POST /invoke per variant on one keep-alive connection, in 10 interleaved slices, after 300 warm-up calls. bubblewrap: ${execFileSync('bwrap', ['--version'], { encoding: 'utf8' }).trim()}.`,
      '',
      table(['replica', 'start ms (median)', 'start ÷ none', 'call p50 ms', 'calls/s', 'calls/s ÷ none'], rows),
      '',
      'A sandboxed call is the same process behind the same socket (no syscall filter): compare the',
      "call columns with the load above in mind. The start pays bubblewrap's setup and one more",
      "Python start, which binds the replica's socket outside the sandbox.",
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
