// What people see of a diff report, without the fields a model's `capture.redact` names: the
// example inputs and both answers lose them (as captured calls do before they are stored), and a
// numeric delta at or under such a field is left out, since it shows both values. Examples and
// the replay set are files, never redacted on the way in, so every report shown is passed here:
// `slipway diff` (text and --json) and the pull-request comment alike.
import { redact } from '../capture/redact.ts';
import type { DiffReport } from './answer-diff.ts';

/** `report` with the fields `pointers` name dropped from its examples and deltas; `report` is not changed. */
export function redactReport(report: DiffReport, pointers: readonly string[]): DiffReport {
  if (pointers.length === 0) return report;
  const dropped = (value: unknown): unknown => redact(structuredClone(value), pointers);
  const hidden = (pointer: string): boolean => pointers.some((p) => pointer === p || pointer.startsWith(`${p}/`));
  return {
    ...report,
    examples: report.examples.map((e) => ({ ...e, input: dropped(e.input), baseline: dropped(e.baseline), candidate: dropped(e.candidate) })),
    largestDeltas: report.largestDeltas.filter((d) => !hidden(d.pointer)),
  };
}
