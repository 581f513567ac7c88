// Reads the text of a CML source (an AMP's .project-metadata.yaml, or a JSON / YAML list of APIv2
// model requests), picks the translator by its shape, and turns every problem into a line a person
// can jump to: `.project-metadata.yaml:12:5 tasks[3].examples[0]: ...`.
import { isMap, isPair, isScalar, visit } from 'yaml';
import type { Document, Scalar } from 'yaml';
import { formatPath } from '../spec/data-path.ts';
import { parseYaml } from '../spec/yaml-source.ts';
import { translateAmp } from './amp-metadata.ts';
import { translateApiV2 } from './apiv2-requests.ts';
import type { ProjectFacts, Translation } from './draft.ts';

export type SourceRead = { ok: true; translation: Translation } | { ok: false; errors: string[] };

/** Translates `text`, read from the file `display` names; never throws on bad input. */
export function readCmlSource(text: string, display: string, facts: ProjectFacts): SourceRead {
  const parsed = parseYaml(text, keepEnvironmentText);
  if (!parsed.ok) {
    return { ok: false, errors: parsed.errors.map((e) => `${display}:${e.position.line}:${e.position.column} ${e.message}`) };
  }
  const { data, locate } = parsed.source;
  if (data === null || data === undefined) {
    return { ok: false, errors: [`${display}:1:1 the file is empty: give an AMP's .project-metadata.yaml or a list of CML APIv2 model requests`] };
  }
  const translated = Array.isArray(data) ? translateApiV2(data, facts) : translateAmp(data, facts);
  if (translated.ok) return translated;
  const errors = translated.problems
    .map((p) => ({ ...locate(p.path), where: formatPath(p.path), message: p.message }))
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .map((p) => `${display}:${p.line}:${p.column} ${p.where === '' ? '' : `${p.where}: `}${p.message}`);
  return { ok: false, errors };
}

const environmentKeys = new Set(['environment_variables', 'environment']);

/**
 * Environment values are strings, but YAML reads an unquoted `False` or `1.10` as a boolean or a
 * number; a model comparing `os.environ["DEV_MODE"] == "False"` must get the text as written.
 */
function keepEnvironmentText(doc: Document): void {
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || !environmentKeys.has(String(pair.key.value)) || !isMap(pair.value)) return;
      for (const item of pair.value.items) {
        if (!isPair(item)) continue;
        if (isScalar(item.value)) asText(item.value);
        else if (isMap(item.value)) {
          for (const field of item.value.items) {
            if (isPair(field) && isScalar(field.key) && field.key.value === 'default' && isScalar(field.value)) asText(field.value);
          }
        }
      }
    },
  });
}

function asText(scalar: Scalar): void {
  if (scalar.value === null || typeof scalar.value === 'string') return;
  scalar.value = scalar.source ?? String(scalar.value);
}
