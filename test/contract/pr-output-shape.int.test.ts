// A pull request whose candidate answers in another shape says so in its comment: main's model is
// deployed by the real daemon (its contract inferred from its examples), the PR's candidate is
// built and called in a throwaway replica (real Python), and the fake GitHub gets the comment.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.ts';
import { localProject, type LocalProject } from '../support/local-daemon.ts';
import { prPayload, runSlipwayCi, TOKEN } from '../ci/ci-harness.ts';

const yaml = (output: string) => `version: 1
project: shape
models:
  - name: score
    file: score.py
    function: score
    auth: false
    example:
      input: {"x": 2}
      output: ${output}
`;

const v1 = 'def score(args):\n    return {"score": args["x"] * 1.5, "id": 1}\n';
const v2 = 'def score(args):\n    return {"score": str(args["x"] * 1.5), "label": "big"}\n';
const v3 = 'def score(args):\n    # same shape, other numbers\n    return {"score": args["x"] * 2.5, "id": 2}\n';

const test = suite('pull request: output shape');
let p: LocalProject;
let gh: FakeGitHub;

test.before(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
  p = await localProject({ 'models.yaml': yaml('{"score": 3.0, "id": 1}'), 'score.py': v1 });
  await p.ok('apply', '--yes', '--port', String(p.port));
});
test.after(async () => {
  await p?.cleanup();
  await gh?.close();
});

async function commentFor(branch: string, source: string, output: string): Promise<string> {
  p.fx.git('checkout', '-q', '-B', branch, 'main');
  p.fx.write('score.py', source);
  p.fx.write('models.yaml', yaml(output));
  const sha = p.fx.commitAll(branch);
  const run = await runSlipwayCi([], { cwd: p.root, apiUrl: gh.url, event: { name: 'pull_request', payload: prPayload('pull_request.opened', sha) } });
  assert.is(run.status, 0, run.stderr);
  const comments = [...gh.comments.values()];
  return comments[comments.length - 1]!.body;
}

test('a key added, a key removed and a type changed are named in the comment', async () => {
  const body = await commentFor('shape', v2, '{"score": "3.0", "label": "big"}');
  assert.match(body, "⚠️ **The output's shape changes** against the deployed build (judged from the candidate's answers to its examples):");
  // 3.0 in the deployed example reads as a whole number: integer, not number.
  assert.match(body, '- /score: integer → string\n- /label: key added (string)\n- /id: key removed', body);
});

test('the same shape with other values says nothing about shape', async () => {
  const body = await commentFor('values', v3, '{"score": 5.0, "id": 2}');
  assert.not.match(body, "The output's shape changes", body);
  assert.match(body, 'score');
});

test.run();
