// `slipway up --follow origin/main [--interval 30s]`: a background daemon that follows the branch
// (never the working tree); `slipway follow status` says what was fetched, planned and applied and
// when (from the state file, daemon or not); `slipway follow check` fetches and applies now.
import type { Command } from 'commander';
import path from 'node:path';
import { ensureDaemon, findDaemon } from '../daemon/admin-client.ts';
import { CliError } from '../cli/cli-error.ts';
import { openWorkspace } from '../workspace/workspace.ts';
import { DEFAULT_INTERVAL_MS, parseFollowRef, parseInterval } from './follow-ref.ts';
import { readFollowConfig, readFollowState } from './follow-state-file.ts';
import type { FollowState } from './follower.ts';
import { describeFollow } from './follow-summary.ts';

const print = (text: string): void => void process.stdout.write(text);

/** `slipway up --follow`: starts (or reuses) the background daemon and tells it what to follow. */
export async function upFollow(opts: { file?: string; port: string; host?: string; follow: string; interval?: string }): Promise<void> {
  let intervalMs = DEFAULT_INTERVAL_MS;
  try {
    parseFollowRef(opts.follow);
    if (opts.interval !== undefined) intervalMs = parseInterval(opts.interval);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const ws = await openWorkspace({ file: opts.file, needModels: false });
  const file = path.relative(ws.root, ws.modelsFile);
  const { client, started } = await ensureDaemon(ws.root, { port: Number(opts.port), host: opts.host });
  process.stderr.write(started ? `started the Slipway daemon at ${client.url}\n` : `the Slipway daemon already runs at ${client.url}\n`);
  let answer: { state: FollowState };
  try {
    answer = await client.json('POST', 'follow', { ref: opts.follow, intervalMs, file });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  print(`following ${answer.state.ref} (${answer.state.url}) every ${Math.round(intervalMs / 1000)} s; the models file is ${file} of each commit\n`);
  print('`slipway follow status` shows what was fetched, planned and applied\n');
}

export function registerFollow(program: Command): void {
  const follow = program.command('follow').description('the daemon following a branch (`slipway up --follow origin/main`)');
  follow
    .command('status')
    .description('what was fetched, planned and applied, and when')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const ws = await openWorkspace({ needModels: false });
      const state = readFollowState(ws.root);
      const following = readFollowConfig(ws.root) !== null && state !== null;
      if (opts.json) return print(`${JSON.stringify({ following: following && findDaemon(ws.root) !== null, state }, null, 2)}\n`);
      if (!following) return print('not following a branch (start with `slipway up --follow origin/main`)\n');
      if (!findDaemon(ws.root)) print('no daemon runs: the last state was\n');
      print(describeFollow(state));
    });
  follow
    .command('stop')
    .description('stop following the branch (what runs keeps running; a restarted daemon does not follow again)')
    .action(async () => {
      const ws = await openWorkspace({ needModels: false });
      const client = findDaemon(ws.root);
      if (!client) throw new CliError('no daemon runs');
      await client.json('POST', 'follow/stop');
      print('stopped following; what runs keeps running\n');
    });
  follow
    .command('check')
    .description('fetch and apply now, without waiting for the interval')
    .action(async () => {
      const ws = await openWorkspace({ needModels: false });
      const client = findDaemon(ws.root);
      if (!client) throw new CliError('no daemon runs; start one with `slipway up --follow origin/main`');
      let answer: { result: string; state: FollowState };
      try {
        answer = await client.json('POST', 'follow/check');
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      print(`${answer.result}\n${describeFollow(answer.state)}`);
      if (answer.result === 'failed' || answer.result === 'fetch-failed') process.exitCode = 1;
    });
}

