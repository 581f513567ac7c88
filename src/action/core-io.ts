// The Action's CiIO: @actions/core writes the workflow commands, outputs and job summary.
import * as core from '@actions/core';
import type { CiIO } from '../ci/ci-io.ts';
import { annotationFor } from '../github/annotations.ts';

/** The runner's protocols through @actions/core. */
export function actionsCoreIO(): CiIO {
  return {
    log: (line) => core.info(line),
    annotate(issue, file, title) {
      const { message, properties } = annotationFor(issue, file, title);
      core.error(message, properties);
    },
    error: (message) => core.error(message),
    warning: (message) => core.warning(message),
    async summary(markdown) {
      // Every GitHub runner sets it; run elsewhere (by hand, in a test), the log gets the text.
      if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
      else core.info(markdown);
    },
    output: (name, value) => core.setOutput(name, value),
    mask: (secret) => core.setSecret(secret),
  };
}
