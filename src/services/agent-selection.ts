/**
 * Agent selection by historical performance: among agents that can all do a capability, the one
 * with the best record (`rankByPerformance`) over the last days of `agent_performance`, with the
 * choice and the whole ranking written to the decision log. Used by the `selectAgent` activity
 * and by the API.
 */
import { z } from 'zod';
import { text } from '../contracts/limits';
import type { MemoryStore } from '../memory';
import { rankByPerformance, type RankedCandidate } from '../domain/agent-ranking';

const DAY_MS = 24 * 3_600_000;

export const selectionSchema = z.object({
  /** The capability (activity type in work history), e.g. `applyRemediation`. */
  capability: text(200, 1),
  /** Agents that can do it, in preference order for ties. */
  candidates: z.array(text(200, 1)).min(1).max(50),
  /** Who decides (the decision log's agent). @defaultValue ContextKeeper */
  decidedBy: text(100, 1).default('ContextKeeper'),
  purpose: text(500).optional(),
  /** Days of record to judge by. @defaultValue 7 */
  days: z.number().int().min(1).max(90).default(7),
});
export type SelectionInput = z.input<typeof selectionSchema>;

/** The agent chosen, and the ranking it was chosen from. */
export interface Selection {
  chosen: string;
  ranking: RankedCandidate[];
}

/** Ranks the candidates of a parsed selection and logs the decision once per `dedupeKey`. */
export async function selectAgent(
  store: MemoryStore,
  input: z.output<typeof selectionSchema>,
  dedupeKey: string,
): Promise<Selection> {
  const end = new Date();
  const figures = await store.learning.capabilityPerformance({
    start: new Date(end.getTime() - input.days * DAY_MS),
    end,
    agentIds: input.candidates,
    capability: input.capability,
  });
  const ranking = rankByPerformance(input.candidates, Object.fromEntries(figures.map((f) => [f.agentId, f])));
  const chosen = ranking[0]!;
  await store.decisions.record({
    agentId: input.decidedBy,
    decision: `assign "${input.capability}" to ${chosen.id}`,
    confidence: chosen.score,
    patterns: ranking.map((r) => ({
      agent: r.id,
      score: r.score,
      runs: r.record.runs,
      successes: r.record.successes,
      avgMs: r.record.avgMs,
    })),
    context: {
      capability: input.capability,
      purpose: input.purpose ?? null,
      candidates: input.candidates,
      days: input.days,
    },
    dedupeKey,
  });
  return { chosen: chosen.id, ranking };
}
