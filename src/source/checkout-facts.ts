// What else, besides a file's blob, decides the bytes `git checkout` writes for it: the checkout
// attributes (`text`, `eol`, `filter`, ...) and the repository's eol settings. Builds are made with
// git's own checkout, so these are part of the build key; and Git LFS pointers whose object is not
// on this machine are found here, so a plan refuses them instead of a build serving a pointer.
import { join } from 'node:path';
import { access } from 'node:fs/promises';
import { gitBytes } from './git-bytes.ts';

/** The attributes that change what checkout writes. */
const CHECKOUT_ATTRIBUTES = ['text', 'eol', 'crlf', 'filter', 'ident', 'working-tree-encoding'];

/** Repository settings that change what checkout writes. */
const CHECKOUT_CONFIG = ['core.autocrlf', 'core.eol'];

/**
 * The checkout attributes set on each of `paths` (relative to `root`), as `eol=crlf text=set`,
 * only for paths with at least one set.
 */
export async function checkoutAttributes(root: string, paths: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string[]>();
  if (paths.length === 0) return new Map();
  const out = await gitBytes(root, ['check-attr', '-z', '--stdin', ...CHECKOUT_ATTRIBUTES], { input: Buffer.from(paths.map((p) => `${p}\0`).join('')) });
  const parts = out.toString('utf8').split('\0');
  for (let index = 0; index + 2 < parts.length; index += 3) {
    const [path, attribute, value] = [parts[index]!, parts[index + 1]!, parts[index + 2]!];
    if (value === 'unspecified') continue;
    const list = found.get(path) ?? [];
    list.push(`${attribute}=${value}`);
    found.set(path, list);
  }
  return new Map([...found].map(([path, list]) => [path, list.join(' ')]));
}

/** The repository's eol settings, as `core.autocrlf=true`, `` when none is set. */
export async function checkoutConfig(root: string): Promise<string> {
  const values = await Promise.all(
    CHECKOUT_CONFIG.map(async (name) => {
      const value = (await gitBytes(root, ['config', '--get', name]).catch(() => Buffer.alloc(0))).toString('utf8').trim();
      return value === '' ? null : `${name}=${value}`;
    }),
  );
  return values.filter((value) => value !== null).join(' ');
}

/** A Git LFS pointer file: its path and the sha256 of the object it stands for. */
export type LfsPointer = { path: string; oid: string };

const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize \d+\n/;

/** Reads the blobs `entries` name (one `cat-file --batch`); absent blobs are skipped. */
async function pointersOf(root: string, entries: ReadonlyArray<{ path: string; blob: string }>): Promise<LfsPointer[]> {
  if (entries.length === 0) return [];
  const out = await gitBytes(root, ['cat-file', '--batch', '--buffer'], { input: entries.map((e) => `${e.blob}\n`).join('') });
  const pointers: LfsPointer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const newline = out.indexOf(0x0a, offset);
    const header = out.subarray(offset, newline).toString('latin1').split(' ');
    offset = newline + 1;
    if (header[1] === 'missing') continue;
    const size = Number(header[2]);
    const match = POINTER.exec(out.subarray(offset, offset + size).toString('latin1'));
    offset += size + 1;
    if (match) pointers.push({ path: entry.path, oid: match[1]! });
  }
  return pointers;
}

/** Where git-lfs keeps the objects of the repository at `root`. */
async function lfsObjects(root: string): Promise<string> {
  const storage = (await gitBytes(root, ['config', '--get', 'lfs.storage']).catch(() => Buffer.alloc(0))).toString('utf8').trim();
  const common = (await gitBytes(root, ['rev-parse', '--path-format=absolute', '--git-common-dir'])).toString('utf8').trim();
  const base = storage === '' ? join(common, 'lfs') : join(common, '..', storage);
  return join(base, 'objects');
}

export type LfsCheck = { missing: LfsPointer[]; unconfigured: boolean };

/**
 * Among `entries` (files whose `filter` attribute is `lfs`), the LFS pointers whose object is not
 * in this repository's LFS store, and whether git-lfs's filter is configured at all.
 */
export async function checkLfs(root: string, entries: ReadonlyArray<{ path: string; blob: string }>): Promise<LfsCheck> {
  if (entries.length === 0) return { missing: [], unconfigured: false };
  const process = (await gitBytes(root, ['config', '--get', 'filter.lfs.process']).catch(() => Buffer.alloc(0))).toString('utf8').trim();
  const smudge = (await gitBytes(root, ['config', '--get', 'filter.lfs.smudge']).catch(() => Buffer.alloc(0))).toString('utf8').trim();
  if (process === '' && smudge === '') return { missing: [], unconfigured: true };
  const objects = await lfsObjects(root);
  const missing: LfsPointer[] = [];
  for (const pointer of await pointersOf(root, entries)) {
    const { oid } = pointer;
    const present = await access(join(objects, oid.slice(0, 2), oid.slice(2, 4), oid)).then(
      () => true,
      () => false,
    );
    if (!present) missing.push(pointer);
  }
  return { missing, unconfigured: false };
}
