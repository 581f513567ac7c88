// Build keys for this machine: the target-neutral keys with each Python model's interpreter
// (what `build.python` resolves to: executable, version, visible packages), and each R model's R, added, so a changed
// interpreter plans a rebuild with its reason. Image builds skip this step: their interpreter is
// their base image's, and their keys must be the same whichever machine plans them.
import type { Spec } from '../spec/types.ts';
import { keyOf } from './key-of.ts';
import { DEFAULT_PYTHON, probeInterpreter, type ProbeResult } from './interpreter-probe.ts';
import type { BuildKeys } from './types.ts';
import { probeR, type RProbe } from '../runtimes/r-probe.ts';

export type InterpreterKeys = { ok: true; keys: BuildKeys } | { ok: false; errors: Array<{ model: string; path: string; message: string }> };

/** Probes one declaration; tests pass their own to count probes. */
export type Prober = (declared: string, cwd: string) => Promise<ProbeResult>;

/**
 * `keys` with the interpreter of every python3 model added. Each distinct declaration is probed
 * once, all of them at the same time, in `root` (a pyenv shim resolves by folder).
 */
export async function withInterpreters(
  root: string,
  spec: Spec,
  keys: BuildKeys,
  probe: Prober = probeInterpreter,
  rProbe: () => Promise<RProbe> = probeR,
): Promise<InterpreterKeys> {
  const probes = new Map<string, Promise<ProbeResult>>();
  // R is probed once, and only when some model is an R model.
  const r = spec.models.some((model) => model.runtime === 'r' && keys[model.name] !== undefined) ? rProbe() : null;
  for (const model of spec.models) {
    if (model.runtime !== 'python3') continue;
    const declared = model.build.python ?? DEFAULT_PYTHON;
    if (!probes.has(declared)) probes.set(declared, probe(declared, root));
  }
  const results = new Map<string, ProbeResult>();
  await Promise.all([...probes].map(async ([declared, pending]) => results.set(declared, await pending)));
  const next: BuildKeys = {};
  const errors: Array<{ model: string; path: string; message: string }> = [];
  for (const model of spec.models) {
    const current = keys[model.name];
    if (current === undefined) continue;
    if (model.runtime === 'r' && r !== null) {
      const found = await r;
      if (!found.ok) errors.push({ model: model.name, path: 'runtime', message: found.message });
      else next[model.name] = { key: keyOf({ ...current.inputs, r: found.identity }), inputs: { ...current.inputs, r: found.identity } };
      continue;
    }
    if (model.runtime !== 'python3') {
      next[model.name] = current;
      continue;
    }
    const result = results.get(model.build.python ?? DEFAULT_PYTHON)!;
    if (!result.ok) {
      errors.push({ model: model.name, path: '', message: result.message });
      continue;
    }
    const inputs = { ...current.inputs, python: result.identity };
    next[model.name] = { key: keyOf(inputs), inputs };
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, keys: next };
}
