// The GitHub Action: inputs into one settings object, the same run as `slipway ci`, and one catch.
import * as core from '@actions/core';
import { runCi } from '../ci/run-ci.ts';
import { resolveSettings } from '../ci/settings.ts';
import { createGitHubClient } from '../github/client.ts';
import { actionsCoreIO } from './core-io.ts';
import { readInputs } from './inputs.ts';

/** Runs the Action; a failure ends in `core.setFailed`, never in a thrown error. */
export async function run(): Promise<void> {
  try {
    const raw = readInputs();
    // Masked before anything else can print it.
    if (raw.token) core.setSecret(raw.token);
    const resolved = resolveSettings(raw, process.env);
    if (!resolved.ok) throw new Error(resolved.message);
    const settings = resolved.settings;
    const io = actionsCoreIO();
    const github = settings.token ? createGitHubClient({ token: settings.token, baseUrl: settings.github.apiUrl, log: io.log }) : null;
    const outcome = await runCi(settings, { io, github, env: process.env });
    if (!outcome.ok) core.setFailed(outcome.message);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
