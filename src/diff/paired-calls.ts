// The inputs of an answer diff and the calls that pair them: examples, then the model's `replay:`
// set, then its newest captured calls (from wherever the target keeps them: `RecentCaptures`); the
// candidate and the baseline build each in a throwaway replica (a sandboxed process of a build
// folder by default, no network; a podman container of an image on a cluster: `CandidateStarter`),
// called alternately. Shared by `slipway diff` and both pull-request flows. Errors are thrown with
// messages for people.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveEnv } from '../backends/local/resolve-env.ts';
import { readReplaySet } from '../capture/replay-set.ts';
import type { CandidateStarter } from '../ci/candidate-tests.ts';
import { startThrowaway, type Throwaway } from '../ci/throwaway-replica.ts';
import type { ReplicaLauncher } from '../sandbox/launcher.ts';
import type { ModelSpec } from '../spec/types.ts';
import type { StoredBuild } from '../store/builds.ts';
import { recentCaptures, type CapturedCall } from '../store/captures.ts';
import type { Store } from '../store/database.ts';
import type { PairedCall } from './answer-diff.ts';

/** One input to call both builds with, and where it came from (for people). */
export type Input = { source: string; input: unknown };

/** A model's newest `count` captured calls, oldest first. */
export type RecentCaptures = (model: string, count: number) => Promise<CapturedCall[]>;

/** The captured calls of the local store (only the newest `count` are read). */
export function storeCaptures(store: Store): RecentCaptures {
  return async (model, count) => recentCaptures(store, model, count);
}

/** Examples, then the replay set, then the newest captured calls, up to `sample`. */
export async function diffInputs(captures: RecentCaptures, root: string, model: ModelSpec, sample: number): Promise<Input[]> {
  const inputs: Input[] = model.examples.map((e, i) => ({ source: `example ${i + 1}`, input: e.input }));
  if (model.replay !== undefined) {
    const set = await readReplaySet(path.join(root, model.replay), model.replay);
    if (!set.ok) throw new Error(set.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.message}`).join('\n'));
    inputs.push(...set.cases.map((c) => ({ source: `${model.replay}:${c.line}`, input: c.request })));
  }
  const room = sample - inputs.length;
  if (room > 0) {
    const captured = await captures(model.name, room);
    inputs.push(...captured.map((c) => ({ source: `captured ${new Date(c.at).toISOString()}`, input: JSON.parse(c.request) as unknown })));
  }
  return inputs.slice(0, sample);
}

/** Both builds in throwaway replicas, called alternately (which goes first alternates too, so neither gets the warmer machine). */
export async function callBoth(
  model: ModelSpec, candidate: StoredBuild, baseline: StoredBuild, inputs: Input[], launcher: ReplicaLauncher, processEnv: NodeJS.ProcessEnv,
  start: CandidateStarter = startThrowaway,
): Promise<PairedCall[]> {
  const env = resolveEnv(model.serving.env, processEnv);
  if (!env.ok) throw new Error(`${model.name} needs ${[...env.missing, ...env.empty].join(', ')} in the environment to run`);
  const replicaEnv = { SLIPWAY_API_KEY: `slw_diff_${randomBytes(16).toString('hex')}`, ...env.env };
  const policy = { network: false, paths: model.serving.sandbox?.paths ?? [] };
  const dirs = [await mkdtemp(path.join(tmpdir(), 'slipway-diff-')), await mkdtemp(path.join(tmpdir(), 'slipway-diff-'))];
  const started: Throwaway[] = [];
  try {
    started.push(await start(model, candidate, { env: replicaEnv, gatewayUrl: '', logDir: dirs[0], launcher, policy }));
    started.push(await start(model, baseline, { env: replicaEnv, gatewayUrl: '', logDir: dirs[1], launcher, policy }));
    const [cand, base] = started;
    // One call each before measuring, so neither side's p95 holds its cold start.
    if (inputs.length > 0) await Promise.all([cand.call(model.name, inputs[0].input), base.call(model.name, inputs[0].input)]);
    const timed = async (replica: Throwaway, input: unknown) => {
      const t0 = performance.now();
      const answer = await replica.call(model.name, input);
      return { answer, ms: performance.now() - t0 };
    };
    const calls: PairedCall[] = [];
    for (const [i, { source, input }] of inputs.entries()) {
      const first = i % 2 === 0 ? await timed(cand, input) : await timed(base, input);
      const second = i % 2 === 0 ? await timed(base, input) : await timed(cand, input);
      const [c, b] = i % 2 === 0 ? [first, second] : [second, first];
      calls.push({ source, input, candidate: c.answer, baseline: b.answer, candidateMs: c.ms, baselineMs: b.ms });
    }
    return calls;
  } finally {
    for (const replica of started) await replica.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}
