// Zero-downtime redeploy of an R model: clients keep calling through the gateway (more clients
// than replicas, so calls queue) while a code change is rebuilt and deployed. No call may fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, localProject } from '../support/local-daemon.ts';
import { rMissing } from '../support/r-missing.ts';

const modelsYaml = `version: 1
project: rload
models:
  - name: radder
    file: m/add.R
    function: add
    runtime: r
    replicas: 2
    example:
      input: {"a": 3, "b": 5}
      output: 8
`;

const v1 = 'add <- function(args) args$a + args$b\n';
const v2 = '# v2: the same sum from new code\nadd <- function(args) sum(c(args$a, args$b))\n';
const CLIENTS = 4;
const MAX_CALLS_PER_CLIENT = 20_000;

const missing = rMissing();
if (missing !== null) {
  if (process.env.CI === 'true') test('R is installed', () => assert.unreachable(missing));
  else console.log(`skipping the R redeploy test: ${missing}`);
} else {
  test('an R model rebuilt under steady load: no failed call, no 429', async () => {
    const p = await localProject({ 'models.yaml': modelsYaml, 'm/add.R': v1 });
    try {
      await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
      const apiKey = await p.apiKey('--name', 'load');
      const accessKey = p.accessKey('radder');
      let done = false;
      let calls = 0;
      const failures: string[] = [];
      const servedBy = new Set<number>();
      const client = async (n: number): Promise<void> => {
        for (let i = 0; i < MAX_CALLS_PER_CLIENT && !done; i++) {
          calls++;
          try {
            const answer = await p.cml(accessKey, { a: n, b: i }, apiKey);
            if (answer.status !== 200 || answer.body.response !== n + i) {
              failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
              continue;
            }
            servedBy.add(Number(/^radder-\d+-(\d+)-/.exec(answer.body.ReplicaID)?.[1]));
          } catch (error) {
            failures.push(String(error));
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
      const servedByDeployment = (id: number) => eventually(`calls served by deployment #${id}`, async () => (servedBy.has(id) ? true : undefined));
      try {
        await servedByDeployment(1);
        p.fx.write('m/add.R', v2);
        p.fx.commitAll('v2');
        assert.match(await p.ok('apply', '--yes'), 'radder: rebuild build #2 → deployment #2');
        await servedByDeployment(2);
      } finally {
        done = true;
        await Promise.all(clients);
      }
      assert.equal(failures.slice(0, 5), [], `${failures.length} of ${calls} calls failed`);
      assert.equal([...servedBy].sort(), [1, 2]);
    } finally {
      await p.cleanup();
    }
  });
}

test.run();
