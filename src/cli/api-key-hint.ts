// What `up` says about API keys above its curl lines. The "create one" hint appears once per
// repository (pasting it again would make another key each time); with SLIPWAY_API_KEY set, `up`
// says which of the repository's keys that is, or that it matches none.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { storePath, stateDir } from '../backends/local/observe.ts';
import { apiKeyPrefix, isApiKeyShaped } from '../keys/api-key-format.ts';
import { keyMatchesHash } from '../keys/digest.ts';
import { findApiKeysByPrefix } from '../store/api-keys.ts';
import { openStore } from '../store/database.ts';
import { selfCommand } from './self-command.ts';

const MARKER = path.join('hints', 'api-key-shown');

/** Lines to print before the curls of models that need auth; empty when none does. */
export function apiKeyHint(root: string, anyAuth: boolean, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!anyAuth) return [];
  const key = env.SLIPWAY_API_KEY?.trim();
  if (key) return [describeKey(root, key), ''];
  const marker = path.join(stateDir(root), MARKER);
  if (existsSync(marker)) return [];
  mkdirSync(path.dirname(marker), { recursive: true, mode: 0o700 });
  writeFileSync(marker, `${new Date().toISOString()}\n`, { mode: 0o600 });
  return [
    'Models with auth need an API key; create one (once: keep it, `slipway keys list` shows what you have):',
    `  export SLIPWAY_API_KEY=$(${selfCommand()} keys create --name me --quiet)`,
    '',
  ];
}

/** Which stored key `key` is, by its non-secret prefix and hash; never the key itself. */
function describeKey(root: string, key: string): string {
  const file = storePath(root);
  if (!isApiKeyShaped(key) || !existsSync(file)) return 'SLIPWAY_API_KEY is set but is no API key of this repository: `slipway keys create --name me` makes one';
  const store = openStore(file);
  try {
    const row = findApiKeysByPrefix(store, apiKeyPrefix(key)).find((r) => keyMatchesHash(key, r.keyHash));
    if (!row) return 'SLIPWAY_API_KEY is set but matches no API key of this repository (`slipway keys list` shows them)';
    const state = row.revokedAt ? 'revoked' : Date.parse(row.expiresAt) <= Date.now() ? 'expired' : `valid until ${row.expiresAt.slice(0, 10)}`;
    return `Calls below use SLIPWAY_API_KEY from your environment: API key "${row.name}" (#${row.id}, ${row.prefix}…, ${state})`;
  } finally {
    store.close();
  }
}
