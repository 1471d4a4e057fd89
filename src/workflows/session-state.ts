/**
 * The in-memory state of one session workflow run: pure data and rules, no Temporal calls, so it
 * can be unit-tested and carried across continue-as-new as plain JSON.
 */
import type {
  ContextSnapshot,
  HandoffResult,
  MessageInput,
  SendMessageResult,
  SessionContext,
  SessionMessage,
  SessionStart,
  SessionTask,
} from '../contracts/session';
import type { OpenedSession, QuarantinedMessage } from '../contracts/session';
import { jsonProblem, truncateText, utf8Bytes } from '../contracts/limits';
import { conversationSummary } from '../domain/conversation-summary';

const RECENT_MESSAGES = 50;
const RECENT_MESSAGE_IDS = 2000;
/** Characters of caller message ids remembered for dropping resends in the workflow (the database catches older ones). */
const RECENT_MESSAGE_ID_CHARS = 100_000;
const COMPLETED_TASKS_KEPT = 50;
/** Content kept per recent message (the full message is in the database). */
const RECENT_CONTENT_CHARS = 2000;
/** Metadata kept per recent message, UTF-8 JSON bytes. */
const RECENT_METADATA_BYTES = 2048;

/** UTF-8 bytes of a message as JSON (what it weighs in a payload). */
export function messageBytes(message: SessionMessage): number {
  return utf8Bytes(JSON.stringify(message));
}

/** A copy of `m` small enough to keep among the recent messages and carry across continue-as-new. */
function recentCopy(m: SessionMessage): SessionMessage {
  const longContent = m.content.length > RECENT_CONTENT_CHARS;
  const bigMetadata =
    m.metadata !== undefined && jsonProblem(m.metadata, { maxBytes: RECENT_METADATA_BYTES }) !== undefined;
  if (!longContent && !bigMetadata) return m;
  return {
    ...m,
    content: longContent ? truncateText(m.content, RECENT_CONTENT_CHARS) : m.content,
    metadata: bigMetadata ? undefined : m.metadata,
    truncated: true,
  };
}

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
  /** The seq of each of `recentMessageIds` (absent in state carried by older runs). */
  recentMessageSeqs?: number[];
  /** Highest seq up to which the database confirmed every message (absent in older carried state). */
  persistedThrough?: number;
  /** Messages quarantined so far (absent in older carried state). */
  quarantined?: number;
  /** Dead letters not yet recorded (absent in older carried state). */
  pendingQuarantine?: QuarantinedMessage[];
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
  private bytes = new WeakMap<SessionMessage, number>();

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
      recentMessageSeqs: [],
      persistedThrough: 0,
      quarantined: 0,
      pendingQuarantine: [],
    };
    const d = this.data;
    d.recentMessageSeqs ??= [];
    d.quarantined ??= 0;
    d.pendingQuarantine ??= [];
    // Carried by an older run: everything not pending was persisted before it continued.
    d.persistedThrough ??= d.nextSeq - 1 - d.pending.length;
  }

  /** UTF-8 JSON bytes of one message (cached). */
  sizeOf(message: SessionMessage): number {
    let n = this.bytes.get(message);
    if (n === undefined) {
      n = messageBytes(message);
      this.bytes.set(message, n);
    }
    return n;
  }

  /** UTF-8 JSON bytes of the messages and dead letters waiting to be persisted. */
  pendingBytes(): number {
    let n = 0;
    for (const m of this.data.pending) n += this.sizeOf(m);
    for (const q of this.data.pendingQuarantine!) n += utf8Bytes(q.payload) + utf8Bytes(q.reason) + 200;
    return n;
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
    const renumbered = new Map<number, number>();
    for (const m of d.pending) {
      renumbered.set(m.seq, m.seq + offset);
      m.seq += offset;
    }
    for (const m of d.recent) if (!d.pending.includes(m)) m.seq = renumbered.get(m.seq) ?? m.seq + offset;
    d.recentMessageSeqs = d.recentMessageSeqs!.map((seq) => seq + offset);
    d.nextSeq += offset;
    d.persistedThrough = d.persistedThrough! + offset;
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

  /**
   * Accepts a message; returns false for a repeated `messageId`. `derivedId` is the key used when
   * the caller gave none (stable across replay and reset: derived from the run and arrival order).
   */
  addMessage(input: MessageInput, now: string, derivedId?: string): SessionMessage | false {
    const d = this.data;
    if (input.messageId) {
      if (d.recentMessageIds.includes(input.messageId)) return false;
      d.recentMessageIds.push(input.messageId);
      d.recentMessageSeqs!.push(d.nextSeq);
      let chars = d.recentMessageIds.reduce((n, id) => n + id.length, 0);
      while (d.recentMessageIds.length > RECENT_MESSAGE_IDS || chars > RECENT_MESSAGE_ID_CHARS) {
        chars -= d.recentMessageIds.shift()!.length;
        d.recentMessageSeqs!.shift();
      }
    }
    const message: SessionMessage = {
      seq: d.nextSeq++,
      role: input.role,
      content: input.content,
      agentId: input.agentId,
      metadata: input.metadata,
      messageId: input.messageId ?? derivedId,
      createdAt: now,
    };
    d.pending.push(message);
    d.recent.push(recentCopy(message));
    if (d.recent.length > RECENT_MESSAGES) d.recent.shift();
    d.messageCount++;
    d.roleCounts[input.role] = (d.roleCounts[input.role] ?? 0) + 1;
    return message;
  }

  /**
   * A message the run stored for an older client (messages as data), as the database answered:
   * counted, and kept among the recent messages, under the seq the database gave it. Messages the
   * API stores are not seen here; the API reads the conversation from the database.
   */
  recordStored(input: MessageInput & { messageId: string }, result: SendMessageResult, now: string): void {
    const d = this.data;
    if (result.status === 'quarantined') {
      d.quarantined!++;
      return;
    }
    d.persistedThrough = Math.max(d.persistedThrough!, result.seq);
    if (result.status !== 'stored') return;
    d.messageCount++;
    d.roleCounts[input.role] = (d.roleCounts[input.role] ?? 0) + 1;
    const { role, content, agentId, metadata, messageId } = input;
    d.recent.push(recentCopy({ seq: result.seq, role, content, agentId, metadata, messageId, createdAt: now }));
    if (d.recent.length > RECENT_MESSAGES) d.recent.shift();
  }

  /** The seq given to a caller's `messageId`, if it is still remembered. */
  seqOf(messageId: string): number | undefined {
    const i = this.data.recentMessageIds.indexOf(messageId);
    return i >= 0 ? this.data.recentMessageSeqs![i] : undefined;
  }

  /** Queues a dead letter to be recorded. */
  quarantine(item: QuarantinedMessage): void {
    this.data.pendingQuarantine!.push(item);
    this.data.quarantined!++;
  }

  /** Removes and returns the dead letters waiting to be recorded. */
  takeQuarantine(): QuarantinedMessage[] {
    return this.data.pendingQuarantine!.splice(0);
  }

  /**
   * Removes and returns up to `max` messages waiting to be persisted, oldest first, and (when
   * `maxBytes` is given) no more than `maxBytes` of them — but always at least one.
   */
  takePending(max: number, maxBytes = Infinity): SessionMessage[] {
    const pending = this.data.pending;
    let n = 0;
    let bytes = 0;
    while (n < Math.min(max, pending.length)) {
      bytes += this.sizeOf(pending[n]!);
      if (n > 0 && bytes > maxBytes) break;
      n++;
    }
    return pending.splice(0, n);
  }

  /**
   * The database confirmed a batch (taken in order, so every earlier seq is resolved): moves
   * `persistedThrough`, and takes resends it found (no row added) out of the counts.
   */
  confirmPersisted(batch: SessionMessage[], duplicates: number[] = [], quarantined: number[] = []): void {
    const d = this.data;
    if (batch.length > 0) d.persistedThrough = Math.max(d.persistedThrough!, batch[batch.length - 1]!.seq);
    const uncounted = new Set([...duplicates, ...quarantined]);
    for (const m of batch) {
      if (!uncounted.has(m.seq)) continue;
      d.messageCount--;
      d.roleCounts[m.role] = Math.max(0, (d.roleCounts[m.role] ?? 1) - 1);
    }
    d.quarantined = d.quarantined! + quarantined.length;
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
    return conversationSummary(this.data.messageCount, this.data.roleCounts);
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
        persistedThrough: d.persistedThrough!,
        quarantined: d.quarantined!,
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
