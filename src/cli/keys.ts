// `slipway keys`: API keys (create, list, revoke) and access keys (rotate). Keys are written to
// the store; a running daemon reloads them at once, so a revoked or rotated key stops working now.
import type { Command } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey } from '../keys/api-keys.ts';
import type { ApiKeyRecords } from '../keys/api-key-records.ts';
import { parseDuration } from '../keys/duration.ts';
import { openTarget } from '../target/registry.ts';
import { CliError } from './cli-error.ts';
import { targetOptions, type ClusterFlags } from './target-flags.ts';

const progress = (line: string) => process.stderr.write(`  ${line}\n`);

/** Runs `fn` on the API keys of the target the flags name: a cluster's Secret, or the local store. */
async function withKeys<T>(flags: ClusterFlags & { file?: string }, fn: (records: ApiKeyRecords) => T): Promise<T> {
  return (await openTarget(flags, { log: progress })).withApiKeys(fn);
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys and access keys');
  targetOptions(keys.command('create'))
    .description('create an API key; it is printed once and only its hash is kept')
    .option('--name <name>', 'who or what the key is for', 'default')
    .option('--expires <duration>', 'lifetime like 90d, 12h, 1y', '1y')
    .option('--models <list>', 'comma-separated models the key may call (default: all)')
    .option('--quiet', 'print only the key')
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (opts: ClusterFlags & { file?: string; name: string; expires: string; models?: string; quiet?: boolean }) => {
      const duration = parseDuration(opts.expires);
      if (!duration.ok) throw new CliError(`--expires: ${duration.error}`);
      const models = opts.models?.split(',').map((m) => m.trim()).filter(Boolean);
      const created = await withKeys(opts, (store) => createApiKey(store, { name: opts.name, expiresInMs: duration.ms, models }));
      if (opts.quiet) return void process.stdout.write(`${created.key}\n`);
      process.stdout.write(
        `API key #${created.id} (${opts.name}), expires ${created.expiresAt}${models ? `, models ${models.join(', ')}` : ''}:\n${created.key}\nIt is shown only now; Slipway keeps only its hash.\n`,
      );
    });
  targetOptions(keys.command('list'))
    .description('list API keys (never the keys themselves)')
    .option('--json', 'print JSON')
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (opts: ClusterFlags & { file?: string; json?: boolean }) => {
      const list = await withKeys(opts, (store) => listApiKeys(store));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      if (list.length === 0) return void process.stdout.write('no API keys\n');
      for (const k of list) {
        process.stdout.write(`#${k.id}  ${k.prefix}…  ${k.name}  ${k.status}  expires ${k.expiresAt}  ${k.models ? k.models.join(',') : 'all models'}\n`);
      }
    });
  targetOptions(keys.command('revoke <id>'))
    .description('revoke an API key now')
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (id: string, opts: ClusterFlags & { file?: string }) => {
      const revoked = await withKeys(opts, (store) => revokeApiKey(store, Number(id)));
      if (!revoked) throw new CliError(`no API key #${id} (see \`slipway keys list\`)`);
      process.stdout.write(`API key #${id} revoked\n`);
    });
  targetOptions(keys.command('rotate <model>'))
    .description("replace a model's access key; the old one stops working at once")
    .option('-f, --file <path>', 'the models file, for --target')
    .action(async (model: string, opts: ClusterFlags & { file?: string }) => {
      const key = await (await openTarget(opts, { log: progress })).rotateAccessKey(model);
      process.stdout.write(`${model} access key: ${key}\n`);
    });
}
