/**
 * The decision log: what an agent decided, with the context, confidence and patterns it was based
 * on, and later the outcome of what it decided. Operator work (agents' decisions).
 */
import type { Connections, Queryable } from './connections';

/** One decision an agent took, with why. Recorded once per `dedupeKey`. */
export interface Decision {
  agentId: string;
  decision: string;
  context?: Record<string, unknown>;
  confidence?: number;
  patterns?: unknown[];
  outcome?: string;
  dedupeKey?: string;
}

/** Records a decision; a repeat of its `dedupeKey` only fills in an outcome it lacked. */
export async function insertDecision(db: Queryable, d: Decision): Promise<void> {
  await db.query(
    `insert into decision_log (agent_id, decision, context, confidence, patterns, outcome, dedupe_key)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (dedupe_key) do update set outcome = coalesce(excluded.outcome, decision_log.outcome)`,
    [
      d.agentId,
      d.decision,
      JSON.stringify(d.context ?? {}),
      d.confidence ?? null,
      JSON.stringify(d.patterns ?? []),
      d.outcome ?? null,
      d.dedupeKey ?? null,
    ],
  );
}

/** Writes a decision and returns its id (the same row for the same `dedupeKey`). */
export async function insertDecisionReturningId(
  db: Queryable,
  d: {
    agentId: string;
    decision: string;
    context: unknown;
    confidence: number;
    patterns: unknown[];
    dedupeKey: string;
  },
): Promise<number> {
  const result = await db.query<{ id: number }>(
    `insert into decision_log (agent_id, decision, context, confidence, patterns, dedupe_key)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (dedupe_key) do update set dedupe_key = excluded.dedupe_key
     returning id::int`,
    [d.agentId, d.decision, JSON.stringify(d.context), d.confidence, JSON.stringify(d.patterns), d.dedupeKey],
  );
  return result.rows[0]!.id;
}

/** Links the outcome of the operation a decision guided; returns false when there is no such decision. */
export async function recordDecisionOutcome(
  db: Queryable,
  o: { decisionId: number; success: boolean; detail: unknown },
): Promise<boolean> {
  const result = await db.query(
    `update decision_log set outcome = $2, outcome_success = $3, outcome_at = now(), outcome_detail = $4 where id = $1`,
    [o.decisionId, o.success ? 'succeeded' : 'failed', o.success, JSON.stringify(o.detail)],
  );
  return (result.rowCount ?? 0) > 0;
}

export interface DecisionRow {
  id: number;
  agentId: string;
  decision: string;
  confidence: number | null;
  context: Record<string, unknown>;
  outcome: string | null;
  outcomeSuccess: boolean | null;
  decidedAt: Date;
}

export async function getDecision(db: Queryable, { id }: { id: number }): Promise<DecisionRow | null> {
  const result = await db.query<DecisionRow>(
    `select id::int, agent_id as "agentId", decision, confidence, context, outcome, outcome_success as "outcomeSuccess",
       decided_at as "decidedAt" from decision_log where id = $1`,
    [id],
  );
  return result.rows[0] ?? null;
}

/** The decision log. */
export function decisionRepository(db: Connections) {
  return {
    /** Records a decision (redacted), once per `dedupeKey`. */
    record: (d: Decision) => insertDecision(db.operator, db.redact(d)),
    /** Writes a decision (once per dedupe key) and returns its id. */
    recordReturningId: (d: Parameters<typeof insertDecisionReturningId>[1]) =>
      insertDecisionReturningId(db.operator, d),
    /** Links the outcome of the operation a decision guided. */
    recordOutcome: (o: Parameters<typeof recordDecisionOutcome>[1]) => recordDecisionOutcome(db.operator, o),
    get: (opts: { id: number }) => getDecision(db.operator, opts),
  };
}
export type DecisionRepository = ReturnType<typeof decisionRepository>;
