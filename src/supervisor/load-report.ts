// What the runtime found while importing a model (its `SLIPWAY_LOAD <json>` line; see
// runtime/python/slipway_runtime/load_diagnosis.py), and how to say it to a person: when the
// environment (a missing package, another library version than the artifact was made with) is
// the likely cause, the words say so and name the package and versions.

/** One classified warning or error of a model's import. */
export type LoadFinding = {
  kind: 'missing-module' | 'artifact' | 'version-skew' | 'warning' | 'error';
  /** `Category: text` of the warning, or `Type: text` of the exception. */
  message: string;
  package: string | null;
  found: string | null;
  wanted: string | null;
};

export type LoadReport = { warnings: LoadFinding[]; error: LoadFinding | null };

/** The report on a runtime line, or null when the line is not one. */
export function parseLoadLine(line: string): LoadReport | null {
  if (!line.startsWith('SLIPWAY_LOAD ')) return null;
  try {
    const parsed = JSON.parse(line.slice('SLIPWAY_LOAD '.length)) as Partial<LoadReport>;
    return { warnings: Array.isArray(parsed.warnings) ? parsed.warnings : [], error: parsed.error ?? null };
  } catch {
    return { warnings: [], error: null };
  }
}

function versions(finding: LoadFinding): string {
  const found = finding.found === null ? '' : `${finding.package ?? 'the library'} ${finding.found} is installed`;
  const wanted = finding.wanted === null ? '' : `the artifact was made with ${finding.wanted}`;
  return [found, wanted].filter(Boolean).join(', ');
}

/**
 * Why the environment is the likely cause of `finding`, and what to do; null for findings that
 * point at the model's own code.
 */
export function environmentAdvice(finding: LoadFinding): string | null {
  const pkg = finding.package ?? 'a package';
  switch (finding.kind) {
    case 'missing-module':
      return `The environment is the likely cause: module "${pkg}" is not installed in the build. Add the package that provides it to the requirements (or declare build.python with an interpreter that has it), then apply again.`;
    case 'artifact':
      return `The environment is the likely cause: the artifact could not be unpickled${finding.package === null ? '' : ` (it needs ${pkg}${finding.found === null ? ', which is not installed' : `; ${finding.package} ${finding.found} is installed`})`}. Install the library versions the artifact was saved with (pin them in the requirements), or save the artifact again with the build's versions.`;
    case 'version-skew': {
      const detail = versions(finding);
      return `The environment is the likely cause: ${pkg} is not the version the artifact was made with${detail ? ` (${detail})` : ''}. Pin ${pkg}${finding.wanted === null ? '' : `==${finding.wanted}`} in the requirements, or save the artifact again with the installed version.`;
    }
    default:
      return null;
  }
}

/** A warning line for the apply output: the warning, and the advice when it has one. */
export function describeWarning(finding: LoadFinding): string {
  const advice = environmentAdvice(finding);
  return advice === null ? finding.message : `${finding.message} (${advice})`;
}
