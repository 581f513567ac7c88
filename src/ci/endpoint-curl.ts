// The curl (and R httr) call of a model's endpoint for reports: the gateway named in the settings (its public URL),
// else the daemon's own; the access key when the model has one already.
import { readAccessKeys } from '../backends/local/access-key-file.ts';
import { curlCommand } from '../github/curl-command.ts';
import { httrCall } from '../github/httr-call.ts';
import type { ModelReport } from '../github/run-report.ts';
import type { Spec } from '../spec/types.ts';

/** Sets `curl` on each report whose model will serve (running, not deleted or stopped). */
export function addCurls(reports: ModelReport[], spec: Spec, opts: { root: string; gatewayUrl: string }): void {
  const accessKeys = readAccessKeys(opts.root);
  for (const report of reports) {
    const model = spec.models.find((m) => m.name === report.model);
    if (!model || model.state !== 'running' || report.action === 'delete' || report.action === 'stop') continue;
    const target = {
      endpoint: `${opts.gatewayUrl}/model`,
      accessKey: Object.hasOwn(accessKeys, model.name) ? accessKeys[model.name] : null,
      auth: model.serving.auth,
      input: model.examples[0]?.input ?? {},
    };
    report.curl = curlCommand(target);
    report.httr = httrCall(target);
  }
}
