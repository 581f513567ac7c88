// Benchmark (not a test): time from `slipway up -d` to the first successful call of the model.
// Each run takes a fresh temp git repository with add-numbers (no .slipway): the first `up`
// builds, deploys and runs the example as a test call; after `slipway down`, a second `up` takes
// the restore path (build reused, deployment brought back). A poller calls
// `POST /models/add-numbers` every few ms from the moment the command starts.
// Reference points in the same run: a bare Node start, and the runtime replica alone from spawn
// to its ready line.
//
//   node bench/time-to-first-call.ts [--runs 5] [--write]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Agent, request } from 'undici';
import { machineLine } from './machine.ts';
import { benchProject, repoRoot, runCli, type BenchProject } from './support/project.ts';
import { argValue, loadLine, median, report, table, today } from './support/results.ts';

const runs = Number(argValue('--runs') ?? 5);
const POLL_MS = 5;

type Timing = { listeningMs: number; firstCallMs: number; commandMs: number };

/** Runs `slipway up -d --port P` and polls the model until it answers 200 with 8. */
async function upUntilFirstCall(p: BenchProject): Promise<Timing> {
  const agent = new Agent({ connections: 1, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const start = performance.now();
  const command = runCli(p.root, ['up', '-d', '--port', String(p.port)]);
  let commandMs = NaN;
  let commandDone = false;
  command.then((run) => {
    commandMs = run.ms;
    commandDone = true;
  }, () => (commandDone = true));
  let firstCallMs = NaN;
  let listeningMs = NaN;
  try {
    for (;;) {
      try {
        const res = await request(`${p.url}/models/add-numbers`, {
          method: 'POST', body: '{"a":3,"b":5}', headers: { 'content-type': 'application/json' }, dispatcher: agent,
        });
        const body = (await res.body.json().catch(() => ({}))) as { response?: unknown };
        if (Number.isNaN(listeningMs)) listeningMs = performance.now() - start;
        if (res.statusCode === 200 && body.response === 8) {
          firstCallMs = performance.now() - start;
          break;
        }
      } catch {
        // Nothing listening yet.
      }
      if (commandDone && performance.now() - start > commandMs + 30_000) throw new Error('the model never answered');
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await agent.close();
  }
  const run = await command;
  if (run.status !== 0) throw new Error(`slipway up -d exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  p.daemonPid();
  return { listeningMs, firstCallMs, commandMs: run.ms };
}

/** Spawn to `SLIPWAY_READY` of one runtime replica serving add-numbers. */
function runtimeStartMs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('python3', ['-m', 'slipway_runtime', '--file', 'add_numbers.py', '--function', 'add', '--port', '0'], {
      cwd: path.join(repoRoot, 'examples/add-numbers'),
      env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'runtime/python') },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.stdout.once('data', () => {
      resolve(performance.now() - start);
      child.kill();
    });
    child.once('exit', (code) => reject(new Error(`the runtime exited (${code}) before it was ready`)));
  });
}

function nodeStartMs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('exit', () => resolve(performance.now() - start));
    child.once('error', reject);
  });
}

async function main(): Promise<void> {
  const load = loadLine();
  console.log(`${machineLine()}\n${load}\n${runs} runs\n`);
  const first: Timing[] = [];
  const again: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    const p = await benchProject({ replicas: 1, auth: false });
    try {
      const a = await upUntilFirstCall(p);
      await p.down();
      const b = await upUntilFirstCall(p);
      first.push(a);
      again.push(b);
      const line = (t: Timing): string => `gateway answers ${t.listeningMs.toFixed(0)} ms, first call ${t.firstCallMs.toFixed(0)} ms, command ${t.commandMs.toFixed(0)} ms`;
      console.log(`run ${i + 1}: fresh up: ${line(a)}; up after down: ${line(b)}`);
    } finally {
      await p.cleanup();
    }
  }
  const node: number[] = [];
  const runtime: number[] = [];
  const validate: number[] = [];
  const p = await benchProject();
  try {
    for (let i = 0; i < runs; i++) {
      node.push(await nodeStartMs());
      runtime.push(await runtimeStartMs());
      validate.push((await runCli(p.root, ['validate'])).ms);
    }
  } finally {
    await p.cleanup();
  }
  const ms = (v: number): string => v.toFixed(0);
  const cell = (ts: Timing[], k: keyof Timing): string => `${ms(median(ts.map((t) => t[k])))} (${ts.map((t) => ms(t[k])).join(', ')})`;
  const section = [
    `### time-to-first-call — ${today()}`,
    '',
    machineLine(),
    load,
    '',
    `\`slipway up -d --port P\` on a fresh temp git repository holding add-numbers (auth: false, 1 replica, no \`.slipway\`), ` +
      `then \`slipway down\` and the same \`up -d\` again (restore path). A poller sends \`POST /models/add-numbers\` every ${POLL_MS} ms ` +
      `from the moment the command starts; "gateway first answers" is the first HTTP answer of any status (the daemon listens), "first call" the first 200 with the right answer. Median of ${runs} runs (all runs in brackets).`,
    '',
    table(['case', 'gateway first answers (ms)', 'first successful call (ms)', '`up -d` command returns (ms)'], [
      ['fresh repository (build, deploy, example test call)', cell(first, 'listeningMs'), cell(first, 'firstCallMs'), cell(first, 'commandMs')],
      ['`up -d` after `down` (restore)', cell(again, 'listeningMs'), cell(again, 'firstCallMs'), cell(again, 'commandMs')],
      ['reference: bare `node -e ""`', '', ms(median(node)), ''],
      ['reference: `slipway validate` (CLI start, no daemon)', '', ms(median(validate)), ''],
      ['reference: runtime replica alone, spawn → ready line', '', ms(median(runtime)), ''],
    ], ['l', 'r', 'r', 'r']),
  ].join('\n');
  report(section);
}

await main();
