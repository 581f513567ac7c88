// Load for rollout tests on a real daemon: a fixed number of calls to the `adder` fixture model
// from concurrent clients, each answer checked and counted by the build version that gave it.
import type { LocalProject } from './local-daemon.ts';

/** A models.yaml with the `adder` model (2 replicas) rolled out by `rollout`. */
export const adderYaml = (rollout: string) => `version: 1
project: rollouts
models:
  - name: adder
    file: m/add.py
    function: add
    replicas: 2
    rollout: ${rollout}
    example:
      input: {"a": 3, "b": 5}
`;
export const shadow = '{strategy: shadow, duration: 1h}';
export const canary = '{strategy: canary, steps: [25, 50, 100], interval: 1h, maxErrorRate: 0.01}';

/** A build that answers with its version; `raiseWhen` makes it fail for some inputs (the example passes). */
export const addV = (v: number, raiseWhen = 'False') => `def add(args):
    if ${raiseWhen}:
        raise ValueError("broken build")
    return {"v": ${v}, "sum": args["a"] + args["b"]}
`;

export type Load = { calls: number; byVersion: Map<number, number>; failures: string[] };

/** Exactly `perClient` calls from each of `clients` concurrent clients; answers checked and counted by version. */
export async function load(p: LocalProject, apiKey: string, clients: number, perClient: number): Promise<Load> {
  const out: Load = { calls: 0, byVersion: new Map(), failures: [] };
  await Promise.all(Array.from({ length: clients }, async (_, n) => {
    for (let i = 0; i < perClient; i++) {
      const a = n * perClient + i;
      out.calls++;
      const answer = await p.call('adder', { a, b: 1 }, apiKey);
      if (answer.status !== 200 || answer.body.response?.sum !== a + 1) {
        out.failures.push(`a=${a}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
        continue;
      }
      const v = answer.body.response.v as number;
      out.byVersion.set(v, (out.byVersion.get(v) ?? 0) + 1);
    }
  }));
  return out;
}

/** The `adder` model's entry in the daemon's status (with its rollout). */
export async function adderStatus(p: LocalProject): Promise<any> {
  const status = (await p.admin('GET', 'status')).body;
  return status.models.find((m: { model: string }) => m.model === 'adder');
}
