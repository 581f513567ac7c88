// How long technical metrics are kept: 10 s rows for two days (the 1 h and 24 h charts), 1 min and
// 1 h rows for two weeks, as CML keeps them.
import type { Store } from '../store/database.ts';
import { deleteSamplesBefore, type SampleStep } from '../store/tech-samples.ts';

const DAY_MS = 86_400_000;

/** Milliseconds each step's rows are kept. */
export const KEEP_MS: Record<SampleStep, number> = { 10: 2 * DAY_MS, 60: 14 * DAY_MS, 3600: 14 * DAY_MS };

/** Deletes the rows past their retention at `nowMs`; returns how many went, per step. */
export function applyRetention(store: Store, nowMs: number): Record<SampleStep, number> {
  return store.transaction(() => ({
    10: deleteSamplesBefore(store, 10, nowMs - KEEP_MS[10]),
    60: deleteSamplesBefore(store, 60, nowMs - KEEP_MS[60]),
    3600: deleteSamplesBefore(store, 3600, nowMs - KEEP_MS[3600]),
  }));
}
