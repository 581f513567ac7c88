// "What was live when" for a model's page: its timeline and, when the page was asked with
// `?at=…`, the deployment that served then. The same pure functions as `slipway history`
// (timeline, liveAt, parseInstant), over records from the local store or a cluster's records.
import { liveAt, parseInstant, timeline, type HistoryRecord, type TimelineEntry } from '../history/timeline.ts';

/** The answer to the page's "at" form. */
export type AtAnswer =
  | { ok: true; asked: string; instant: string; live: TimelineEntry | null }
  | { ok: false; asked: string; error: string };

export type HistoryView = { entries: TimelineEntry[]; at: AtAnswer | null };

/** A `datetime-local` value has no zone: the form says UTC, so it is read as UTC. */
const LOCAL_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * One model's timeline (oldest deployment first) and the answer for `atText` (the form's value,
 * null when not asked). A bad instant is an answer saying what form is expected, never a throw.
 */
export function historyView(records: readonly HistoryRecord[], atText: string | null): HistoryView {
  const entries = timeline(records);
  if (atText === null || atText.trim() === '') return { entries, at: null };
  const asked = atText.trim();
  let instant: Date;
  try {
    instant = parseInstant(LOCAL_FORM.test(asked) ? `${asked}Z` : asked);
  } catch {
    return { entries, at: { ok: false, asked, error: `${JSON.stringify(asked)} is not an instant: pick a date and time (UTC), or write 2026-11-20T14:00Z` } };
  }
  const live = liveAt(records, instant)[0] ?? null;
  return { entries, at: { ok: true, asked, instant: instant.toISOString(), live } };
}
