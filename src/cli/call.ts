// `slipway call`: one call to a deployed model through the gateway, as a client would make it.
import type { Command } from 'commander';
import { loadSpec } from '../spec/load.ts';
import { CliError } from './cli-error.ts';
import { requireDaemon } from './daemon-client.ts';

type CallOptions = { data?: string; example?: boolean; file?: string };

export function registerCall(program: Command): void {
  program
    .command('call <model>')
    .description('call a deployed model with --data JSON or its first --example')
    .option('--data <json>', 'the request, as JSON')
    .option('--example', "use the model's first example as the request")
    .option('-f, --file <path>', 'the models file, for --example')
    .action(async (model: string, opts: CallOptions) => {
      const { ws, client } = await requireDaemon(opts.file);
      let request: unknown;
      if (opts.example) {
        const loaded = await loadSpec(ws.modelsFile, { root: ws.root, displayPath: ws.display, checkFunctions: false });
        const declared = loaded.ok ? loaded.spec.models.find((m) => m.name === model) : undefined;
        if (!declared?.examples[0]) throw new CliError(`${model} has no example in ${ws.display}; pass --data '<json>'`);
        request = declared.examples[0].input;
      } else if (opts.data !== undefined) {
        try {
          request = JSON.parse(opts.data);
        } catch (error) {
          throw new CliError(`--data is not JSON: ${(error as Error).message}`);
        }
      } else {
        throw new CliError('say what to send: --data \'{"a": 1}\' or --example');
      }
      const response = await fetch(`${client.url}/models/${encodeURIComponent(model)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${client.info.token}` },
        body: JSON.stringify(request),
      });
      const text = await response.text();
      process.stdout.write(`${text}\n`);
      if (!response.ok) process.exitCode = 1;
    });
}
