/**
 * Contextual guidance (`getGuidance` activity, `BrainOpsClient.guidance`): gathers what memory
 * holds about a task — hybrid search over memory entries and session messages, work history,
 * deployments, error events, orchestrated tasks of a similar signature, matching solutions and
 * procedures with their success rates, insights — ranks the courses of action it supports
 * (`rankGuidance`) and records the guidance in the decision log, returning the decision's id.
 */
import { memoryInput } from '../contracts/memory';
import {
  type guidanceInputSchema,
  type guidanceOutcomeSchema,
  type Guidance,
  type GuidanceEvidence,
} from '../contracts/guidance';
import type { Parsed } from '../contracts/validate';
import { ValidationError } from '../contracts/errors';
import { rankGuidance, taskSignature } from '../domain/guidance';
import type { MemoryStore } from '../memory';

const round = (x: number) => Math.round(x * 1000) / 1000;

/** A guidance request as its edge parsed it. */
export type GuidanceRequest = Parsed<typeof guidanceInputSchema>;

/** What memory recommends for `input`, recorded in the decision log once per `dedupeKey`. */
export async function computeGuidance(
  store: MemoryStore,
  input: GuidanceRequest,
  dedupeKey: string,
): Promise<Guidance> {
  const { task } = input;
  const [hits, work, deployments, errors, solutions, procedures, tasks, insights] = await Promise.all([
    store.entries.search(memoryInput.search({ query: task, tenantId: input.tenantId, limit: 8 })),
    store.guidance.similarWork({ task }),
    store.guidance.similarDeployments({ task }),
    store.guidance.similarErrors({ task }),
    store.guidance.matchingSolutions({ task }),
    store.guidance.matchingProcedures({ task }),
    store.guidance.similarTasks({ signature: taskSignature(task) }),
    store.guidance.matchingInsights({ task, tenantId: input.tenantId }),
  ]);
  const topRank = Math.max(1e-9, ...hits.map((h) => h.rank));
  const other: GuidanceEvidence[] = [
    ...hits.map((h): GuidanceEvidence =>
      h.kind === 'entry'
        ? {
            id: `memory:${h.entry.id}`,
            kind: 'memory',
            title: h.entry.title ?? h.entry.key,
            relevance: round(h.rank / topRank),
          }
        : {
            id: `message:${h.message.sessionId}#${h.message.seq}`,
            kind: 'message',
            title: h.message.content.slice(0, 120),
            relevance: round(h.rank / topRank),
          },
    ),
    ...work.map((w): GuidanceEvidence => ({
      id: `work:${w.id}`,
      kind: 'work',
      title: `${w.agentId} ${w.action}: ${w.successes}/${w.runs} ok`,
      relevance: round(w.relevance),
      successRate: round(w.successes / w.runs),
      successes: w.successes,
      failures: w.runs - w.successes,
    })),
    ...deployments.map((d): GuidanceEvidence => ({
      id: `deployment:${d.id}`,
      kind: 'deployment',
      title: `deploy ${d.target} ${d.ref}: ${d.status}`,
      relevance: round(d.relevance),
    })),
    ...errors.map((e): GuidanceEvidence => ({
      id: `error:${e.id}`,
      kind: 'error',
      title: `${e.status}: ${e.message}`,
      relevance: round(e.relevance),
    })),
    ...insights.map((i): GuidanceEvidence => ({
      id: `insight:${i.key}`,
      kind: 'insight',
      title: i.title,
      relevance: round(i.relevance),
    })),
  ];
  const ranked = rankGuidance({ task, solutions, procedures, tasks, other });
  const decisionId = await store.decisions.recordReturningId({
    agentId: input.requestedBy,
    decision: `guidance for "${task.slice(0, 200)}": ${ranked.primary.summary.slice(0, 300)}`,
    confidence: ranked.confidence,
    patterns: [ranked.primary, ...ranked.alternatives].map((r) => ({
      kind: r.kind,
      ref: r.ref ?? null,
      score: r.score,
    })),
    context: {
      kind: 'guidance',
      task,
      context: input.context,
      tenantId: input.tenantId ?? null,
      evidence: ranked.evidence.map((e) => e.id),
      reasons: ranked.reasons,
    },
    dedupeKey,
  });
  return { decisionId, task, ...ranked };
}

/**
 * Links the outcome of the operation a guidance decision guided.
 * @throws ValidationError when there is no such decision.
 */
export async function recordGuidanceOutcome(
  store: MemoryStore,
  o: Parsed<typeof guidanceOutcomeSchema>,
): Promise<void> {
  if (!(await store.decisions.recordOutcome(o)))
    throw new ValidationError('guidance outcome', [{ field: 'decisionId', message: `no decision ${o.decisionId}` }]);
}
