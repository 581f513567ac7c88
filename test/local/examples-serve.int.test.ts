// What `npm start` serves: the examples folder as it is in the repository, with the R model
// beside the Python ones; every example passes, and `up` prints a curl and an R line per model.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localProject } from '../support/local-daemon.ts';
import { rMissing } from '../support/r-missing.ts';

const examples = path.resolve(import.meta.dirname, '..', '..', 'examples');

function filesOf(dir: string, into: Record<string, string> = {}): Record<string, string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'github') filesOf(full, into);
    } else into[path.relative(examples, full)] = readFileSync(full, 'utf8');
  }
  return into;
}

const missing = rMissing();
if (missing !== null) {
  if (process.env.CI === 'true') test('R is installed', () => assert.unreachable(missing));
  else console.log(`skipping the examples test: ${missing}`);
} else {
  test('the examples serve, the R one beside the Python ones, each answering its example', async () => {
    const p = await localProject(filesOf(examples));
    try {
      const up = await p.ok('up', '-d', '--no-watch', '--port', String(p.port));
      for (const name of ['add-numbers', 'iris', 'iris-r']) assert.match(up, new RegExp(`^${name}: \\d/\\d replicas ready`, 'm'));
      assert.match(up, /^ {2}R: httr::content\(httr::POST\(/m);
      const answer = await p.cml(p.accessKey('iris-r'), { petal_length: 5.4 }, await p.apiKey('--name', 'examples'));
      assert.is(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.response, { petal_width: 1.882 });
    } finally {
      await p.cleanup();
    }
  });
}

test.run();
