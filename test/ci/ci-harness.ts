// `slipway ci` (or the Action's bundle) run the way a GitHub runner runs a step: a real webhook
// payload in GITHUB_EVENT_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the API at the
// loopback fake GitHub. Payload and files live outside the repository, so they never change a
// build key.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CliRun } from '../support/cli.ts';

export const TOKEN = 'ghs_slipwayTestToken000000000000000000';
export const REPOSITORY = 'octo-org/models';
export const RUN_URL = 'https://github.com/octo-org/models/actions/runs/4242';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/github');
const cliMain = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

/** A fixture payload (`pull_request.opened`, `push.main`, …) as an object to adjust. */
export function payload(name: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8')) as Record<string, any>;
}

/** The pull request fixture with its head commit set to `sha`. */
export function prPayload(name: 'pull_request.opened' | 'pull_request.synchronize', sha: string): Record<string, any> {
  const p = payload(name);
  p.pull_request.head.sha = sha;
  if (name === 'pull_request.synchronize') p.after = sha;
  return p;
}

/** The push-to-main fixture for commit `sha`. */
export function pushPayload(sha: string): Record<string, any> {
  const p = payload('push.main');
  p.after = sha;
  p.head_commit.id = sha;
  p.commits[0].id = sha;
  return p;
}

export type StepRun = CliRun & {
  /** GITHUB_OUTPUT parsed: name → value. */
  outputs: Record<string, string>;
  /** What was appended to GITHUB_STEP_SUMMARY. */
  summary: string;
};

export type StepOptions = {
  cwd: string;
  apiUrl: string;
  /** The event and its payload; none: no GITHUB_EVENT_* at all. */
  event?: { name: string; payload: unknown };
  env?: Record<string, string>;
  /** Sees stderr as it comes, for a test that acts when the step reaches some point. */
  onStderr?: (text: string) => void;
};

/** Runs `node <args>` as a runner step. */
export async function runStep(args: string[], opts: StepOptions): Promise<StepRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-step-'));
  try {
    const output = path.join(dir, 'output');
    const summary = path.join(dir, 'summary');
    writeFileSync(output, '');
    writeFileSync(summary, '');
    const env: Record<string, string> = {
      GITHUB_ACTIONS: 'true',
      GITHUB_API_URL: opts.apiUrl,
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_WORKSPACE: opts.cwd,
      NO_COLOR: '1',
    };
    if (opts.event) {
      const file = path.join(dir, 'event.json');
      writeFileSync(file, JSON.stringify(opts.event.payload));
      env.GITHUB_EVENT_NAME = opts.event.name;
      env.GITHUB_EVENT_PATH = file;
    }
    const run = await spawnNode(args, opts.cwd, { ...cleanEnv(), ...env, ...opts.env }, opts.onStderr);
    return { ...run, outputs: parseOutputs(readFileSync(output, 'utf8')), summary: readFileSync(summary, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `slipway ci ...args` as a runner step, with GITHUB_TOKEN set. */
export function runSlipwayCi(args: string[], opts: StepOptions): Promise<StepRun> {
  return runStep([cliMain, 'ci', ...args], { ...opts, env: { GITHUB_TOKEN: TOKEN, ...opts.env } });
}

/** The test process's environment without anything a runner would set, so each step sets its own. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name === 'FORCE_COLOR' || name.startsWith('GITHUB_') || name.startsWith('INPUT_') || name.startsWith('RUNNER_')) continue;
    env[name] = value;
  }
  return env;
}

function spawnNode(args: string[], cwd: string, env: Record<string, string>, onStderr?: (text: string) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The runner's GITHUB_OUTPUT format: `name<<DELIMITER\nvalue\nDELIMITER\n` (or `name=value`). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const plain = /^([^=]+)=(.*)$/.exec(lines[i]);
    if (plain) outputs[plain[1]] = plain[2];
  }
  return outputs;
}

/** A comment body with latencies (which vary) written as `N ms` (and their ratios as `R×`), so it can be compared exactly. */
export function steadyLatency(body: string): string {
  return body.replace(/\| \d+\.\d ms \|/g, '| N ms |').replace(/\b\d+\.\d\d ms\b/g, 'N ms').replace(/\b\d+\.\d\d×/g, 'R×');
}

/** The add-numbers model as the CI scenarios declare it (auth on, one example). */
export function addNumbersYaml(project = 'ci'): string {
  return `version: 1
project: ${project}
models:
  - name: add-numbers
    file: add/add_numbers.py
    function: add
    example:
      input: {"a": 3, "b": 5}
      output: 8
`;
}

/** add-numbers' code, as committed first. */
export const ADD_SOURCE = 'def add(args):\n    return args["a"] + args["b"]\n';
