// The project name when models.yaml gives none: the repository folder's name, made a DNS-1123 label
// (lowercase letters, digits and '-', at most 63 characters), as Kubernetes labels need it.
import path from 'node:path';

/** `My_Models.v2` → `my-models-v2`; a name with nothing usable left becomes `project`. */
export function defaultProjectName(repoRoot: string): string {
  const label = path
    .basename(repoRoot)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return label || 'project';
}
