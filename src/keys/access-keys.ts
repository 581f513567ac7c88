// Access keys: one per model, sent in the request body (`accessKey`). Only their hash is stored,
// so the plaintext is shown once, when made; rotating replaces the hash and the old key stops
// matching at once.
import type { Store } from '../store/database.ts';
import { findAccessKeyByHash, getAccessKey, putAccessKeyHash } from '../store/access-keys.ts';
import { getModel } from '../store/models.ts';
import { hashKey } from './digest.ts';
import { lowercaseAlphanumeric, randomString } from './random.ts';

/** Thrown when a key is asked for a model the store does not know; the CLI reports it and exits 1. */
export class UnknownModelError extends Error {
  readonly model: string;
  constructor(model: string) {
    super(`no model named "${model}" has been applied here; run \`slipway status\` to see the models`);
    this.name = 'UnknownModelError';
    this.model = model;
  }
}

/** A new access key: 32 lowercase letters and digits (about 165 bits), as CML's. */
export function newAccessKey(): string {
  return randomString(lowercaseAlphanumeric, 32);
}

/**
 * Gives `model` a new access key and returns it; this is the only time the plaintext exists.
 * The previous key stops working at once (in a keyring once the daemon reloads it).
 */
export function rotateAccessKey(store: Store, model: string, at: Date = new Date()): string {
  if (!getModel(store, model)) throw new UnknownModelError(model);
  const key = newAccessKey();
  putAccessKeyHash(store, model, hashKey(key), at);
  return key;
}

/**
 * Gives `model` an access key when it has none (on create) and returns the plaintext; returns
 * null when it already has one, which is kept.
 */
export function ensureAccessKey(store: Store, model: string, at: Date = new Date()): string | null {
  return store.transaction(() => (getAccessKey(store, model) ? null : rotateAccessKey(store, model, at)));
}

/**
 * The model an access key belongs to, or null. Found by the key's sha256: lookup time depends
 * on the digest of what the caller sent, which says nothing about any stored key.
 */
export function modelForAccessKey(store: Store, key: string): string | null {
  return findAccessKeyByHash(store, hashKey(key))?.model ?? null;
}
