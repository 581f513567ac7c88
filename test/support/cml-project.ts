// The CML-style fixture project (test/fixtures/cml-project) as a file map, to copy into a temp
// git repository: model files in subfolders importing `src` from the root, a root cdsw-build.sh,
// and a .project-metadata.yaml declaring two models.
import fs from 'node:fs';
import path from 'node:path';

export const cmlProjectDir = path.resolve(import.meta.dirname, '../fixtures/cml-project');

/** Every file of the fixture, by its path relative to the project root. */
export function cmlProjectFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') walk(abs);
      } else {
        files[path.relative(cmlProjectDir, abs).split(path.sep).join('/')] = fs.readFileSync(abs, 'utf8');
      }
    }
  };
  walk(cmlProjectDir);
  return files;
}
