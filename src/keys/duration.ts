// Durations as people write them on the command line (`--expires 90d`).

export type ParsedDuration = { ok: true; ms: number } | { ok: false; error: string };

const unitMs: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** Parses a whole number and a unit (`30m`, `12h`, `90d`, `2w`, `1y`; also `s`) into milliseconds. */
export function parseDuration(text: string): ParsedDuration {
  const match = /^\s*(\d+)\s*([smhdwy])\s*$/.exec(text);
  if (!match) {
    return {
      ok: false,
      error: `"${text}" is not a duration: write a whole number and a unit (s, m, h, d, w, y), like 30m, 12h, 90d or 1y`,
    };
  }
  const ms = Number(match[1]) * unitMs[match[2]];
  if (ms <= 0) return { ok: false, error: `"${text}" is zero: give a duration longer than zero, like 90d` };
  if (!Number.isSafeInteger(ms)) return { ok: false, error: `"${text}" is too long: give at most a few thousand years` };
  return { ok: true, ms };
}
