/**
 * The in-memory state of one session workflow run: pure data and rules, no Temporal calls, so it
 * can be unit-tested and carried across continue-as-new as plain JSON.
 */
import type {
  ContextSnapshot,
  HandoffResult,
  MessageInput,
  SessionContext,
  SessionMessage,
  SessionStart,
  SessionTask,
} from '../contracts/session';
import type { OpenedSession } from '../contracts/session';

const RECENT_MESSAGES = 50;
const RECENT_MESSAGE_IDS = 2000;
const COMPLETED_TASKS_KEPT = 50;

/** Everything a new run needs from the previous one; plain JSON only (a Map would become {}). */
export interface CarriedSessionState {
  start: SessionStart;
  startedAt: string;
  nextSeq: number;
  messageCount: number;
  roleCounts: Record<string, number>;
  recent: SessionMessage[];
  pending: SessionMessage[];
  recentMessageIds: string[];
  tasks: SessionTask[];
  completedCount: number;
  criticalFacts: Record<string, unknown>;
  agents: string[];
  currentAgent?: string;
  handoffCount: number;
  lastHandoff?: Omit<HandoffResult, 'contextSnapshot'>;
  continuedAsNew: number;
}

export class SessionState {
  data: CarriedSessionState;
  status: 'active' | 'ending' | 'ended' = 'active';

  constructor(start: SessionStart, carried?: CarriedSessionState) {
    this.data = carried ?? {
      start,
      startedAt: '',
      nextSeq: 1,
      messageCount: 0,
      roleCounts: {},
      recent: [],
      pending: [],
      recentMessageIds: [],
      tasks: [],
      completedCount: 0,
      criticalFacts: {},
      agents: start.agentId ? [start.agentId] : [],
      currentAgent: start.agentId,
      handoffCount: 0,
      continuedAsNew: 0,
    };
  }

  /**
   * Continues a session that existed before this workflow: its numbering, counts, open tasks,
   * and from its last snapshot the agent, critical facts and recent messages.
   */
  applyOpened(opened: OpenedSession): void {
    const d = this.data;
    d.startedAt = opened.startedAt;
    // Messages may have arrived (by signal-with-start) before the session was opened; `pending`
    // and `recent` share those objects, so each is renumbered once.
    const offset = opened.nextSeq - 1;
    for (const m of new Set([...d.pending, ...d.recent])) m.seq += offset;
    d.nextSeq += offset;
    d.messageCount += opened.messageCount;
    for (const [role, n] of Object.entries(opened.roleCounts)) d.roleCounts[role] = (d.roleCounts[role] ?? 0) + n;
    const known = new Set(d.tasks.map((t) => t.taskId));
    d.tasks.push(...opened.openTasks.filter((t) => !known.has(t.taskId)));
    const last = opened.lastSnapshot as Partial<ContextSnapshot> | null;
    if (last) {
      d.criticalFacts = { ...last.criticalFacts, ...d.criticalFacts };
      d.currentAgent ??= last.currentAgent;
      if (d.currentAgent && !d.agents.includes(d.currentAgent)) d.agents.unshift(d.currentAgent);
      d.recent = [...(last.recentMessages ?? []), ...d.recent].slice(-RECENT_MESSAGES);
    }
  }

  /** Accepts a message; returns false for a repeated `messageId`. */
  addMessage(input: MessageInput, now: string): boolean {
    const d = this.data;
    if (input.messageId) {
      if (d.recentMessageIds.includes(input.messageId)) return false;
      d.recentMessageIds.push(input.messageId);
      if (d.recentMessageIds.length > RECENT_MESSAGE_IDS) d.recentMessageIds.shift();
    }
    const message: SessionMessage = {
      seq: d.nextSeq++,
      role: input.role,
      content: input.content,
      agentId: input.agentId,
      metadata: input.metadata,
      messageId: input.messageId,
      createdAt: now,
    };
    d.pending.push(message);
    d.recent.push(message);
    if (d.recent.length > RECENT_MESSAGES) d.recent.shift();
    d.messageCount++;
    d.roleCounts[input.role] = (d.roleCounts[input.role] ?? 0) + 1;
    return true;
  }

  /** Removes and returns up to `max` messages waiting to be persisted, oldest first. */
  takePending(max: number): SessionMessage[] {
    return this.data.pending.splice(0, max);
  }

  /** Puts back messages whose persistence failed, ahead of newer ones. */
  restorePending(messages: SessionMessage[]): void {
    this.data.pending.unshift(...messages);
  }

  findTask(taskId: string): SessionTask | undefined {
    return this.data.tasks.find((t) => t.taskId === taskId);
  }

  upsertTask(task: SessionTask): void {
    const d = this.data;
    const index = d.tasks.findIndex((t) => t.taskId === task.taskId);
    const wasOpen = index >= 0 && d.tasks[index]!.status === 'open';
    if (index >= 0) d.tasks[index] = task;
    else d.tasks.push(task);
    if (wasOpen && task.status !== 'open') d.completedCount++;
    const closed = d.tasks.filter((t) => t.status !== 'open');
    if (closed.length > COMPLETED_TASKS_KEPT) {
      const drop = new Set(closed.slice(0, closed.length - COMPLETED_TASKS_KEPT).map((t) => t.taskId));
      d.tasks = d.tasks.filter((t) => !drop.has(t.taskId));
    }
  }

  get openTasks(): SessionTask[] {
    return this.data.tasks.filter((t) => t.status === 'open');
  }

  /** A conversation in one line: "15 messages (8 from user, 7 from assistant)". */
  summary(): string {
    const d = this.data;
    const parts = Object.entries(d.roleCounts)
      .sort(([, a], [, b]) => b - a)
      .map(([role, n]) => `${n} from ${role}`);
    return `${d.messageCount} messages${parts.length ? ` (${parts.join(', ')})` : ''}`;
  }

  snapshot(now: string, continuationInstructions?: string): ContextSnapshot {
    const d = this.data;
    return {
      conversationSummary: this.summary(),
      criticalFacts: { ...d.criticalFacts },
      pendingTasks: this.openTasks,
      continuationInstructions,
      recentMessages: d.recent.slice(-10),
      messageCount: d.messageCount,
      currentAgent: d.currentAgent,
      takenAt: now,
    };
  }

  recordHandoff(result: HandoffResult, criticalInfo: Record<string, unknown>): void {
    const d = this.data;
    Object.assign(d.criticalFacts, criticalInfo);
    d.currentAgent = result.toAgent;
    if (!d.agents.includes(result.toAgent)) d.agents.push(result.toAgent);
    d.handoffCount++;
    const { contextSnapshot: _snapshot, ...summary } = result;
    d.lastHandoff = summary;
  }

  context(nowMs: number): SessionContext {
    const d = this.data;
    const completed = d.tasks.filter((t) => t.status !== 'open');
    const total = d.completedCount + this.openTasks.length;
    const previous = d.agents.length > 1 ? d.agents[d.agents.indexOf(d.currentAgent ?? '') - 1] : undefined;
    return {
      tenantId: d.start.tenantId,
      sessionId: d.start.sessionId,
      userId: d.start.userId,
      title: d.start.title,
      status: this.status,
      startedAt: d.startedAt,
      durationSeconds: d.startedAt ? Math.max(0, Math.round((nowMs - Date.parse(d.startedAt)) / 1000)) : 0,
      conversation: {
        messageCount: d.messageCount,
        persistedThrough: d.nextSeq - 1 - d.pending.length,
        recentMessages: d.recent,
        summary: this.summary(),
      },
      agents: { current: d.currentAgent, previous, active: d.agents, handoffCount: d.handoffCount },
      tasks: { pending: this.openTasks, completed, completionRate: total ? d.completedCount / total : null },
      memory: { criticalFacts: d.criticalFacts },
      lastHandoff: d.lastHandoff,
      run: { continuedAsNew: d.continuedAsNew },
    };
  }
}
