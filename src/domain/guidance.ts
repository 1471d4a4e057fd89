/**
 * Contextual guidance as a pure rule: from the evidence memory returned for a task, the
 * recommendations it supports, ranked by relevance × track record (the Beta(2,1) mean of
 * `trackRecord`: a fix that worked ranks above one that failed), the primary one, and a
 * confidence in [0, 1] that grows with the primary's score, its margin over the next, and the
 * amount of evidence.
 */
import type { GuidanceEvidence, Recommendation } from '../contracts/guidance';
import { trackRecord } from './confidence';
import { normaliseMessage } from './error-signature';

/** A task's signature: its wording with values replaced by placeholders, lower-cased. */
export function taskSignature(task: string): string {
  return normaliseMessage(task).toLowerCase().replace(/\s+/g, ' ').trim().slice(0, 500);
}

/** Orchestrated tasks of a similar signature, with their record; relevance in [0, 1]. */
export interface TaskMatch {
  signature: string;
  goal: string;
  lastWorkflowId: string;
  successes: number;
  failures: number;
  relevance: number;
}

export interface GuidanceFacts {
  task: string;
  solutions: {
    id: number;
    action: string;
    description: string;
    successCount: number;
    failureCount: number;
    relevance: number;
  }[];
  procedures: {
    name: string;
    version: number;
    description: string;
    successes: number;
    failures: number;
    relevance: number;
  }[];
  tasks: TaskMatch[];
  /** Every other piece of evidence (memory, messages, work, deployments, errors, insights). */
  other: GuidanceEvidence[];
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const pct = (x: number) => `${Math.round(x * 100)}%`;

export function rankGuidance(f: GuidanceFacts): {
  primary: Recommendation;
  alternatives: Recommendation[];
  confidence: number;
  reasons: string[];
  evidence: GuidanceEvidence[];
} {
  const evidence: GuidanceEvidence[] = [];
  const recs: Recommendation[] = [];
  for (const s of f.solutions) {
    const id = `solution:${s.id}`;
    const record = trackRecord(s.successCount, s.failureCount);
    evidence.push({
      id,
      kind: 'solution',
      title: s.description,
      relevance: round(s.relevance),
      successRate: round(record),
      successes: s.successCount,
      failures: s.failureCount,
    });
    recs.push({
      kind: 'solution',
      summary: `apply "${s.action}": ${s.description}`,
      ref: s.action,
      score: round(s.relevance * record),
      reasons: [
        `known solution, relevance ${pct(s.relevance)}`,
        `worked ${s.successCount} of ${s.successCount + s.failureCount} times (track record ${pct(record)})`,
      ],
      evidence: [id],
    });
  }
  for (const p of f.procedures) {
    const id = `procedure:${p.name}@${p.version}`;
    const record = trackRecord(p.successes, p.failures);
    evidence.push({
      id,
      kind: 'procedure',
      title: p.description || p.name,
      relevance: round(p.relevance),
      successRate: round(record),
      successes: p.successes,
      failures: p.failures,
    });
    recs.push({
      kind: 'procedure',
      summary: `follow procedure "${p.name}" v${p.version}`,
      ref: p.name,
      score: round(p.relevance * record),
      reasons: [
        `procedure matching the task, relevance ${pct(p.relevance)}`,
        `${p.successes} of ${p.successes + p.failures} runs succeeded (track record ${pct(record)})`,
      ],
      evidence: [id],
    });
  }
  for (const t of f.tasks) {
    const id = `task:${t.lastWorkflowId}`;
    const record = trackRecord(t.successes, t.failures);
    evidence.push({
      id,
      kind: 'task',
      title: t.goal,
      relevance: round(t.relevance),
      successRate: round(record),
      successes: t.successes,
      failures: t.failures,
    });
    recs.push({
      kind: 'past-task',
      summary:
        t.successes > t.failures ? `repeat the plan of "${t.goal}"` : `avoid the plan of "${t.goal}" (it failed)`,
      ref: t.lastWorkflowId,
      score: round(t.relevance * (t.successes > t.failures ? record : 1 - record) * 0.9),
      reasons: [
        `similar task (${pct(t.relevance)}) done ${t.successes + t.failures} time(s), ${t.successes} succeeded`,
      ],
      evidence: [id],
    });
  }
  evidence.push(...f.other);
  recs.sort((a, b) => b.score - a.score || a.summary.localeCompare(b.summary));
  const background = f.other
    .slice()
    .sort((a, b) => b.relevance - a.relevance)
    .slice(0, 5);
  const investigate: Recommendation = {
    kind: 'investigate',
    summary: background.length
      ? `no proven course of action; start from what memory holds (${background.map((e) => e.id).join(', ')})`
      : 'no precedent in memory; proceed carefully and record the outcome',
    score: round(Math.min(0.3, 0.05 * background.length)),
    reasons: [
      background.length ? `${background.length} related record(s), none with a track record` : 'nothing similar found',
    ],
    evidence: background.map((e) => e.id),
  };
  const ranked = recs.length ? [...recs, investigate] : [investigate];
  const [primary, ...alternatives] = ranked as [Recommendation, ...Recommendation[]];
  const next = alternatives[0]?.score ?? 0;
  const amount = Math.min(1, evidence.length / 5);
  const margin = primary.score > 0 ? (primary.score - next) / primary.score : 0;
  const confidence = round(Math.max(0, Math.min(1, primary.score * (0.6 + 0.2 * amount + 0.2 * margin))));
  const reasons = [
    `primary: ${primary.summary} (score ${primary.score})`,
    ...primary.reasons,
    alternatives.length ? `next best scores ${next}` : 'no alternative',
    `${evidence.length} piece(s) of evidence`,
  ];
  return { primary, alternatives: alternatives.slice(0, 5), confidence, reasons, evidence };
}
