// The digest of fromEnv values for plans made in a repository: keyed by the repository's digest
// key (.slipway/secret-digest.key), when there is a store yet. Shared by the CLI and CI.
import { existsSync } from 'node:fs';
import { storePath } from '../backends/local/observe.ts';
import { openStore } from '../store/database.ts';
import { localSecretDigest } from '../daemon/digest-key-file.ts';

/** Digests need the repository's digest key; before the first apply there is no store and no digest. */
export function secretDigestIfStore(root: string): ((name: string, value: string) => string) | undefined {
  const file = storePath(root);
  if (!existsSync(file)) return undefined;
  const store = openStore(file);
  try {
    return localSecretDigest(root, store);
  } finally {
    store.close();
  }
}
