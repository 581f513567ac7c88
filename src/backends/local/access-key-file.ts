// The local operator's copy of each model's access key. The store keeps only hashes (the gateway
// verifies against those); this 0600 file, beside daemon.json and with the same trust, lets
// `slipway up` and `slipway status` print a ready-to-paste curl after a restart. An access key
// names a model, as in CML; API keys are the secret and are never written in plain anywhere.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './observe.ts';

function file(root: string): string {
  return join(stateDir(root), 'access-keys.json');
}

/** Access keys by model, as last written. */
export function readAccessKeys(root: string): Record<string, string> {
  const path = file(root);
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Records the plaintext access key of `model` (mode 0600). */
export function writeAccessKey(root: string, model: string, key: string): void {
  const keys = { ...readAccessKeys(root), [model]: key };
  const path = file(root);
  writeFileSync(path, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
