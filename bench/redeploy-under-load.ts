// Benchmark (not a test): failed calls during redeploys under steady load. A real daemon serves
// add-numbers with 2 replicas while a closed-loop client keeps N connections busy; meanwhile a
// rebuild (code edited, `slipway apply --yes`), a reconfigure (replicas 2 → 3) and a rollback
// (`git revert` of the code change) happen. Counts calls, non-2xx answers, connection errors and
// wrong answers per step (expected: none), and which deployment answered.
//
//   node bench/redeploy-under-load.ts [--connections 8] [--settle 2] [--write]
//
// The daemon runs with --no-watch, so the steps apply exactly when this script says so.
import { machineLine } from './machine.ts';
import { startLoad, type PhaseCounts } from './support/load-loop.ts';
import { addNumbersYaml, benchProject, type BenchProject } from './support/project.ts';
import { argValue, loadLine, report, table, today } from './support/results.ts';

const connections = Number(argValue('--connections') ?? 8);
const settleSeconds = Number(argValue('--settle') ?? 2);
const BODY = '{"a":3,"b":5}';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function describe(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '0' : entries.map(([k, n]) => `${n} × ${k}`).join(', ');
}

type Step = { name: string; command: string; ms: number; outcome: string };

async function applyStep(p: BenchProject, name: string, change: () => string, expect: string): Promise<Step> {
  const command = change();
  const run = await p.cli(['apply', '--yes']);
  const line = run.stdout.split('\n').find((l) => l.includes('add-numbers:') && l.includes('→')) ?? '';
  if (run.status !== 0 || !line.includes(expect)) {
    throw new Error(`${name}: \`slipway apply --yes\` exited ${run.status} without "${expect}":\n${run.stdout}\n${run.stderr}`);
  }
  console.log(`${name}: ${line.trim()} (${(run.ms / 1000).toFixed(1)} s)`);
  return { name, command, ms: run.ms, outcome: line.trim() };
}

async function main(): Promise<void> {
  const load = loadLine();
  console.log(`${machineLine()}\n${load}\n${connections} connections, ${settleSeconds} s between steps\n`);
  const p = await benchProject({ replicas: 2, auth: false });
  const steps: Step[] = [];
  let phases: PhaseCounts[] = [];
  try {
    await p.ok(['up', '-d', '--no-watch', '--port', String(p.port)]);
    await p.rememberPids();
    const loop = startLoad(`${p.url}/models/add-numbers`, BODY, 8, connections, 'steady (2 replicas, build #1)');
    try {
      await sleep(settleSeconds * 1000);
      loop.phase('rebuild');
      let codeCommit = '';
      steps.push(await applyStep(p, 'rebuild', () => {
        p.write('add-numbers/add_numbers.py', `# v2: same sum, new code\n${'"""The smallest model: adds two numbers. A CML model file, unchanged."""\n\n\ndef add(args):\n    return args["a"] + args["b"]\n'}`);
        codeCommit = p.commitAll('v2 of add-numbers');
        return 'edit add_numbers.py, git commit, slipway apply --yes';
      }, 'rebuild'));
      await p.rememberPids();
      loop.phase('after rebuild');
      await sleep(settleSeconds * 1000);
      loop.phase('reconfigure');
      steps.push(await applyStep(p, 'reconfigure', () => {
        p.write('models.yaml', addNumbersYaml({ replicas: 3, auth: false }));
        p.commitAll('3 replicas');
        return 'replicas: 2 → 3 in models.yaml, git commit, slipway apply --yes';
      }, 'reconfigure'));
      await p.rememberPids();
      loop.phase('after reconfigure');
      await sleep(settleSeconds * 1000);
      loop.phase('rollback');
      steps.push(await applyStep(p, 'rollback', () => {
        p.git('revert', '--no-edit', codeCommit);
        return `git revert ${codeCommit.slice(0, 7)} (the code change), slipway apply --yes`;
      }, 'rollback'));
      await p.rememberPids();
      loop.phase('after rollback');
      await sleep(settleSeconds * 1000);
    } finally {
      phases = await loop.stop();
    }
  } finally {
    await p.cleanup();
  }

  const total = (f: (x: PhaseCounts) => number): number => phases.reduce((n, x) => n + f(x), 0);
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  const calls = total((x) => x.calls);
  const failed = total((x) => sum(x.non2xx) + sum(x.connectionErrors) + x.wrongAnswers);
  const rows = phases.map((x) => {
    const sorted = [...x.latenciesMs].sort((a, b) => a - b);
    const seconds = (x.endedAt - x.startedAt) / 1000;
    return [
      x.phase, seconds.toFixed(1), String(x.calls), (x.calls / seconds).toFixed(0), describe(x.non2xx), describe(x.connectionErrors),
      String(x.wrongAnswers), percentile(sorted, 0.5).toFixed(2), percentile(sorted, 0.99).toFixed(2), (sorted.at(-1) ?? NaN).toFixed(1),
      Object.entries(x.byDeployment).map(([d, n]) => `${d}: ${n}`).join('; '),
    ];
  });
  const section = [
    `### redeploy-under-load — ${today()}`,
    '',
    machineLine(),
    load,
    '',
    `A real daemon (\`slipway up -d --no-watch\`) serving add-numbers (auth: false, replicas: 2) on a temp git repository; ` +
      `a closed-loop undici client with ${connections} connections calls \`POST /models/add-numbers\` \`${BODY}\` throughout, ` +
      `each answer checked (2xx and \`response\` = 8). A call counts in the step it started in. ${settleSeconds} s of load between steps.`,
    '',
    table(['step', 'command', 'apply wall time (s)', 'result'], steps.map((s) => [s.name, s.command, (s.ms / 1000).toFixed(1), `\`${s.outcome}\``]), ['l', 'l', 'r', 'l']),
    '',
    table(['phase', 's', 'calls', 'calls/s', 'non-2xx', 'connection errors', 'wrong answers', 'p50 ms', 'p99 ms', 'max ms', 'answered by'], rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']),
    '',
    `**${calls} calls, ${failed} failed** (non-2xx, connection errors or wrong answers)${failed === 0 ? '.' : ': see the table.'}`,
  ].join('\n');
  report(section);
  if (failed > 0) process.exitCode = 1;
}

await main();
