// The labels an image carries: the OCI annotations that say where it came from, and Slipway's own,
// which say which build of which model it is, so a registry or a cluster can be read back without
// Slipway's database. Pure.

export type ImageLabelInput = {
  model: string;
  number: number;
  key: string;
  /** The commit HEAD pointed at when building, or null in a repository without commits. */
  commit: string | null;
  /** Where the source lives (a remote URL, credentials removed), or null when unknown. */
  source: string | null;
  /** ISO 8601 time of the build. */
  created: string;
};

/** The labels of an image built from `input`, in a stable order. */
export function imageLabels(input: ImageLabelInput): Record<string, string> {
  const labels: Record<string, string> = {};
  if (input.commit !== null) labels['org.opencontainers.image.revision'] = input.commit;
  if (input.source !== null) labels['org.opencontainers.image.source'] = input.source;
  labels['org.opencontainers.image.created'] = input.created;
  labels['org.opencontainers.image.title'] = input.model;
  labels['dev.slipway.model'] = input.model;
  labels['dev.slipway.build-number'] = String(input.number);
  labels['dev.slipway.build-key'] = input.key;
  return labels;
}

/**
 * A git remote URL fit for a public label: user names and tokens removed from URLs
 * (`https://x-access-token:…@github.com/o/r.git` → `https://github.com/o/r.git`); scp-like
 * remotes (`git@github.com:o/r.git`) are kept, as they hold no secret. Null for an empty remote.
 */
export function publicSourceUrl(remote: string): string | null {
  const trimmed = remote.trim();
  if (trimmed === '') return null;
  const withScheme = /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*@)?(.*)$/i.exec(trimmed);
  if (withScheme !== null) return `${withScheme[1]}${withScheme[3]}`;
  return trimmed;
}
