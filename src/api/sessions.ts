/**
 * Session operations (ContextKeeper): start or resume a session, add a message, hand off, read
 * the live context, end, and add or complete tasks — each within the caller's tenant. Messages are
 * data: written straight to the database (group commit, seq numbered there); the lifecycle (start,
 * tasks, handoffs, end) is calls of the session workflow `session/<tenant>/<session>`. Another
 * tenant's session is not found.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { jsonValue, text } from '../contracts/limits';
import { sessionWorkflowId } from '../contracts/names';
import { ownerId } from '../contracts/memory';
import {
  addTaskInputSchema,
  completeTaskInputSchema,
  endInputSchema,
  handoffInputSchema,
  messageInputSchema,
  sessionStartSchema,
  type ContextSnapshot,
  type SessionContext,
  type SessionTask,
} from '../contracts/session';
import type { BrainOpsClient } from '../client/brainops-client';
import { memoryInput } from '../contracts/memory';
import { conversationFigures, type MemoryStore } from '../memory';
import type { SessionRef, SessionsClient } from '../client/sessions';
import { operation } from './operation';

const ref = { tenantId: ownerId, sessionId: ownerId };

export const sessionRefInput = z.strictObject(ref);
const { metadata: initialContext, ...startShape } = sessionStartSchema.shape;
/** A session's start: `initialContext` is kept as the session's metadata. */
export const sessionStartInput = z.strictObject({ ...startShape, initialContext });
export const messageInput = z.strictObject({ ...ref, ...messageInputSchema.shape });
const { reason: handoffReason, ...handoffShape } = handoffInputSchema.shape;
/** A handoff: why (`handoffReason`), to whom, the critical facts and what to do next. */
export const handoffInput = z.strictObject({ ...ref, ...handoffShape, handoffReason });
/** An end: the contract's `reason` (`completed`), or a `summary` of the session. */
export const endInput = z.strictObject({ ...ref, ...endInputSchema.shape, reason: text(200, 1).optional() });
export const addTaskInput = z.strictObject({ ...ref, ...addTaskInputSchema.shape });
export const completeTaskInput = z.strictObject({ ...ref, ...completeTaskInputSchema.shape });

/** Bytes a tool call's input or output may hold in work history (the caller summarises larger ones). */
export const TOOL_CALL_JSON_BYTES = 16 * 1024;

/**
 * A tool call an AI session made (e.g. a Claude Code hook's `PostToolUse`), for work history: the
 * agent, the tool, its input and (a summary of) its output, each at most {@link TOOL_CALL_JSON_BYTES}.
 * `callId` (the tool's call id) makes a resend harmless.
 */
export const toolCallInput = z.strictObject({
  ...ref,
  agentId: ownerId,
  tool: text(200, 1),
  callId: text(200, 1).optional(),
  input: jsonValue(TOOL_CALL_JSON_BYTES).optional(),
  output: jsonValue(TOOL_CALL_JSON_BYTES).optional(),
  success: z.boolean().default(true),
  error: text(2000).optional(),
  durationMs: z.number().int().min(0).max(86_400_000).default(0),
});

/**
 * The live context with its conversation as the database has it (messages are data: the workflow
 * does not see them): count, summary, latest messages; and the last activity.
 */
async function withConversation(store: MemoryStore, context: SessionContext) {
  const stored = await store.sessions.conversation({
    tenantId: context.tenantId,
    sessionId: context.sessionId,
    recent: 50,
  });
  if (!stored) return { context, lastActivity: undefined };
  const figures = conversationFigures(stored);
  return {
    context: {
      ...context,
      conversation: {
        ...context.conversation,
        messageCount: figures.messageCount,
        summary: figures.conversationSummary,
        recentMessages: figures.recentMessages,
        persistedThrough: Math.max(context.conversation.persistedThrough, figures.recentMessages.at(-1)?.seq ?? 0),
      },
    },
    lastActivity: stored.lastActivityAt,
  };
}

/** A session as the API answers it: its state from the live context, its counts from the database. */
async function sessionSummary(store: MemoryStore, live: SessionContext, workflowId: string) {
  const { context, lastActivity } = await withConversation(store, live);
  // A session queried the moment it starts has not read its row yet: it starts now.
  const startedAt = context.startedAt || new Date().toISOString();
  return {
    success: true as const,
    sessionId: context.sessionId,
    tenantId: context.tenantId,
    userId: context.userId ?? null,
    status: context.status,
    startTime: startedAt,
    lastActivity: context.conversation.recentMessages.at(-1)?.createdAt ?? lastActivity ?? startedAt,
    messageCount: context.conversation.messageCount,
    taskCount: context.tasks.pending.length + context.tasks.completed.length,
    activeAgents: context.agents.active,
    workflowId,
  };
}

/** A pending task as a snapshot lists it: its id and what it is about, with the rest of the task. */
function snapshotTask(task: SessionTask) {
  return { id: task.taskId, description: task.description ?? task.title, ...task };
}

/** A snapshot as the API answers it (pending tasks by `id` and `description`). */
function snapshotAnswer(snapshot: ContextSnapshot) {
  return { ...snapshot, pendingTasks: snapshot.pendingTasks.map(snapshotTask) };
}

/** The session's working memory (its `session`-layer entries, by key) and its long-term references (keys). */
async function sessionMemory(store: MemoryStore, ref: SessionRef) {
  const of = (layer: 'session' | 'long_term' | 'permanent') =>
    store.entries.list(memoryInput.list({ ...ref, layer, limit: 100 }));
  const [working, longTerm, permanent] = await Promise.all([of('session'), of('long_term'), of('permanent')]);
  return {
    workingMemory: Object.fromEntries(working.map((e) => [e.key, e.value])),
    longTermRefs: [...longTerm, ...permanent].map((e) => e.key),
  };
}

/**
 * A `run` over one session: the input split into the session it names (`ref`) and the rest, with
 * the sessions client opened.
 */
function inSessionOf(client: () => Promise<BrainOpsClient>) {
  return <T extends { tenantId: string; sessionId: string }, R>(
      work: (sessions: SessionsClient, ref: SessionRef, rest: Omit<T, 'tenantId' | 'sessionId'>) => Promise<R>,
    ) =>
    async (_caller: unknown, { tenantId, sessionId, ...rest }: T): Promise<R> =>
      work((await client()).sessions, { tenantId, sessionId }, rest);
}

/** The session operations over the Temporal client (and the memory store, for a session's memory). */
export function sessionOperations(client: () => Promise<BrainOpsClient>, store: () => Promise<MemoryStore>) {
  const sessions = async () => (await client()).sessions;
  const inSession = inSessionOf(client);
  return {
    start: operation({
      name: 'session.start',
      summary: 'Start (or reuse) a session',
      subject: 'session',
      what: 'starting a session',
      input: sessionStartInput,
      access: 'writer',
      run: async (_caller, { initialContext, ...start }) => {
        const { workflowId, context } = await (await sessions()).startReady({ ...start, metadata: initialContext });
        return sessionSummary(await store(), context, workflowId);
      },
    }),

    resume: operation({
      name: 'session.resume',
      summary: 'Resume a session (running, or ended: it continues)',
      subject: 'session',
      what: 'resuming a session',
      input: sessionRefInput,
      access: 'writer',
      /** @throws not found when the tenant never started it. */
      run: async (_caller, ref) => {
        const s = await sessions();
        const previous = await s.context(ref);
        const { workflowId, context } = await s.startReady({ ...ref, userId: previous.userId });
        return sessionSummary(await store(), context, workflowId);
      },
    }),

    message: operation({
      name: 'session.message',
      summary: 'Add a message (answered once the database stored it)',
      subject: 'message',
      what: 'adding a message',
      input: messageInput,
      access: 'writer',
      /**
       * Written straight to the database (group-committed with the session's concurrent
       * messages): the seq the database numbered it with, its id (the caller's, or a new one) and
       * `stored`, `duplicate` (a resend of a stored id: the original seq) or `quarantined`.
       * @throws not found when the tenant has no such session; conflict when it has ended;
       *   rate limited / unavailable when too many messages wait to be stored.
       */
      run: async (_caller, { tenantId, sessionId, ...message }) => ({
        success: true as const,
        sessionId,
        ...(await (
          await store()
        ).sessions.appendMessage({
          tenantId,
          sessionId,
          message: { ...message, messageId: message.messageId ?? `api-${randomUUID()}` },
        })),
      }),
    }),

    handoff: operation({
      name: 'session.handoff',
      summary: 'Hand the session to another agent',
      subject: 'handoff',
      what: 'handing a session off',
      input: handoffInput,
      access: 'writer',
      run: inSession(async (s, ref, { handoffReason, ...rest }) => {
        const result = await s.handoff(ref, { ...rest, reason: handoffReason });
        return {
          success: true as const,
          ...result,
          // The contract always names who handed off: null when the session had no agent yet.
          fromAgent: result.fromAgent ?? null,
          contextSnapshot: snapshotAnswer(result.contextSnapshot),
        };
      }),
    }),

    end: operation({
      name: 'session.end',
      summary: 'End a session',
      subject: 'end request',
      what: 'ending a session',
      input: endInput,
      access: 'writer',
      // The contract's `reason` (why the session ended) is the final snapshot's summary when none is given.
      run: inSession(async (s, ref, { reason, summary }) => ({
        success: true as const,
        sessionId: ref.sessionId,
        snapshot: snapshotAnswer(await s.end(ref, { summary: summary ?? (reason && `ended: ${reason}`) })),
      })),
    }),

    context: operation({
      name: 'session.context',
      summary: 'The live context of a session',
      subject: 'session',
      what: 'reading a session',
      input: sessionRefInput,
      access: 'reader',
      run: async (_caller, ref) => {
        const db = await store();
        const [{ context }, memory] = await Promise.all([
          withConversation(db, await (await sessions()).context(ref)),
          sessionMemory(db, ref),
        ]);
        const { current = null, previous = null } = context.agents;
        return {
          success: true as const,
          context: {
            ...context,
            agents: { ...context.agents, current, previous },
            memory: { ...context.memory, ...memory },
          },
        };
      },
    }),

    addTask: operation({
      name: 'session.task.add',
      summary: 'Add a task to a session',
      subject: 'task',
      what: 'adding a task',
      input: addTaskInput,
      access: 'writer',
      run: inSession(async (s, ref, rest) => ({ success: true as const, task: await s.addTask(ref, rest) })),
    }),

    toolCall: operation({
      name: 'session.tool_call',
      summary: 'Record a tool call of the session in work history',
      subject: 'tool call',
      what: 'recording a tool call',
      input: toolCallInput,
      access: 'writer',
      /**
       * One work-history row (redacted by the store) under the session's workflow id, keyed by
       * `callId` (a new id without one): a resend of the same call adds nothing. Answered once stored.
       */
      run: async (_caller, { tenantId, sessionId, callId = `api-${randomUUID()}`, ...call }) => {
        const at = new Date();
        await (
          await store()
        ).workHistory.record({
          agentId: call.agentId,
          action: call.tool,
          input: call.input ?? null,
          output: call.output ?? null,
          success: call.success,
          error: call.error,
          durationMs: call.durationMs,
          workflowId: sessionWorkflowId(tenantId, sessionId),
          runId: 'tool-call',
          activityId: callId,
          attempt: 1,
          tenantId,
          sessionId,
          startedAt: new Date(at.getTime() - call.durationMs).toISOString(),
          finishedAt: at.toISOString(),
        });
        return { success: true as const, sessionId, callId };
      },
    }),

    completeTask: operation({
      name: 'session.task.complete',
      summary: 'Complete (or cancel) a task',
      subject: 'task completion',
      what: 'completing a task',
      input: completeTaskInput,
      access: 'writer',
      run: inSession(async (s, ref, rest) => ({ success: true as const, task: await s.completeTask(ref, rest) })),
    }),
  };
}
