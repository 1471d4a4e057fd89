/**
 * The learning cycles' activities (ContextKeeper; seed 001 "Continuous Learning"): every five
 * minutes agent performance and rising error patterns, hourly recommendations, daily memory
 * optimisation; and choosing an agent by its record. Each takes its window explicitly, reads only
 * rows inside it and stores results keyed by it, so a re-run or back-fill of a window gives the
 * same result and never counts twice.
 */
import type { DailyReport, FiveMinuteResult, HourlyResult } from '../contracts/learning';
import { Context } from '@temporalio/activity';
import { signatureHash } from '../domain/signature-hash';
import type { CapabilityPerformance, Insight } from '../memory';
import { selectAgent, type Selection, type SelectionInput } from './select-agent';
import type { CycleWindow } from '../contracts/learning';
import type { ActivityDeps } from './deps';
import { activityWriteId } from './idempotency';

/** Thresholds of the cycles' insights (seed 001 leaves them open; these are documented defaults). */
export const LEARNING_RULES = Object.freeze({
  /** A signature is a rising pattern with at least this many events in five minutes… */
  risingMinCount: 3,
  /** …and more than this multiple of its five-minute average over the previous hour. */
  risingFactor: 2,
  /** Capabilities with fewer runs in a window are not judged. */
  minRuns: 5,
  /** A capability below this success rate in a window is reported. */
  lowSuccessRate: 0.8,
  /** The hourly cycle recommends on signatures with at least this many events in the hour. */
  failingMinCount: 3,
  /** A known fix below this success rate is reported as not working. */
  weakFixRate: 0.5,
  /** Hourly: success rate this far below the day's is a degradation; latency this multiple of the day's is a slowdown. */
  degradationDrop: 0.2,
  slowdownFactor: 2,
});

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const BATCH = 5_000;

const rate = (c: Pick<CapabilityPerformance, 'runs' | 'successes'>) => (c.runs === 0 ? 1 : c.successes / c.runs);
const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/**
 * Runs a batched daily step for the window until a batch moves nothing, adding each batch to
 * `progress[field]` and heartbeating the progress after it.
 */
async function drain<P extends Record<string, number>>(
  step: (batch: { windowEnd: Date; windowKey: string; limit: number }) => Promise<number>,
  w: CycleWindow,
  progress: P,
  field: keyof P,
): Promise<void> {
  for (let n; (n = await step({ windowEnd: new Date(w.end), windowKey: w.key, limit: BATCH })) > 0; ) {
    (progress as Record<string, number>)[field as string]! += n;
    Context.current().heartbeat(progress);
  }
}

function bounds(w: CycleWindow) {
  return { start: new Date(w.start), end: new Date(w.end) };
}

export function createLearningActivities({ store }: ActivityDeps) {
  const writeWindow = (w: CycleWindow, insights: Insight[], memoryType?: 'performance_metric' | 'optimization') =>
    store.recordWindowInsights({ insights, source: 'ContextKeeper', windowStart: new Date(w.start), windowEnd: new Date(w.end), writeId: w.key, memoryType });

  return {
    /**
     * Five-minute cycle: agent performance of the window (recomputed into `agent_performance`),
     * each agent's performance record over the 24 hours to the window's end, rising error
     * signatures and capabilities with a low success rate, as insights.
     */
    async runFiveMinuteCycle(w: CycleWindow): Promise<FiveMinuteResult> {
      const { start, end } = bounds(w);
      const performance = await store.refreshAgentPerformance({ start, end });
      const trends = await store.signatureTrends({ start, end });
      const rising = trends.filter((t) => t.count >= LEARNING_RULES.risingMinCount && t.count > (LEARNING_RULES.risingFactor * t.previousHour) / 12);
      const lowSuccess = performance.filter((p) => p.runs >= LEARNING_RULES.minRuns && rate(p) < LEARNING_RULES.lowSuccessRate);

      const insights: Insight[] = [
        ...rising.map((t): Insight => ({
          key: `insight/error-pattern/${signatureHash(t.signature)}`,
          kind: 'error-pattern',
          severity: t.count >= 20 ? 'high' : 'medium',
          title: `Rising error: ${t.errorType} ×${t.count} in 5 min (${t.previousHour} in the hour before)`,
          detail: `${t.message.slice(0, 500)} — from ${t.sources.join(', ')}, first at ${hhmm(t.firstAt)} UTC in ${hhmm(start)}–${hhmm(end)}.`,
          recommendedAction: 'see `brainops errors list`; error-learning applies a known fix, otherwise teach one with `brainops kb add`',
          actionable: true,
          subject: t.signature,
          evidence: { signature: t.signature, count: t.count, previousHour: t.previousHour, sources: t.sources },
        })),
        ...lowSuccess.map((p): Insight => ({
          key: `insight/agent-performance/${p.agentId}/${p.capability}`,
          kind: 'agent-performance',
          severity: rate(p) < 0.5 ? 'high' : 'medium',
          title: `${p.agentId} ${p.capability}: ${pct(rate(p))} success in ${hhmm(start)}–${hhmm(end)} (${p.runs} runs)`,
          detail: `${p.agentId}'s ${p.capability} succeeded ${p.successes} of ${p.runs} times; mean ${p.avgMs} ms, p95 ${p.p95Ms} ms.`,
          recommendedAction: `look at the failures: \`brainops errors list\`, or work history of ${p.agentId}`,
          actionable: true,
          subject: `${p.agentId}/${p.capability}`,
          evidence: { ...p, successRate: rate(p) },
        })),
      ];
      await writeWindow(w, insights);

      // Each agent's record: exact figures of the last 24 hours, per capability.
      const day = await store.workHistoryPerformance({ start: new Date(end.getTime() - DAY_MS), end });
      const agents = [...new Set(performance.map((p) => p.agentId))].sort();
      const records = agents.map((agentId): Insight => {
        const capabilities = day.filter((d) => d.agentId === agentId);
        const runs = capabilities.reduce((n, c) => n + c.runs, 0);
        const successes = capabilities.reduce((n, c) => n + c.successes, 0);
        return {
          key: `performance/agent/${agentId}`,
          kind: 'agent-performance-record',
          severity: 'info',
          title: `${agentId}: ${pct(rate({ runs, successes }))} success over 24 h (${runs} runs)`,
          detail: capabilities.map((c) => `${c.capability}: ${c.successes}/${c.runs} ok, mean ${c.avgMs} ms, p95 ${c.p95Ms} ms`).join('; '),
          recommendedAction: 'none: the record agent selection uses',
          actionable: false,
          subject: agentId,
          evidence: { agentId, period: '24h', runs, successes, capabilities: Object.fromEntries(capabilities.map(({ agentId: _a, capability, ...c }) => [capability, c])) },
        };
      });
      await writeWindow(w, records, 'performance_metric');

      const result: FiveMinuteResult = {
        window: w,
        runs: performance.reduce((n, p) => n + p.runs, 0),
        capabilities: performance.length,
        errorEvents: trends.reduce((n, t) => n + t.count, 0),
        risingPatterns: rising.map((t) => ({ signature: t.signature, count: t.count, previousHour: t.previousHour })),
        lowSuccess: lowSuccess.map((p) => ({ agentId: p.agentId, capability: p.capability, runs: p.runs, successRate: rate(p) })),
        agentsRecorded: agents,
        insights: insights.map((i) => i.key).sort(),
      };
      await store.recordCycleRun({ cycle: w.cycle, windowStart: start, windowEnd: end, result, workflowId: Context.current().info.workflowExecution?.workflowId });
      return result;
    },

    /**
     * Hourly cycle: recommendations from the last hour and day — signatures failing repeatedly
     * (actionable when no fix is known or the known fix does not work), capabilities whose success
     * rate dropped or latency rose against the day.
     */
    async runHourlyCycle(w: CycleWindow): Promise<HourlyResult> {
      const { start, end } = bounds(w);
      const failing = await store.failingSignatures({ end, minCount: LEARNING_RULES.failingMinCount });
      // From work history itself, not from the five-minute windows: the five-minute run of the
      // hour's last window starts at the same moment (and windows missed beyond its catch-up are
      // never written), so reading those would make the result depend on timing.
      const hour = await store.workHistoryPerformance({ start, end });
      const day = await store.workHistoryPerformance({ start: new Date(end.getTime() - DAY_MS), end });
      const dayOf = (h: CapabilityPerformance) => day.find((d) => d.agentId === h.agentId && d.capability === h.capability);
      const degraded = hour.filter((h) => h.runs >= LEARNING_RULES.minRuns && rate(h) < rate(dayOf(h)!) - LEARNING_RULES.degradationDrop);
      const slower = hour.filter((h) => {
        const d = dayOf(h)!;
        return h.runs >= LEARNING_RULES.minRuns && d.runs >= 4 * LEARNING_RULES.minRuns && d.avgMs > 0 && h.avgMs > LEARNING_RULES.slowdownFactor * d.avgMs;
      });

      const insights: Insight[] = [
        ...failing.map((f): Insight => {
          const fix = f.solution;
          const works = fix && fix.successRate !== null && fix.successRate >= LEARNING_RULES.weakFixRate;
          const state = !fix
            ? 'no known fix'
            : fix.successRate === null
              ? `known fix "${fix.action}" not yet tried`
              : `known fix "${fix.action}" works ${pct(fix.successRate)} of the time`;
          return {
            key: `insight/recommendation/failing/${signatureHash(f.signature)}`,
            kind: 'failing-check',
            severity: !fix || !works ? (f.hourCount >= 12 ? 'high' : 'medium') : 'low',
            title: `"${f.subject}" has failed ${f.hourCount} times since ${hhmm(f.firstInHour)} UTC, ${state}`,
            detail: `${f.errorType}: ${f.message.slice(0, 400)} (${f.dayCount} times in the 24 hours to ${hhmm(end)} UTC).`,
            recommendedAction: !fix
              ? `find the cause and teach the fix: \`brainops kb add '<signature>' --action <remediation>\``
              : works
                ? 'none needed: error-learning applies the known fix'
                : `review or replace the fix "${fix.action}" (\`brainops kb list\`)`,
            actionable: !works,
            subject: f.subject,
            evidence: { signature: f.signature, hourCount: f.hourCount, dayCount: f.dayCount, firstInHour: f.firstInHour, solution: fix },
          };
        }),
        ...degraded.map((h): Insight => ({
          key: `insight/recommendation/degraded/${h.agentId}/${h.capability}`,
          kind: 'performance-trend',
          severity: 'medium',
          title: `${h.agentId} ${h.capability} is failing more: ${pct(rate(h))} success this hour against ${pct(rate(dayOf(h)!))} over the day`,
          detail: `${h.successes}/${h.runs} succeeded in ${hhmm(start)}–${hhmm(end)} UTC.`,
          recommendedAction: `check what changed for ${h.agentId} in the last hour (deployments, a dependency going down)`,
          actionable: true,
          subject: `${h.agentId}/${h.capability}`,
          evidence: { hour: h, day: dayOf(h) },
        })),
        ...slower.map((h): Insight => ({
          key: `insight/recommendation/slower/${h.agentId}/${h.capability}`,
          kind: 'performance-trend',
          severity: 'low',
          title: `${h.agentId} ${h.capability} is slower: mean ${h.avgMs} ms this hour against ${dayOf(h)!.avgMs} ms over the day`,
          detail: `p95 this hour ${h.p95Ms} ms over ${h.runs} runs.`,
          recommendedAction: `look at the latency of what ${h.capability} calls`,
          actionable: false,
          subject: `${h.agentId}/${h.capability}`,
          evidence: { hour: h, day: dayOf(h) },
        })),
      ];
      await writeWindow(w, insights);
      const result: HourlyResult = {
        window: w,
        failing: failing.map((f, i) => ({ signature: f.signature, subject: f.subject, hourCount: f.hourCount, dayCount: f.dayCount, knownFix: f.solution?.action ?? null, actionable: insights[i]!.actionable })),
        degraded: degraded.map((h) => ({ agentId: h.agentId, capability: h.capability, hourRate: rate(h), dayRate: rate(dayOf(h)!) })),
        slower: slower.map((h) => ({ agentId: h.agentId, capability: h.capability, hourAvgMs: h.avgMs, dayAvgMs: dayOf(h)!.avgMs })),
        insights: insights.map((i) => i.key).sort(),
        actionable: insights.filter((i) => i.actionable).length,
      };
      await store.recordCycleRun({ cycle: w.cycle, windowStart: start, windowEnd: end, result, workflowId: Context.current().info.workflowExecution?.workflowId });
      return result;
    },

    /** Daily: archives `session`-layer memory of sessions ended by the window's end, then every entry expired by it. */
    async archiveMemoryForWindow(w: CycleWindow): Promise<{ sessionEnded: number; expired: number }> {
      const moved = { sessionEnded: 0, expired: 0 };
      await drain((b) => store.archiveEndedSessionEntries(b), w, moved, 'sessionEnded');
      await drain((b) => store.archiveEntriesExpiredBy(b), w, moved, 'expired');
      return moved;
    },

    /** Daily: promotes often-read or important `short_term` entries, demotes idle unimportant `long_term` ones. */
    async changeMemoryLayers(w: CycleWindow): Promise<{ promoted: number; demoted: number }> {
      const changed = { promoted: 0, demoted: 0 };
      await drain((b) => store.promoteEntries(b), w, changed, 'promoted');
      await drain((b) => store.demoteEntries(b), w, changed, 'demoted');
      return changed;
    },

    /** Daily: merges exact duplicates (the oldest survives; the others are archived). */
    async mergeDuplicateMemory(w: CycleWindow): Promise<{ merged: number }> {
      const merged = { merged: 0 };
      await drain((b) => store.mergeDuplicateEntries(b), w, merged, 'merged');
      return merged;
    },

    /** Daily: refreshes planner statistics of the memory tables. */
    async refreshMemoryStatistics(): Promise<string[]> {
      return store.analyzeMemoryTables();
    },

    /** Daily: the report of the window, counted from what the window moved and changed. */
    async writeDailyReport(input: { window: CycleWindow; statisticsRefreshed: string[] }): Promise<DailyReport> {
      const w = input.window;
      const { start, end } = bounds(w);
      const counts = await store.maintenanceCounts({ windowKey: w.key });
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
      await store.recordCycleRun({ cycle: w.cycle, windowStart: start, windowEnd: end, result, workflowId: Context.current().info.workflowExecution?.workflowId });
      return result;
    },

    /** Chooses among agents that can all do a capability, by their record; logged in the decision log. */
    async selectAgent(input: SelectionInput): Promise<Selection> {
      return selectAgent(store, input, activityWriteId());
    },
  };
}
