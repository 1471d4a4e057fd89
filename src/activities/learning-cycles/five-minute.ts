/**
 * The five-minute cycle: agent performance of the window (recomputed into `agent_performance`),
 * each agent's performance record over the 24 hours to the window's end, rising error signatures
 * and capabilities with a low success rate, and error-rate spikes of the services' routes (their
 * tenants' insights), as insights.
 */
import type { CycleWindow, FiveMinuteResult, ProcedureComplianceFigures } from '../../contracts/learning';
import { signatureHash } from '../../domain/signature-hash';
import type { CapabilityPerformance, Insight, MemoryStore, SignatureTrend } from '../../memory';
import { findErrorRateSpikes } from './endpoints';
import { bounds, recordCycleResult, DAY_MS, hhmm, LEARNING_RULES, pct, rate, type WindowWriter } from './rules';

/** A rising error signature and a capability with a low success rate, each as an insight. */
function patternInsights(
  rising: SignatureTrend[],
  lowSuccess: CapabilityPerformance[],
  start: Date,
  end: Date,
): Insight[] {
  return [
    ...rising.map((t): Insight => ({
      key: `insight/error-pattern/${signatureHash(t.signature)}`,
      kind: 'error-pattern',
      severity: t.count >= 20 ? 'high' : 'medium',
      title: `Rising error: ${t.errorType} ×${t.count} in 5 min (${t.previousHour} in the hour before)`,
      detail: `${t.message.slice(0, 500)} — from ${t.sources.join(', ')}, first at ${hhmm(t.firstAt)} UTC in ${hhmm(start)}–${hhmm(end)}.`,
      recommendedAction:
        'see `brainops errors list`; error-learning applies a known fix, otherwise teach one with `brainops kb add`',
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
}

/** Each agent's record: exact figures of the last 24 hours (`day`), per capability. */
function agentRecords(agents: string[], day: CapabilityPerformance[]): Insight[] {
  return agents.map((agentId): Insight => {
    const capabilities = day.filter((d) => d.agentId === agentId);
    const runs = capabilities.reduce((n, c) => n + c.runs, 0);
    const successes = capabilities.reduce((n, c) => n + c.successes, 0);
    return {
      key: `performance/agent/${agentId}`,
      kind: 'agent-performance-record',
      severity: 'info',
      title: `${agentId}: ${pct(rate({ runs, successes }))} success over 24 h (${runs} runs)`,
      detail: capabilities
        .map((c) => `${c.capability}: ${c.successes}/${c.runs} ok, mean ${c.avgMs} ms, p95 ${c.p95Ms} ms`)
        .join('; '),
      recommendedAction: 'none: the record agent selection uses',
      actionable: false,
      subject: agentId,
      evidence: {
        agentId,
        period: '24h',
        runs,
        successes,
        capabilities: Object.fromEntries(capabilities.map(({ agentId: _a, capability, ...c }) => [capability, c])),
      },
    };
  });
}

/** Procedure compliance of the window, one insight per procedure version with steps in it. */
function complianceInsights(compliance: ProcedureComplianceFigures[], start: Date, end: Date): Insight[] {
  return compliance.map((c): Insight => {
    const departures = c.skipped + c.blocked + c.warned;
    return {
      key: `insight/procedure-compliance/${c.procedure}/v${c.version}`,
      kind: 'procedure-compliance',
      severity: c.blocked > 0 || c.failed > 0 ? 'medium' : departures > 0 ? 'low' : 'info',
      title: `${c.procedure} v${c.version} in ${hhmm(start)}–${hhmm(end)}: ${c.ran} step(s) run, ${c.failed} failed, ${c.skipped} skipped with approval, ${c.blocked} blocked`,
      detail: `${c.released} blocked operation(s) released by approval, ${c.warned} warning(s) for operations without guidance.`,
      recommendedAction:
        c.blocked > 0 || c.warned > 0
          ? 'consult guidance before operations (`brainops guidance`), or pass its decision id to `brainops procedure run --guidance <id>`'
          : 'none',
      actionable: c.blocked > 0 || c.warned > 0,
      subject: `${c.procedure}@${c.version}`,
      evidence: { ...c },
    };
  });
}

export function createFiveMinuteActivities(store: MemoryStore, writeWindow: WindowWriter) {
  return {
    /**
     * Five-minute cycle: agent performance of the window (recomputed into `agent_performance`),
     * each agent's performance record over the 24 hours to the window's end, rising error
     * signatures and capabilities with a low success rate, as insights.
     */
    async runFiveMinuteCycle(w: CycleWindow): Promise<FiveMinuteResult> {
      const { start, end } = bounds(w);
      const performance = await store.learning.refreshAgentPerformance({ start, end });
      const trends = await store.learning.signatureTrends({ start, end });
      const rising = trends.filter(
        (t) =>
          t.count >= LEARNING_RULES.risingMinCount && t.count > (LEARNING_RULES.risingFactor * t.previousHour) / 12,
      );
      const lowSuccess = performance.filter(
        (p) => p.runs >= LEARNING_RULES.minRuns && rate(p) < LEARNING_RULES.lowSuccessRate,
      );

      const compliance = await store.procedures.compliance({ start, end });
      const insights = [
        ...patternInsights(rising, lowSuccess, start, end),
        ...complianceInsights(compliance, start, end),
      ];
      await writeWindow(w, insights);

      const day = await store.learning.workHistoryPerformance({ start: new Date(end.getTime() - DAY_MS), end });
      const agents = [...new Set(performance.map((p) => p.agentId))].sort();
      await writeWindow(w, agentRecords(agents, day), 'performance_metric');

      const result: FiveMinuteResult = {
        window: w,
        runs: performance.reduce((n, p) => n + p.runs, 0),
        capabilities: performance.length,
        errorEvents: trends.reduce((n, t) => n + t.count, 0),
        risingPatterns: rising.map((t) => ({ signature: t.signature, count: t.count, previousHour: t.previousHour })),
        lowSuccess: lowSuccess.map((p) => ({
          agentId: p.agentId,
          capability: p.capability,
          runs: p.runs,
          successRate: rate(p),
        })),
        agentsRecorded: agents,
        insights: insights.map((i) => i.key).sort(),
        procedureCompliance: compliance,
        endpointErrorSpikes: await findErrorRateSpikes(store, writeWindow, w),
      };
      return recordCycleResult(store, w, result);
    },
  };
}
