import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createStepTracker, describeStepFailure } from '../../src/build/buildah-output.ts';

// Output as buildah 1.28 prints it.
const FAILED_RUN = [
  'STEP 1/13: FROM localhost/base/python:3.11-bookworm',
  'STEP 2/13: ENV PYTHONUNBUFFERED=1',
  '--> Using cache 4c7085d40e815103f851b5f6e1714e81ea910e4afc8bfce484ba248639191b0a',
  '--> 4c7085d40e8',
  'STEP 3/13: WORKDIR /opt/slipway/app',
  '--> Using cache 4938c1ee1f83fe623a4bbc626e2f43595e65a029f4479efbf46c3503ee61d01f',
  '--> 4938c1ee1f8',
  'STEP 4/13: COPY deps/ /opt/slipway/app/',
  '--> 816c03f4ed9',
  'STEP 5/13: RUN ["bash", "build.sh"]',
  'about to fail',
  'subprocess exited with status 3',
  'Error: building at STEP "RUN bash build.sh": exit status 3',
];

function track(lines: string[]) {
  const tracker = createStepTracker();
  for (const line of lines) tracker.observe(line);
  return tracker;
}

test('a failed RUN is named as the Containerfile has it, with buildah reason', () => {
  const tracker = track(FAILED_RUN);
  assert.equal(tracker.failure(), { position: '5/13', instruction: 'RUN ["bash", "build.sh"]', reason: 'exit status 3' });
  assert.is(describeStepFailure(tracker.failure()!), 'STEP 5/13 RUN ["bash", "build.sh"] failed (exit status 3)');
});

test('steps taken from the cache are listed; a step built afresh is not', () => {
  assert.equal(track(FAILED_RUN).cached(), ['ENV PYTHONUNBUFFERED=1', 'WORKDIR /opt/slipway/app']);
});

test('a failure outside RUN keeps the last step and buildah error text', () => {
  const tracker = track(['STEP 1/13: FROM localhost/base/nothere:1', 'Error: creating build container: localhost/base/nothere:1: image not known']);
  assert.is(describeStepFailure(tracker.failure()!), 'STEP 1/13 FROM localhost/base/nothere:1 failed (creating build container: localhost/base/nothere:1: image not known)');
});

test('a failure before any step names buildah', () => {
  const tracker = track(['Error: no context directory and no Containerfile specified']);
  assert.equal(tracker.failure(), { position: null, instruction: 'buildah', reason: 'no context directory and no Containerfile specified' });
  assert.is(track([]).failure(), null);
});

test.run();
