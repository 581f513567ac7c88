// A replay set: the JSONL file a model's `replay` names, one call a line, `{"request": …}` (the
// lines `slipway capture export` prints fit). Blank lines are skipped. A result, never a throw.
import { readFile } from 'node:fs/promises';

export type ReplayCase = { line: number; request: unknown };
export type ReplayIssue = { file: string; line: number; column: number; message: string };

/** Parses the text of a replay set named `file` (for messages). */
export function parseReplaySet(file: string, text: string): { ok: true; cases: ReplayCase[] } | { ok: false; issues: ReplayIssue[] } {
  const cases: ReplayCase[] = [];
  const issues: ReplayIssue[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      issues.push({ file, line, column: 1, message: `not JSON (${(err as Error).message}); write one {"request": …} object a line` });
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('request' in parsed)) {
      issues.push({ file, line, column: 1, message: 'each line must be an object with a "request" field, as `slipway capture export` prints' });
      return;
    }
    cases.push({ line, request: (parsed as { request: unknown }).request });
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, cases };
}

/** Reads and parses a replay set from disk. */
export async function readReplaySet(file: string, display = file): Promise<ReturnType<typeof parseReplaySet>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, issues: [{ file: display, line: 1, column: 1, message: `cannot read the replay set: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }] };
  }
  return parseReplaySet(display, text);
}
