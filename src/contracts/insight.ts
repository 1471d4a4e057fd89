/**
 * What learning cycles and DatabaseGuardian find: an insight, with its severity. The memory store
 * keeps them as `ai_insight` entries; workflows and clients report them.
 */
export const SEVERITIES = Object.freeze(['info', 'low', 'medium', 'high', 'critical'] as const);

export type Severity = (typeof SEVERITIES)[number];

/** What a learning cycle or DatabaseGuardian found. */
export interface Insight {
  /** Stable identity, e.g. `insight/database/shop/seq-scan/public.orders`. */
  key: string;
  /** Family of the insight: `slow-query`, `error-pattern`, `failing-check`, … */
  kind: string;
  severity: Severity;
  title: string;
  detail: string;
  recommendedAction: string;
  /** Whether a person (or an agent) should act on it. */
  actionable: boolean;
  /** What it is about: a database, table, signature, agent. */
  subject: string;
  /** The figures behind it. */
  evidence: Record<string, unknown>;
}
