/**
 * The daily cycle's memory optimisation: archive what ended or expired (and delete API access-log
 * rows past their retention), change layers, merge duplicates, refresh statistics, and the
 * window's report.
 */
import type { CycleWindow, DailyReport } from '../../contracts/learning';
import { ApiKeyStore, type MemoryStore } from '../../memory';
import { recordCycleResult, drain, DAY_MS, type WindowWriter } from './rules';

/** `accessLogDays`: days an API access-log row is kept, counted back from the window's end; 0: forever. */
export function createDailyActivities(
  store: MemoryStore,
  writeWindow: WindowWriter,
  config: { accessLogDays: number },
) {
  const apiKeys = new ApiKeyStore(store.pool);
  return {
    /**
     * Daily: archives `session`-layer memory of sessions ended by the window's end, then every
     * entry expired by it, and deletes access-log rows older than the retention before the
     * window's end. The access log is not archived and not in the report: its rows are deleted
     * for good, and a re-run of the window finds none left to count.
     */
    async archiveMemoryForWindow(
      w: CycleWindow,
    ): Promise<{ sessionEnded: number; expired: number; accessLogDeleted: number }> {
      const moved = { sessionEnded: 0, expired: 0, accessLogDeleted: 0 };
      await drain((b) => store.maintenance.archiveEndedSessionEntries(b), w, moved, 'sessionEnded');
      await drain((b) => store.maintenance.archiveEntriesExpiredBy(b), w, moved, 'expired');
      if (config.accessLogDays > 0) {
        await drain(
          (b) =>
            apiKeys.pruneAccesses({
              before: new Date(b.windowEnd.getTime() - config.accessLogDays * DAY_MS),
              limit: b.limit,
            }),
          w,
          moved,
          'accessLogDeleted',
        );
      }
      return moved;
    },

    /** Daily: promotes often-read or important `short_term` entries, demotes idle unimportant `long_term` ones. */
    async changeMemoryLayers(w: CycleWindow): Promise<{ promoted: number; demoted: number }> {
      const changed = { promoted: 0, demoted: 0 };
      await drain((b) => store.maintenance.promoteEntries(b), w, changed, 'promoted');
      await drain((b) => store.maintenance.demoteEntries(b), w, changed, 'demoted');
      return changed;
    },

    /** Daily: merges exact duplicates (the oldest survives; the others are archived). */
    async mergeDuplicateMemory(w: CycleWindow): Promise<{ merged: number }> {
      const merged = { merged: 0 };
      await drain((b) => store.maintenance.mergeDuplicateEntries(b), w, merged, 'merged');
      return merged;
    },

    /** Daily: refreshes planner statistics of the memory tables. */
    async refreshMemoryStatistics(): Promise<string[]> {
      return store.maintenance.analyzeMemoryTables();
    },

    /** Daily: the report of the window, counted from what the window moved and changed. */
    async writeDailyReport(input: { window: CycleWindow; statisticsRefreshed: string[] }): Promise<DailyReport> {
      const w = input.window;
      const counts = await store.maintenance.maintenanceCounts({ windowKey: w.key });
      const report =
        `Memory optimisation for ${w.start.slice(0, 10)}: ${counts.archivedExpired} expired and ${counts.archivedSessionEnded} ended-session entries archived, ` +
        `${counts.mergedDuplicates} duplicates merged, ${counts.promoted} promoted to long_term, ${counts.demoted} demoted to short_term; ` +
        `statistics refreshed for ${input.statisticsRefreshed.length} tables.`;
      await writeWindow(
        w,
        [
          {
            key: `report/memory-optimisation/${w.start.slice(0, 10)}`,
            kind: 'memory-report',
            severity: 'info',
            title: `Memory optimisation report ${w.start.slice(0, 10)}`,
            detail: report,
            recommendedAction: 'none',
            actionable: false,
            subject: 'memory',
            evidence: { ...counts, statisticsRefreshed: input.statisticsRefreshed },
          },
        ],
        'optimization',
      );
      const result: DailyReport = { window: w, ...counts, statisticsRefreshed: input.statisticsRefreshed, report };
      return recordCycleResult(store, w, result);
    },
  };
}
