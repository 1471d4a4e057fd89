/**
 * The hourly cycle: recommendations from the last hour and day — signatures failing repeatedly
 * (actionable when no fix is known or the known fix does not work), capabilities whose success
 * rate dropped or latency rose against the day, and routes of the services whose p95 regressed
 * against the same hour the day before (their tenants' insights).
 */
import type { CycleWindow, HourlyResult, ProcedureEffectivenessFigures } from '../../contracts/learning';
import { signatureHash } from '../../domain/signature-hash';
import type { CapabilityPerformance, FailingSignature, Insight, MemoryStore } from '../../memory';
import { findP95Regressions } from './endpoints';
import { bounds, recordCycleResult, DAY_MS, hhmm, LEARNING_RULES, pct, rate, type WindowWriter } from './rules';

/** A signature failing repeatedly, as a recommendation: teach a fix, none needed, or review the known one. */
function failingInsight(f: FailingSignature, end: Date): Insight {
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
    evidence: {
      signature: f.signature,
      hourCount: f.hourCount,
      dayCount: f.dayCount,
      firstInHour: f.firstInHour,
      solution: fix,
    },
  };
}

/** Capabilities failing more, or slower, this hour than over the day (`dayOf`), as insights. */
function trendInsights(
  degraded: CapabilityPerformance[],
  slower: CapabilityPerformance[],
  dayOf: (h: CapabilityPerformance) => CapabilityPerformance | undefined,
  start: Date,
  end: Date,
): Insight[] {
  return [
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
}

/** Success rate per procedure version over the day, one insight each (actionable under 50 %). */
function effectivenessInsights(figures: ProcedureEffectivenessFigures[], end: Date): Insight[] {
  return figures.map((p): Insight => ({
    key: `insight/procedure-effectiveness/${p.procedure}/v${p.version}`,
    kind: 'procedure-effectiveness',
    severity: p.runs >= 2 && p.successRate < 0.5 ? 'medium' : 'info',
    title: `${p.procedure} v${p.version}: ${pct(p.successRate)} of ${p.runs} run(s) succeeded in the 24 hours to ${hhmm(end)} UTC`,
    detail: `${p.successes} of ${p.runs} runs of ${p.procedure} v${p.version} succeeded.`,
    recommendedAction:
      p.runs >= 2 && p.successRate < 0.5
        ? `look at the failed runs (\`temporal workflow list --query "WorkflowId STARTS_WITH 'procedure/${p.procedure}/'"\`) and revise the procedure as a new version`
        : 'none',
    actionable: p.runs >= 2 && p.successRate < 0.5,
    subject: `${p.procedure}@${p.version}`,
    evidence: { ...p },
  }));
}

export function createHourlyActivities(store: MemoryStore, writeWindow: WindowWriter) {
  return {
    /**
     * Hourly cycle: recommendations from the last hour and day — signatures failing repeatedly
     * (actionable when no fix is known or the known fix does not work), capabilities whose success
     * rate dropped or latency rose against the day.
     */
    async runHourlyCycle(w: CycleWindow): Promise<HourlyResult> {
      const { start, end } = bounds(w);
      const failing = await store.learning.failingSignatures({ end, minCount: LEARNING_RULES.failingMinCount });
      // From work history itself, not from the five-minute windows: the five-minute run of the
      // hour's last window starts at the same moment (and windows missed beyond its catch-up are
      // never written), so reading those would make the result depend on timing.
      const hour = await store.learning.workHistoryPerformance({ start, end });
      const day = await store.learning.workHistoryPerformance({ start: new Date(end.getTime() - DAY_MS), end });
      const dayOf = (h: CapabilityPerformance) =>
        day.find((d) => d.agentId === h.agentId && d.capability === h.capability);
      const degraded = hour.filter(
        (h) => h.runs >= LEARNING_RULES.minRuns && rate(h) < rate(dayOf(h)!) - LEARNING_RULES.degradationDrop,
      );
      const slower = hour.filter((h) => {
        const d = dayOf(h)!;
        return (
          h.runs >= LEARNING_RULES.minRuns &&
          d.runs >= 4 * LEARNING_RULES.minRuns &&
          d.avgMs > 0 &&
          h.avgMs > LEARNING_RULES.slowdownFactor * d.avgMs
        );
      });

      const insights: Insight[] = [
        ...failing.map((f) => failingInsight(f, end)),
        ...trendInsights(degraded, slower, dayOf, start, end),
      ];
      const effectiveness = await store.procedures.effectiveness({ start: new Date(end.getTime() - DAY_MS), end });
      insights.push(...effectivenessInsights(effectiveness, end));
      await writeWindow(w, insights);
      const result: HourlyResult = {
        window: w,
        failing: failing.map((f, i) => ({
          signature: f.signature,
          subject: f.subject,
          hourCount: f.hourCount,
          dayCount: f.dayCount,
          knownFix: f.solution?.action ?? null,
          actionable: insights[i]!.actionable,
        })),
        degraded: degraded.map((h) => ({
          agentId: h.agentId,
          capability: h.capability,
          hourRate: rate(h),
          dayRate: rate(dayOf(h)!),
        })),
        slower: slower.map((h) => ({
          agentId: h.agentId,
          capability: h.capability,
          hourAvgMs: h.avgMs,
          dayAvgMs: dayOf(h)!.avgMs,
        })),
        insights: insights.map((i) => i.key).sort(),
        actionable: insights.filter((i) => i.actionable).length,
        procedureEffectiveness: effectiveness,
        endpointRegressions: await findP95Regressions(store, writeWindow, w),
      };
      return recordCycleResult(store, w, result);
    },
  };
}
