// The Action's inputs (action.yml), as the runner passes them: INPUT_<NAME> variables, read by
// @actions/core (which keeps the dash of `github-token`: INPUT_GITHUB-TOKEN).
import * as core from '@actions/core';
import type { RawSettings } from '../ci/settings.ts';

/** Every input of action.yml as the strings the settings are made from. */
export function readInputs(): RawSettings {
  return {
    command: core.getInput('command'),
    file: core.getInput('file'),
    backend: core.getInput('backend'),
    token: core.getInput('github-token'),
    failOnDrift: core.getInput('fail-on-drift'),
    gatewayUrl: core.getInput('gateway-url'),
    port: core.getInput('port'),
    unsafeCandidates: core.getInput('unsafe-candidates'),
    planFingerprint: core.getInput('plan-fingerprint'),
  };
}
