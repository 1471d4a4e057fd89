/**
 * The shapes a session workflow accepts and returns (the session API of the HTTP routes `/memory/session/*`), with the zod
 * schemas that the client, the CLI and the workflow's update validators share.
 */
import { z } from 'zod';
import { ownerId } from './memory';
import { LIMITS, jsonObject, jsonValue, text } from './limits';

/** A message as the session workflow persists it; `seq` orders a session's messages from 1. */
export interface SessionMessage {
  seq: number;
  role: 'user' | 'assistant' | 'system' | 'agent' | 'tool';
  content: string;
  agentId?: string;
  metadata?: Record<string, unknown>;
  /**
   * The message's idempotency key, unique in the session: the caller's `messageId`, or one the
   * workflow derived when it first received the message (`wf:<chain>/<run>/<n>`).
   */
  messageId?: string;
  /** Set on a copy kept in the recent messages when its content or metadata was cut to bound the workflow's state. */
  truncated?: boolean;
  /** ISO-8601 time the workflow accepted the message. */
  createdAt: string;
}

/** A session task. `createdAt`/`completedAt` are ISO-8601. */
export interface SessionTask {
  taskId: string;
  title: string;
  description?: string;
  status: 'open' | 'done' | 'cancelled';
  priority: 'critical' | 'high' | 'medium' | 'low';
  assignedTo?: string;
  result?: unknown;
  createdAt: string;
  completedAt?: string;
}

export const MESSAGE_ROLES = Object.freeze(['user', 'assistant', 'system', 'agent', 'tool'] as const);

/** Payload of the `addMessage` signal. `messageId` lets a caller retry without duplicating. */
export const messageInputSchema = z.object({
  role: z.enum(MESSAGE_ROLES),
  content: text(LIMITS.messageContentChars, 1),
  agentId: ownerId.optional(),
  metadata: jsonObject(LIMITS.metadataBytes).optional(),
  messageId: text(LIMITS.messageIdChars, 1).optional(),
});
export type MessageInput = z.input<typeof messageInputSchema>;

export const sessionStartSchema = z.object({
  tenantId: ownerId,
  sessionId: ownerId,
  userId: ownerId.optional(),
  agentId: ownerId.optional(),
  title: text(500).optional(),
  metadata: jsonObject(LIMITS.metadataBytes).optional(),
});
export type SessionStart = z.input<typeof sessionStartSchema>;

export const addTaskInputSchema = z.object({
  /** Chosen by the caller to make the update idempotent; generated when absent. */
  taskId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'expected 1-128 letters, digits or ._:-')
    .optional(),
  title: text(500, 1),
  description: text(10_000).optional(),
  priority: z.enum(['critical', 'high', 'medium', 'low']).default('medium'),
  assignedTo: ownerId.optional(),
});
export type AddTaskInput = z.input<typeof addTaskInputSchema>;

export const completeTaskInputSchema = z.object({
  taskId: text(200, 1),
  status: z.enum(['done', 'cancelled']).default('done'),
  result: jsonValue(LIMITS.metadataBytes).optional(),
});
export type CompleteTaskInput = z.input<typeof completeTaskInputSchema>;

export const handoffInputSchema = z.object({
  toAgent: ownerId,
  reason: text(2000, 1),
  criticalInfo: jsonObject(LIMITS.metadataBytes).default({}),
  continuationInstructions: text(10_000).optional(),
});
export type HandoffInput = z.input<typeof handoffInputSchema>;

export const endInputSchema = z.object({ summary: text(10_000).optional() });
export type EndInput = z.input<typeof endInputSchema>;

/** What a new agent needs to continue a conversation (`context_snapshot` in the session API). */
export interface ContextSnapshot {
  conversationSummary: string;
  criticalFacts: Record<string, unknown>;
  pendingTasks: SessionTask[];
  continuationInstructions?: string;
  recentMessages: SessionMessage[];
  messageCount: number;
  currentAgent?: string;
  /** ISO-8601. */
  takenAt: string;
}

/** Result of the `handoff` update (the response of POST /memory/session/handoff). */
export interface HandoffResult {
  handoffId: string;
  sessionId: string;
  fromAgent?: string;
  toAgent: string;
  /** ISO-8601. */
  timestamp: string;
  contextSnapshot: ContextSnapshot;
}

/** Result of the `context` query (the response of GET /memory/session/context). */
export interface SessionContext {
  tenantId: string;
  sessionId: string;
  userId?: string;
  title?: string;
  status: 'active' | 'ending' | 'ended';
  startedAt: string;
  durationSeconds: number;
  conversation: {
    messageCount: number;
    /** Highest seq up to which every message is confirmed by the database (stored, or quarantined). */
    persistedThrough: number;
    /** Messages quarantined (dead letters in `quarantined_messages`) since the session started. */
    quarantined: number;
    recentMessages: SessionMessage[];
    summary: string;
  };
  agents: { current?: string; previous?: string; active: string[]; handoffCount: number };
  tasks: { pending: SessionTask[]; completed: SessionTask[]; completionRate: number | null };
  memory: { criticalFacts: Record<string, unknown> };
  lastHandoff?: Omit<HandoffResult, 'contextSnapshot'>;
  run: { continuedAsNew: number };
}

/** What a (re)started session workflow needs to continue where the session left off. */
export interface OpenedSession {
  nextSeq: number;
  messageCount: number;
  /** Stored messages per role. */
  roleCounts: Record<string, number>;
  openTasks: SessionTask[];
  lastSnapshot: unknown;
  startedAt: string;
  resumed: boolean;
}

/** A dead-letter row: a session message that could not be stored. */
export interface QuarantinedMessage {
  /** Unique per session: a retried write adds no second row. */
  quarantineKey: string;
  seq?: number;
  messageId?: string;
  /** Bounded, escaped text of what arrived. */
  payload: string;
  reason: string;
  source: 'validation' | 'database';
}

/** Result of the `persistSessionMessages` activity. */
export interface PersistMessagesResult {
  inserted: number;
  /** Resends of a key already stored under another seq: no row added. */
  duplicates?: number[];
  /** Messages PostgreSQL refused: quarantined, with the reason. */
  quarantined?: { seq: number; reason: string }[];
}

/** Result of the `sendMessage` update: what happened to the message, confirmed by the database. */
export interface SendMessageResult {
  seq: number;
  messageId: string;
  status: 'stored' | 'duplicate' | 'quarantined';
  reason?: string;
}
