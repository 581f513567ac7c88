// Which repository files a requirements file makes pip read: local package paths (`./pkg`,
// `-e ./lib`, `-f ./wheels`) and nested requirement or constraint files (`-r base.txt`). Their
// blob ids go into the dependency hash, so editing a local package reinstalls the dependencies
// even when requirements.txt itself did not change. Pure.

export type RequirementRefs = {
  /** Paths pip resolves against its working directory: local packages, wheels, find-links folders. */
  packages: string[];
  /** Requirement and constraint files, which pip resolves against the including file's folder. */
  nested: string[];
};

const NESTED = ['-r', '--requirement', '-c', '--constraint'];
const PACKAGE_OPTIONS = ['-e', '--editable', '-f', '--find-links'];

/** A requirement that names a local path rather than a project on an index, or null. */
function localPath(requirement: string): string | null {
  const direct = requirement.match(/^\S+\s*@\s*(\S+)/);
  const spec = direct ? direct[1]! : requirement.split(/[\s;]/)[0]!;
  if (spec.includes('://')) return null;
  const path = spec.startsWith('file:') ? spec.slice('file:'.length) : spec;
  const looksLikePath = path.startsWith('.') || path.includes('/');
  return looksLikePath ? path.replace(/#.*$/, '').replace(/\[[^\]]*\]$/, '') : null;
}

/** Splits `--name=value`, `--name value` and `-nvalue` forms; null for other lines. */
function option(line: string, names: string[]): string | null {
  for (const name of names) {
    if (line.startsWith(`${name}=`)) return line.slice(name.length + 1).trim();
    if (line.startsWith(`${name} `) || line.startsWith(`${name}\t`)) return line.slice(name.length).trim();
    if (name.length === 2 && line.startsWith(name) && line.length > 2) return line.slice(2).trim();
  }
  return null;
}

/** The local paths the requirements text `text` refers to, as written (relative or absolute). */
export function requirementRefs(text: string): RequirementRefs {
  const refs: RequirementRefs = { packages: [], nested: [] };
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const nested = option(line, NESTED);
    if (nested !== null) {
      refs.nested.push(nested);
      continue;
    }
    const packageOption = option(line, PACKAGE_OPTIONS);
    if (packageOption !== null) {
      const path = localPath(packageOption);
      if (path !== null) refs.packages.push(path);
      continue;
    }
    if (line.startsWith('-')) continue;
    const path = localPath(line);
    if (path !== null) refs.packages.push(path);
  }
  return refs;
}
