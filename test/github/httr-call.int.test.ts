// The R (httr) call that `up` prints and the PR comment shows: R's parser reads it, and the body
// it would send is exactly the JSON curl sends, whatever quotes and backslashes the input holds.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { httrCall } from '../../src/github/httr-call.ts';
import { rMissing } from '../support/r-missing.ts';

const tricky = { text: `it's a "quote" and a back\\slash \\n`, n: 1.5, list: [true, null] };

test('the API key is a variable, never a value; the access key names the model', () => {
  const line = httrCall({ endpoint: 'http://127.0.0.1:8700/model', accessKey: 'abc', auth: true, input: { a: 1 } });
  assert.is(
    line,
    `httr::content(httr::POST("http://127.0.0.1:8700/model", body = '{"accessKey":"abc","request":{"a":1}}', httr::content_type_json(), httr::add_headers(Authorization = paste("Bearer", Sys.getenv("SLIPWAY_API_KEY")))))$response`,
  );
  assert.not.match(httrCall({ endpoint: 'http://g/model', accessKey: null, auth: false, input: 1 }), 'Authorization');
});

const missing = rMissing();
if (missing === null) {
  test('R parses the call, and its body is the exact JSON', () => {
    const line = httrCall({ endpoint: 'http://g/model', accessKey: "k'1", auth: true, input: tricky });
    // Parsed, not run (httr need not be installed): the body argument of the POST call.
    const body = execFileSync('Rscript', ['-e', 'cat(eval(as.list(parse(text = Sys.getenv("CALL"))[[1]][[2]][[2]])$body))'], {
      encoding: 'utf8',
      env: { ...process.env, CALL: line },
    });
    assert.equal(JSON.parse(body), { accessKey: "k'1", request: tricky });
  });
} else if (process.env.CI === 'true') {
  test('R is installed', () => assert.unreachable(missing));
}

test.run();
