/**
 * The windows of the learning cycles. A cycle's window ends at its schedule's scheduled time
 * (`TemporalScheduledStartTime`), rounded down to the cycle's length, and is one length long: the
 * 12:05:30 run of the five-minute cycle analyses [12:00, 12:05). A back-filled or re-run window has
 * the same bounds, so it reads the same rows and writes the same results. Safe in workflow code.
 */
import { CYCLE_LENGTH_MS, type CycleWindow, type LearningCycle } from '../contracts/learning';

/** The window of `cycle` that ends at or just before `at` (a time, ISO string or epoch ms). */
export function cycleWindow(cycle: LearningCycle, at: Date | string | number): CycleWindow {
  const ms = typeof at === 'number' ? at : new Date(at).getTime();
  if (!Number.isFinite(ms)) throw new TypeError(`not a time: ${String(at)}`);
  const length = CYCLE_LENGTH_MS[cycle];
  const end = Math.floor(ms / length) * length;
  const endIso = new Date(end).toISOString();
  return { cycle, start: new Date(end - length).toISOString(), end: endIso, key: `${cycle}/${endIso}` };
}
