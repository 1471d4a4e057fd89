/**
 * The session-start brief for a new AI session: last context snapshot, open tasks, latest
 * system status, recent errors and service performance findings, read from memory, as data or
 * Markdown.
 */
import { memoryInput } from '../contracts/memory';
import type { ErrorEventRow, MemoryStore } from '../memory';
import type { HealthCheckResult } from '../contracts/health';

export interface SessionBrief {
  tenantId: string;
  generatedAt: string;
  lastContext: { sessionId: string; status: string; lastActivityAt: Date; snapshot: unknown } | null;
  openTasks: { sessionId: string; taskId: string; title: string; priority: string; createdAt: string }[];
  systemStatus: HealthCheckResult[];
  /**
   * The newest errors, one per signature (the latest occurrence) with how many of the last
   * {@link BRIEF_ERROR_EVENTS} events it stands for: a storm of one error is one line.
   */
  recentErrors: {
    id: number;
    message: string;
    source: string;
    occurredAt: Date;
    status: string;
    occurrences: number;
  }[];
  /**
   * What the learning cycles found in the tenant's services (OpenTelemetry intake): error-rate
   * spikes and p95 regressions of routes, most severe first.
   */
  servicePerformance: { title: string; severity: string; recommendedAction: string; windowEnd: string | null }[];
}

/** Error events a brief reads, and the signatures it shows of them. */
const BRIEF_ERROR_EVENTS = 200;
const BRIEF_ERRORS = 10;

/** `events` (newest first) as one entry per signature: its newest event, and how many there were. */
function bySignature(events: ErrorEventRow[]): SessionBrief['recentErrors'] {
  const groups = new Map<string, SessionBrief['recentErrors'][number]>();
  for (const e of events) {
    const group = groups.get(e.signature);
    if (group) group.occurrences++;
    else
      groups.set(e.signature, {
        id: e.id,
        message: e.message,
        source: e.source,
        occurredAt: e.occurredAt,
        status: e.status,
        occurrences: 1,
      });
  }
  return [...groups.values()];
}

/** The insight kinds of endpoint performance a brief shows. */
const SERVICE_PERFORMANCE_KINDS = ['endpoint-error-spike', 'endpoint-p95-regression'];

/**
 * A tenant's brief holds only that tenant's own work (sessions, tasks, its error events) plus the
 * status of the health targets the operator marked shareable (`BRAINOPS_SHARED_STATUS`): never
 * another tenant's or the system's error texts, which would reach every tenant's AI session.
 */
export async function buildBrief(
  store: MemoryStore,
  tenantId: string,
  sharedStatus: readonly string[] = [],
): Promise<SessionBrief> {
  const [sessions, tasks, health, errors, findings] = await Promise.all([
    store.sessions.list({ tenantId, limit: 20 }),
    store.sessions.listTasks({ tenantId, status: 'open', limit: 20 }),
    sharedStatus.length === 0
      ? Promise.resolve([])
      : store.entries.list(memoryInput.list({ memoryType: 'health_check', keyPrefix: 'health/', limit: 100 })),
    store.errorEvents.list({ tenantId, limit: BRIEF_ERROR_EVENTS }),
    store.insights.list({ tenantId, kinds: SERVICE_PERFORMANCE_KINDS, limit: 10 }),
  ]);
  const last = sessions.find((s) => s.contextSnapshot) ?? sessions[0];
  return {
    tenantId,
    generatedAt: new Date().toISOString(),
    lastContext: last
      ? {
          sessionId: last.sessionId,
          status: last.status,
          lastActivityAt: last.lastActivityAt,
          snapshot: last.contextSnapshot,
        }
      : null,
    openTasks: tasks.map((t) => ({
      sessionId: t.sessionId,
      taskId: t.taskId,
      title: t.title,
      priority: t.priority,
      createdAt: t.createdAt,
    })),
    systemStatus: health
      .filter((e) => e.tenantId === null && e.scope === 'global')
      .map((e) => e.value as HealthCheckResult)
      .filter((r) => sharedStatus.includes(r.target)),
    recentErrors: bySignature(errors).slice(0, BRIEF_ERRORS),
    servicePerformance: findings.map((f) => ({
      title: f.title,
      severity: f.severity,
      recommendedAction: f.recommendedAction,
      windowEnd: f.windowEnd,
    })),
  };
}

/** Messages of the last context the Markdown brief shows (the latest), and characters of each. */
export const BRIEF_MESSAGES = 6;
export const BRIEF_MESSAGE_CHARS = 300;

/** `text` on one line, cut to `max` characters (marked with …). */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * The brief as Markdown, for a person or an AI session's context: the last context (its summary,
 * what to continue with, critical facts and its latest {@link BRIEF_MESSAGES} messages, each cut to
 * {@link BRIEF_MESSAGE_CHARS} characters on one line), open tasks, system status, recent errors
 * and, when the learning cycles found any, the service performance findings.
 */
export function briefToMarkdown(brief: SessionBrief): string {
  const lines = [
    `# Session brief — tenant ${brief.tenantId}`,
    '',
    `_Generated ${brief.generatedAt}_`,
    '',
    '## Last context',
  ];
  if (brief.lastContext) {
    const snap = brief.lastContext.snapshot as {
      conversationSummary?: string;
      continuationInstructions?: string;
      criticalFacts?: Record<string, unknown>;
      recentMessages?: { role?: unknown; content?: unknown }[];
    } | null;
    lines.push(
      `- Session \`${brief.lastContext.sessionId}\` (${brief.lastContext.status}, last active ${brief.lastContext.lastActivityAt.toISOString()})`,
    );
    if (snap?.conversationSummary) lines.push(`- Conversation: ${snap.conversationSummary}`);
    if (snap?.continuationInstructions) lines.push(`- Continue with: ${snap.continuationInstructions}`);
    for (const [k, v] of Object.entries(snap?.criticalFacts ?? {})) lines.push(`- ${k}: ${JSON.stringify(v)}`);
    const latest = (Array.isArray(snap?.recentMessages) ? snap.recentMessages : []).slice(-BRIEF_MESSAGES);
    if (latest.length) lines.push('- Latest messages:');
    for (const m of latest)
      lines.push(`  - ${String(m.role)}: ${oneLine(String(m.content ?? ''), BRIEF_MESSAGE_CHARS)}`);
  } else lines.push('- No earlier session.');
  lines.push('', '## Open tasks');
  if (brief.openTasks.length === 0) lines.push('- None.');
  for (const t of brief.openTasks)
    lines.push(`- [ ] ${t.title} (${t.priority}; session \`${t.sessionId}\`, id \`${t.taskId}\`)`);
  lines.push('', '## System status');
  if (brief.systemStatus.length === 0) lines.push('- No health checks recorded yet.');
  for (const h of brief.systemStatus)
    lines.push(
      `- ${h.status === 'up' ? '✅' : '❌'} ${h.target} (${h.kind}) ${h.status} at ${h.checkedAt}${h.error ? ` — ${h.error}` : ''}`,
    );
  lines.push('', '## Recent errors');
  if (brief.recentErrors.length === 0) lines.push('- None.');
  for (const e of brief.recentErrors)
    lines.push(
      `- ${e.occurredAt.toISOString()} [${e.source}, ${e.status}] ${e.message}${e.occurrences > 1 ? ` (×${e.occurrences})` : ''}`,
    );
  if (brief.servicePerformance.length) lines.push('', '## Service performance');
  for (const f of brief.servicePerformance) lines.push(`- [${f.severity}] ${f.title} — ${f.recommendedAction}`);
  return `${lines.join('\n')}\n`;
}
