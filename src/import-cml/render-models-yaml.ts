// The translated project as models.yaml text: a comment header saying where it came from, what
// the layout means and everything that was not carried over, then the document itself.
import path from 'node:path';
import { stringify } from 'yaml';
import type { EnvDraft, ModelDraft, Translation } from './draft.ts';

export type RenderOptions = {
  /** The source as the header names it, e.g. `.project-metadata.yaml`. */
  source: string;
  /** The CML project root relative to the folder models.yaml is written to ('.' when the same). */
  projectDir: string;
  /** Whether the project root holds `cdsw-build.sh`. */
  hasBuildScript: boolean;
  /** The image every model's image is built on (`--base-image`: the CML engine or runtime image), or none. */
  baseImage?: string;
};

/** Largest replica count models.yaml accepts without raising limits.maxReplicas. */
const DEFAULT_MAX_REPLICAS = 9;

/** Renders models.yaml for `translation`; deterministic, so a re-import diffs cleanly. */
export function renderModelsYaml(translation: Translation, opts: RenderOptions): string {
  const at = (p: string): string => rebase(opts.projectDir, p);
  const doc: Record<string, unknown> = { version: 1, project: translation.project };
  if (Object.keys(translation.env).length > 0) doc.env = envOf(translation.env);
  const most = Math.max(...translation.models.map((m) => m.replicas ?? 1));
  if (most > DEFAULT_MAX_REPLICAS) doc.limits = { maxReplicas: most };
  // The project root is every model's build context, as CML snapshots the whole project.
  doc.defaults = { build: { context: at('.'), ...(opts.baseImage === undefined ? {} : { baseImage: opts.baseImage }) } };
  doc.models = translation.models.map((m) => modelOf(m, at));
  return `${header(translation, opts)}\n\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

function modelOf(m: ModelDraft, at: (p: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = { name: m.name, description: m.description, file: at(m.file), function: m.function };
  if (m.runtime !== 'python3') out.runtime = m.runtime;
  if (m.replicas !== undefined) out.replicas = m.replicas;
  const resources: Record<string, unknown> = {};
  if (m.cpu !== undefined) resources.cpu = m.cpu;
  if (m.memory !== undefined) resources.memory = m.memory;
  if (m.gpu !== undefined) resources.gpu = m.gpu;
  if (Object.keys(resources).length > 0) out.resources = resources;
  if (Object.keys(m.env).length > 0) out.env = envOf(m.env);
  if (m.auth === false) out.auth = false;
  const build: Record<string, unknown> = {};
  if (m.context !== undefined) build.context = at(m.context);
  if (m.script !== undefined) build.script = at(m.script);
  if (Object.keys(build).length > 0) out.build = build;
  if (m.examples.length > 0) out.examples = m.examples.map((e) => ('output' in e ? { input: e.input, output: e.output } : { input: e.input }));
  return out;
}

function envOf(env: Record<string, EnvDraft>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(env).map(([name, v]) => [name, 'fromEnv' in v ? { fromEnv: v.fromEnv } : v.value]));
}

/** A project-relative path as seen from models.yaml's folder. */
function rebase(projectDir: string, p: string): string {
  const joined = path.posix.normalize(path.posix.join(projectDir, p));
  return joined === '' ? '.' : joined.replace(/\/$/, '');
}

function header(t: Translation, opts: RenderOptions): string {
  const from = `${opts.source} (${t.format}${t.projectTitle === null ? '' : `: ${JSON.stringify(t.projectTitle)}`})`;
  const lines = [
    `Made by \`slipway import cml\` from ${from}. Edit it freely: Slipway does not read the source again.`,
    '',
    'Layout as in CML: the build context is the project root (defaults.build.context), so a model runs with the root as its working directory and on sys.path, and root-relative paths (open("model.pkl"), from src import ...) work unchanged.',
    opts.hasBuildScript
      ? 'cdsw-build.sh at the project root is each build\'s script (the default with this context), as in CML.'
      : 'The project root has no cdsw-build.sh: a requirements.txt there is installed into each build.',
    ...(opts.baseImage === undefined
      ? []
      : [`Images are built on ${opts.baseImage} (defaults.build.baseImage, from --base-image), as CML's models ran on their engine or runtime image; local snapshot builds use the machine's python3.`]),
    'Memory is in Kubernetes units (CML\'s 2 GB is 2Gi). An example with an output is checked on every apply; drop outputs that are only illustrative.',
  ];
  if (t.notes.length > 0) {
    lines.push('', 'Not carried over, or carried over differently:');
    for (const note of t.notes) lines.push(`- ${note.subject}: ${note.reason}.`);
  }
  return lines.flatMap((line) => wrap(line, 98)).map((line) => (line === '' ? '#' : `# ${line}`)).join('\n');
}

/** Wraps text at spaces; a list item's continuation lines are indented under its text. */
function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = line.startsWith('- ') ? '  ' : '';
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      out.push(current);
      current = indent + word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  if (current !== '') out.push(current);
  return out;
}
