/**
 * The windows of the learning cycles. A cycle's window ends at its schedule's scheduled time
 * (`TemporalScheduledStartTime`), rounded down to the cycle's length, and is one length long: the
 * 12:05:30 run of the five-minute cycle analyses [12:00, 12:05). A back-filled or re-run window has
 * the same bounds, so it reads the same rows and writes the same results. Safe in workflow code.
 */

/** Length of each cycle's window, ms. */
export const CYCLE_LENGTH_MS = Object.freeze({
  'five-minute': 5 * 60_000,
  hourly: 60 * 60_000,
  daily: 24 * 60 * 60_000,
});
export type LearningCycle = keyof typeof CYCLE_LENGTH_MS;
export const LEARNING_CYCLES = Object.freeze(Object.keys(CYCLE_LENGTH_MS) as LearningCycle[]);

/** A cycle's window: `[start, end)` as ISO-8601 strings, and the key its results are stored under. */
export interface CycleWindow {
  cycle: LearningCycle;
  start: string;
  end: string;
  /** `<cycle>/<end>`, e.g. `daily/2026-11-21T00:00:00.000Z`. */
  key: string;
}

/** The window of `cycle` that ends at or just before `at` (a time, ISO string or epoch ms). */
export function cycleWindow(cycle: LearningCycle, at: Date | string | number): CycleWindow {
  const ms = typeof at === 'number' ? at : new Date(at).getTime();
  if (!Number.isFinite(ms)) throw new TypeError(`not a time: ${String(at)}`);
  const length = CYCLE_LENGTH_MS[cycle];
  const end = Math.floor(ms / length) * length;
  const endIso = new Date(end).toISOString();
  return { cycle, start: new Date(end - length).toISOString(), end: endIso, key: `${cycle}/${endIso}` };
}
