// `--since` of `slipway capture export`: a duration back from now (30m, 24h, 7d) or a date/time.

/** ms since the epoch for `text`, or an error saying what is accepted. */
export function parseSince(text: string, nowMs: number): { ok: true; ms: number } | { ok: false; message: string } {
  const duration = /^(\d+)(m|h|d)$/.exec(text.trim());
  if (duration) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 'm' | 'h' | 'd'];
    return { ok: true, ms: nowMs - Number(duration[1]) * unit };
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return { ok: true, ms };
  }
  return { ok: false, message: `--since ${JSON.stringify(text)} is neither a duration (30m, 24h, 7d) nor a date (2026-12-01 or 2026-12-01T08:00:00Z)` };
}
