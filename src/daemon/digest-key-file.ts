// The key of the HMACs that digest `fromEnv` values lives in `.slipway/secret-digest.key` (0600,
// beside daemon.json and with its trust), not in the store that holds the digests: a copy of
// state.db alone no longer lets anyone test guesses of a weak secret offline. Stores made before
// kept the key in their `meta` table; the first use moves it out (same key, so digests and plans
// are unchanged) and wipes it from the database file.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/database.ts';
import { secretDigestWithKey, type SecretDigest } from '../store/secret-digest.ts';
import { stateDir } from '../backends/local/observe.ts';

/** `<root>/.slipway/secret-digest.key`. */
export function digestKeyPath(root: string): string {
  return path.join(stateDir(root), 'secret-digest.key');
}

const KEY_SHAPE = /^[0-9a-f]{64}$/;

function readKey(file: string): string | null {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    if (!KEY_SHAPE.test(text)) throw new Error(`${file} is not a digest key (64 hex digits); remove it only if no plan needs the old digests`);
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Writes `key` to `file` unless a key is there already (atomically, 0600); returns the key in the file. */
function publishKey(file: string, key: string): string {
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(partial, `${key}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(partial, file); // fails when another process published first
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readKey(file) as string;
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/**
 * The digest key of the repository at `root` (hex), moved out of `store` when an older store
 * still holds it, or made on first use.
 */
export function digestKey(root: string, store: Store): string {
  const file = digestKeyPath(root);
  let key = readKey(file);
  const legacy = store.statement("SELECT v FROM meta WHERE k = 'secret_key'").get() as { v: string } | undefined;
  if (key === null) key = publishKey(file, legacy?.v ?? randomBytes(32).toString('hex'));
  if (legacy !== undefined) wipeLegacyKey(store);
  return key;
}

/** Deletes the key from the store, overwriting its bytes in the file and the WAL. */
function wipeLegacyKey(store: Store): void {
  store.db.exec('PRAGMA secure_delete = ON');
  store.transaction(() => store.statement("DELETE FROM meta WHERE k = 'secret_key'").run());
  // The deleted row's old page may still sit in the WAL until a checkpoint copies it back.
  store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
}

/** The secret digest of the repository at `root`, keyed by its key file. */
export function localSecretDigest(root: string, store: Store): SecretDigest {
  return secretDigestWithKey(Buffer.from(digestKey(root, store), 'hex'));
}
