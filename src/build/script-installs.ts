// Whether a build script installs the requirements file itself, as CML's `cdsw-build.sh` usually
// does (`pip3 install -r requirements.txt`): CML never installs requirements.txt on its own, so
// Slipway installing it too would run pip twice. Pure: the script's text in, a yes or no out.
import { posix } from 'node:path';

const PIP = String.raw`(?:\S*/)?(?:pip3?(?:\.\d+)?|python3?(?:\.\d+)?\s+-m\s+pip)`;
/** `-r FILE`, `-rFILE`, `--requirement FILE`, `--requirement=FILE`, the file maybe quoted. */
const REQUIREMENT_OPTION = /(?:^|\s)(?:-r\s*|--requirement[=\s]\s*)(["']?)([^\s"';&|]+)\1/g;

function normal(path: string): string {
  return posix.normalize(path.replace(/^\.\//, ''));
}

/**
 * True when a command line of `script` runs pip's `install` with `-r <requirements>`, where
 * `requirements` is the requirements file's path relative to the script's working folder (the
 * build folder). Comments are ignored; `&&`, `;` and `|` split commands.
 */
export function scriptInstallsRequirements(script: string, requirements: string): boolean {
  const wanted = normal(requirements);
  const pipInstall = new RegExp(String.raw`(?:^|\s)${PIP}\s+(?:\S+\s+)*?install\b(.*)$`);
  for (const rawLine of script.replace(/\\\r?\n/g, ' ').split('\n')) {
    const line = rawLine.replace(/(^|\s)#.*$/, '');
    for (const command of line.split(/&&|\|\||;|\|/)) {
      const install = pipInstall.exec(command);
      if (install === null) continue;
      for (const option of install[1]!.matchAll(REQUIREMENT_OPTION)) {
        if (normal(option[2]!) === wanted) return true;
      }
    }
  }
  return false;
}
