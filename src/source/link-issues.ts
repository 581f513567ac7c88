// A symbolic link in a build is recreated as a link, so it must lead to a file or folder of the
// same build, at the same place relative to the link as in the repository. Anything else would
// make the build depend on bytes its key does not cover; it is refused at plan, with the reason.
import { readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { gitBytes } from './git-bytes.ts';
import { symlinkEscape } from './symlink-escape.ts';

/** Where a repository path lands in a build folder (as build/snapshot-layout's `targetOf`). */
function targetOfPath(path: string, context: string): string {
  if (context === '') return path;
  return path.startsWith(`${context}/`) ? path.slice(context.length + 1) : path;
}

/** Whether `path` is a file of `files` or a folder holding one (paths sorted or not). */
function inBuild(files: ReadonlySet<string>, folders: ReadonlySet<string>, path: string): boolean {
  return files.has(path) || folders.has(path);
}

function foldersOf(files: Iterable<string>): Set<string> {
  const folders = new Set<string>();
  for (const file of files) {
    const segments = file.split('/');
    for (let index = 1; index < segments.length; index++) folders.add(segments.slice(0, index).join('/'));
  }
  return folders;
}

async function ignored(root: string, path: string): Promise<boolean> {
  return gitBytes(root, ['check-ignore', '-q', '--', path]).then(
    () => true,
    () => false,
  );
}

/**
 * Why the link at `link` (a repository path) cannot be part of a build made of `files` with
 * build context `context`, or null when it can.
 */
export async function linkProblem(root: string, link: string, files: ReadonlySet<string>, context: string): Promise<string | null> {
  const escape = await symlinkEscape(root, link);
  if (escape !== null) {
    return `${link} is a symbolic link to ${escape}, outside the repository; a build may only hold files of the repository: copy the file in, or point the link inside`;
  }
  const text = await readlink(join(root, link), 'utf8');
  if (posix.isAbsolute(text)) {
    return `${link} is a symbolic link to the absolute path ${text}; builds take only relative links inside the build: make it relative`;
  }
  const target = posix.normalize(posix.join(posix.dirname(link), text));
  if (!inBuild(files, foldersOf(files), target)) {
    if (await ignored(root, target)) {
      return `${link} is a symbolic link to ${target}, which .gitignore excludes; a build holds only what git sees: un-ignore ${target}, or replace the link with the file`;
    }
    return `${link} is a symbolic link to ${target}, which is not part of this model's build; add ${target} with build.include, or replace the link with the file`;
  }
  const placedLink = targetOfPath(link, context);
  const placedTarget = posix.normalize(posix.join(posix.dirname(placedLink), text));
  if (placedTarget !== targetOfPath(target, context)) {
    return `${link} -> ${text} would point elsewhere in the build folder than in the repository (files outside the context keep their repository path); make the link relative within the build context, or replace it with the file`;
  }
  return null;
}
