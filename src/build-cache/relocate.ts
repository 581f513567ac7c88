// A virtualenv records the folder it was made in: script shebangs in `bin/`, `pyvenv.cfg`, and the
// `.pth` / `.egg-link` / `direct_url.json` files of editable installs. A deps folder pulled from
// the build cache was made under another machine's repository root, so those paths are rewritten
// to the folder it lands in, as conda relocates a prefix. Compiled files are left alone.
import { lstat, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

const MAX_TEXT_BYTES = 4 * 1024 * 1024;

function mayHoldPath(path: string): boolean {
  const name = basename(path);
  return name.endsWith('.pth') || name.endsWith('.egg-link') || name === 'pyvenv.cfg' || name === 'direct_url.json' || /\/venv\/bin\/[^/]+$/.test(path);
}

/** Rewrites `from` to `to` in the text files and links under `dir` that record absolute paths; returns how many changed. */
export async function relocateFolder(dir: string, from: string, to: string): Promise<number> {
  if (from === '' || from === to) return 0;
  let changed = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isSymbolicLink()) {
        const target = await readlink(path);
        if (target === from || target.startsWith(`${from}/`)) {
          await rm(path);
          await symlink(to + target.slice(from.length), path);
          changed++;
        }
      } else if (entry.isFile() && mayHoldPath(path) && (await lstat(path)).size <= MAX_TEXT_BYTES) {
        const bytes = await readFile(path);
        if (bytes.includes(0)) continue;
        const text = bytes.toString('utf8');
        if (!text.includes(from)) continue;
        await writeFile(path, text.split(from).join(to));
        changed++;
      }
    }
  };
  await walk(dir);
  return changed;
}
