// Zero-downtime redeploys: clients keep calling (keep-alive, several at once, more than there are
// replicas so calls queue) while a rebuild, a reconfigure and a rollback are applied with the CLI.
// Not one call may fail or get 429. Each redeploy is followed until the clients have been served
// by the new deployment, so every switch happens under load.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject } from '../support/local-daemon.ts';

const modelsYaml = `version: 1
project: load
models:
  - name: adder
    file: m/add.py
    function: add
    replicas: 2
    example:
      input: {"a": 3, "b": 5}
      output: 8
`;

const addV1 = `def add(args):
    return args["a"] + args["b"]
`;
const addV2 = `# v2: the same sum from new code
def add(args):
    return sum([args["a"], args["b"]])
`;

const CLIENTS = 6;
/** A hard cap per client, so the loop ends even if the redeploys never do. */
const MAX_CALLS_PER_CLIENT = 20_000;

test('rebuild, reconfigure and rollback under steady load: no failed call, no 429', async () => {
  const p = await localProject({ 'models.yaml': modelsYaml, 'm/add.py': addV1 });
  try {
    await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
    const apiKey = await p.apiKey('--name', 'load');
    const accessKey = p.accessKey('adder');

    let done = false;
    let calls = 0;
    const failures: string[] = [];
    let busy = 0;
    /** Deployment ids that served calls, from ReplicaID `<model>-<build>-<deployment>-<random>`. */
    const servedBy = new Set<number>();
    const client = async (n: number): Promise<void> => {
      for (let i = 0; i < MAX_CALLS_PER_CLIENT && !done; i++) {
        calls++;
        try {
          const answer = await p.cml(accessKey, { a: n, b: i }, apiKey);
          if (answer.status === 429) busy++;
          if (answer.status !== 200 || answer.body.response !== n + i) {
            failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
            continue;
          }
          servedBy.add(Number(/^adder-\d+-(\d+)-/.exec(answer.body.ReplicaID)?.[1]));
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
    const servedByDeployment = (id: number) =>
      eventually(`calls served by deployment #${id}`, async () => (servedBy.has(id) ? true : undefined));

    try {
      await servedByDeployment(1);

      p.fx.write('m/add.py', addV2);
      const v2 = p.fx.commitAll('v2');
      const rebuild = await p.ok('apply', '--yes');
      assert.match(rebuild, 'adder: rebuild build #2 → deployment #2');
      await servedByDeployment(2);

      p.fx.write('models.yaml', modelsYaml.replace('replicas: 2', 'replicas: 3'));
      const reconfigure = await p.ok('apply', '--yes');
      assert.match(reconfigure, 'adder: reconfigure build #2 (reused) → deployment #3');
      await servedByDeployment(3);

      p.fx.commitAll('three replicas');
      p.fx.git('revert', '--no-edit', v2);
      const rollback = await p.ok('apply', '--yes');
      assert.match(rollback, 'adder: rollback build #1 (reused) → deployment #4');
      await servedByDeployment(4);
    } finally {
      done = true;
      await Promise.all(clients);
    }

    assert.equal(failures.slice(0, 5), [], `${failures.length} of ${calls} calls failed`);
    assert.is(busy, 0);
    assert.equal([...servedBy].sort(), [1, 2, 3, 4]);
    const status = await p.status();
    const adder = status.models.find((m) => m.model === 'adder')!;
    assert.is(adder.deploymentId, 4);
    assert.is(adder.readyReplicas, 3);
    assert.is((await p.json<unknown[]>('builds', 'adder', '--json')).length, 2);
  } finally {
    await p.cleanup();
  }
});

test.run();
