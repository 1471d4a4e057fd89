/**
 * ContextKeeper's session workflow: one long-running workflow per session (id
 * `session/<tenant>/<session>`). It owns the lifecycle: the start, tasks, handoffs with their
 * snapshot, the end (by request or after inactivity). Messages are data (patch
 * {@link MESSAGES_AS_DATA_PATCH}): the API writes them to the database, and the run reads the
 * conversation from there when it needs it; runs from before the patch received messages as
 * signals, ordered them by arrival and persisted them in batches. Tasks, handoffs and the end are
 * updates; the live context is a query. The run
 * continues as new before its history nears Temporal's limits (10,000 signals and 51,200 events
 * per run), carrying only plain JSON — including messages not yet persisted, so none is lost.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import {
  addTaskInputSchema,
  completeTaskInputSchema,
  endInputSchema,
  handoffInputSchema,
  messageInputSchema,
  type ContextSnapshot,
  type HandoffResult,
  type MessageInput,
  type SendMessageResult,
  type SessionMessage,
  type SessionStart,
  type SessionTask,
} from '../contracts/session';
import { boundedPreview, storableExcerpt } from '../contracts/limits';
import {
  addMessageSignal,
  addTaskUpdate,
  completeTaskUpdate,
  contextQuery,
  endUpdate,
  handoffUpdate,
  readyUpdate,
  sendMessageUpdate,
} from '../contracts/session-messages';
import { conversationSummary } from '../domain/conversation-summary';
import { acts, invalid, issuesText, localActs, MessageInbox, persistActs } from './session-activities';
import { SessionState, type CarriedSessionState } from './session-state';

/**
 * Patch of the hardened session (Temporal "Patching"): messages that fail validation are
 * quarantined (an activity, a memo), batches and carried state are bounded in bytes, the run
 * persists before it continues as new. Runs recorded before it keep the earlier behaviour.
 */
export const SESSION_HARDENING_PATCH = 'session-hardening-1';
/**
 * Patch of messages as data: the API writes a message straight to the database, so the run no
 * longer receives one event per message; a message an older client still sends to it (signal or
 * update) is stored by an activity through the same statement, keyed by its message id. The run
 * reads the conversation from the database for snapshots, handoffs and the end, and ends itself
 * after the inactivity timeout. Runs recorded before it keep numbering and persisting themselves.
 */
export const MESSAGES_AS_DATA_PATCH = 'messages-as-data';
/**
 * Patch of the quick open: the run opens its row with a local activity (Temporal "Local
 * Activities": run by the worker inside the workflow task), so a start and its `ready` update
 * are answered by the first workflow task instead of waiting for an activity task and a second
 * workflow task. Runs recorded before it opened with a regular activity, and replay so.
 */
export const OPEN_LOCALLY_PATCH = 'session-open-local';
/**
 * Patch of the quick end: the end's one statement (mark ended, count, store the final snapshot)
 * runs as a local activity, so the `end` update is answered by the workflow task that received
 * it. Runs recorded before it ended with a regular activity, and replay so.
 */
export const END_LOCALLY_PATCH = 'session-end-local';
/** UTF-8 JSON bytes of messages per persistence activity (Temporal's payload limit is 2 MB). */
const BATCH_BYTES = 1024 * 1024;
/** UTF-8 JSON bytes of unpersisted messages a run may carry into continue-as-new. */
const CARRY_BYTES = 256 * 1024;
/** History size at which a run continues as new (Temporal warns at 10 MB and stops at 50 MB). */
const MAX_HISTORY_BYTES = 8 * 1024 * 1024;
/** Characters of a quarantined message kept in its dead letter. */
const QUARANTINE_PREVIEW_CHARS = 4096;

/** Input of {@link sessionWorkflow}. */
export interface SessionWorkflowInput extends SessionStart {
  /** ms a burst of messages is given to gather before one batch is persisted. @defaultValue 200 */
  flushIntervalMs?: number;
  /** Messages per persistence activity. @defaultValue 500 */
  maxBatch?: number;
  /** Signals accepted by one run before it continues as new. @defaultValue 4000 */
  maxSignalsPerRun?: number;
  /** History events of one run before it continues as new; small, because a continue-as-new that races a signal replays the whole run. @defaultValue 2000 */
  maxHistoryEvents?: number;
  /** ms without a message, task or handoff after which the session ends itself; 0: never. @defaultValue 0 */
  inactivityTimeoutMs?: number;
  /** Set only by continue-as-new. */
  carried?: CarriedSessionState;
}

function nowIso(): string {
  return new Date().toISOString();
}

/** One session: ordered, never lost, never duplicated messages; tasks; handoffs; end. */
export async function sessionWorkflow(input: SessionWorkflowInput): Promise<ContextSnapshot> {
  const {
    carried,
    flushIntervalMs = 200,
    maxBatch = 500,
    maxSignalsPerRun = 4000,
    maxHistoryEvents = 2000,
    inactivityTimeoutMs = 0,
    ...start
  } = input;
  const hardened = patched(SESSION_HARDENING_PATCH);
  const asData = patched(MESSAGES_AS_DATA_PATCH);
  const key = { tenantId: start.tenantId, sessionId: start.sessionId };
  const state = new SessionState(start, carried);
  let signalsThisRun = 0;
  let opened = Boolean(carried);
  let endRequest: { summary?: string } | undefined;
  let finalSnapshot: ContextSnapshot | undefined;
  let memoQuarantined = state.data.quarantined ?? 0;
  /** Outcome of each message persisted by this run (for `sendMessage`), by seq. */
  const outcomes = new Map<number, { status: SendMessageResult['status']; reason?: string }>();
  // A key for a message the caller gave none: the chain (its first run id survives continue-as-new
  // and reset), the run in the chain and the arrival order in the run — the same on replay and
  // after a reset, which re-delivers the same signals in the same order.
  // Updates count apart (`u<n>`): a reset need not re-deliver them, and must not shift the signals.
  const derivedKey = (n: number | string) =>
    `wf:${workflowInfo().firstExecutionRunId}/${state.data.continuedAsNew}/${n}`;
  let updatesThisRun = 0;

  /** Accepts a message that passed validation; false for a resend of a remembered `messageId`. */
  const accept = (message: MessageInput, n: number | string): SessionMessage | false =>
    state.addMessage(message, nowIso(), derivedKey(n));

  const inbox = new MessageInbox(key, () => opened, maxBatch);
  /** Stores a message an older client sent to the run (messages as data), keyed by its id or the derived key. */
  const store = async (raw: MessageInput, n: number | string): Promise<SendMessageResult> => {
    const message = { ...raw, messageId: raw.messageId ?? derivedKey(n) };
    const result = await inbox.store(message);
    state.recordStored(message, result, nowIso());
    return result;
  };

  /** The conversation as stored (messages as data), as a snapshot's fields. */
  const conversation = async () => {
    const c = await acts.readSessionConversation(key);
    const count = c?.messageCount ?? 0;
    return {
      messageCount: count,
      conversationSummary: conversationSummary(count, c?.roleCounts ?? {}),
      recentMessages: c?.recentMessages ?? [],
    };
  };
  /** A snapshot of the session now: from the run's state, and (messages as data) the stored conversation. */
  const snapshotNow = async (continuationInstructions?: string): Promise<ContextSnapshot> => {
    const snapshot = state.snapshot(nowIso(), continuationInstructions);
    return asData ? { ...snapshot, ...(await conversation()) } : snapshot;
  };

  setHandler(addMessageSignal, (message): void | Promise<void> => {
    const n = ++signalsThisRun;
    const parsed = messageInputSchema.safeParse(message);
    if (!parsed.success) {
      // A signal cannot be refused: a bad one is quarantined (a dead letter and an error event)
      // and the run goes on. Runs from before the patch dropped it with a warning.
      if (!hardened) {
        log.warn('dropped invalid session message', { error: parsed.error.message });
        return;
      }
      const messageId = (message as { messageId?: unknown } | null)?.messageId;
      const reason = storableExcerpt(`Invalid message: ${issuesText(parsed.error, 'message')}`, 2000);
      log.warn('quarantined invalid session message', { reason });
      state.quarantine({
        quarantineKey: `signal:${derivedKey(n)}`,
        messageId: typeof messageId === 'string' ? storableExcerpt(messageId, 200) : undefined,
        payload: boundedPreview(message, QUARANTINE_PREVIEW_CHARS),
        reason,
        source: 'validation',
      });
      return;
    }
    if (!asData) return void accept(parsed.data, n);
    // A signal cannot answer: a message not stored is logged (the activity quarantines what
    // PostgreSQL refuses itself). Awaited, so the run continues as new or ends only after it.
    return store(parsed.data, n).then(
      () => undefined,
      (error: unknown) => log.warn('session message not stored', { error: String(error) }),
    );
  });

  setHandler(
    sendMessageUpdate,
    async (raw): Promise<SendMessageResult> => {
      signalsThisRun++;
      const n = `u${++updatesThisRun}`;
      const message = messageInputSchema.parse(raw);
      if (asData) return store(message, n);
      const added = accept(message, n);
      if (!added) {
        const seq = state.seqOf(message.messageId!)!;
        return { seq, messageId: message.messageId!, status: 'duplicate' };
      }
      await condition(() => (state.data.persistedThrough ?? 0) >= added.seq);
      const outcome = outcomes.get(added.seq) ?? { status: 'stored' };
      outcomes.delete(added.seq);
      return { seq: added.seq, messageId: added.messageId!, ...outcome };
    },
    {
      validator: (raw) => {
        const parsed = messageInputSchema.safeParse(raw);
        if (!parsed.success) throw invalid(parsed.error, 'message');
        if (state.status !== 'active') throw ApplicationFailure.nonRetryable('session is ending', 'SessionEnded');
      },
    },
  );

  setHandler(contextQuery, () => state.context(Date.now()));
  setHandler(readyUpdate, async () => {
    await condition(() => opened);
    return state.context(Date.now());
  });

  setHandler(
    addTaskUpdate,
    async (raw) => {
      await condition(() => opened);
      const task = addTaskInputSchema.parse(raw);
      const existing = task.taskId ? state.findTask(task.taskId) : undefined;
      if (existing) return existing;
      const created: SessionTask = {
        taskId: task.taskId ?? `task-${uuid4()}`,
        title: task.title,
        description: task.description,
        priority: task.priority,
        assignedTo: task.assignedTo,
        status: 'open',
        createdAt: nowIso(),
      };
      state.upsertTask(created);
      await acts.persistSessionTask({ ...key, task: created });
      return created;
    },
    {
      validator: (raw) => {
        const parsed = addTaskInputSchema.safeParse(raw);
        if (!parsed.success) throw invalid(parsed.error, 'task');
        if (state.status !== 'active') throw ApplicationFailure.nonRetryable('session is ending', 'SessionEnded');
      },
    },
  );

  setHandler(
    completeTaskUpdate,
    async (raw) => {
      const request = completeTaskInputSchema.parse(raw);
      const task = state.findTask(request.taskId)!;
      if (task.status !== 'open') return task;
      const done: SessionTask = { ...task, status: request.status, result: request.result, completedAt: nowIso() };
      state.upsertTask(done);
      await acts.persistSessionTask({ ...key, task: done });
      return done;
    },
    {
      validator: (raw) => {
        const parsed = completeTaskInputSchema.safeParse(raw);
        if (!parsed.success) throw invalid(parsed.error, 'task completion');
        if (!state.findTask(parsed.data.taskId)) {
          throw ApplicationFailure.nonRetryable(`taskId: no task "${parsed.data.taskId}" in this session`, 'NotFound');
        }
      },
    },
  );

  setHandler(
    handoffUpdate,
    async (raw) => {
      await condition(() => opened);
      const request = handoffInputSchema.parse(raw);
      const stored = asData ? await conversation() : undefined;
      const timestamp = nowIso();
      const result: HandoffResult = {
        handoffId: `handoff-${uuid4()}`,
        sessionId: start.sessionId,
        fromAgent: state.data.currentAgent,
        toAgent: request.toAgent,
        timestamp,
        contextSnapshot: {
          ...state.snapshot(timestamp, request.continuationInstructions),
          ...stored,
          criticalFacts: { ...state.data.criticalFacts, ...request.criticalInfo },
        },
      };
      await acts.recordSessionHandoff({
        ...key,
        handoff: {
          handoffId: result.handoffId,
          fromAgent: result.fromAgent,
          toAgent: result.toAgent,
          reason: request.reason,
          criticalInfo: request.criticalInfo,
          continuationInstructions: request.continuationInstructions,
          contextSnapshot: result.contextSnapshot,
          createdAt: timestamp,
        },
      });
      state.recordHandoff(result, request.criticalInfo);
      upsertMemo({ currentAgent: request.toAgent });
      return result;
    },
    {
      validator: (raw) => {
        const parsed = handoffInputSchema.safeParse(raw);
        if (!parsed.success) throw invalid(parsed.error, 'handoff');
        if (state.status !== 'active') throw ApplicationFailure.nonRetryable('session is ending', 'SessionEnded');
      },
    },
  );

  setHandler(
    endUpdate,
    async (raw) => {
      endRequest ??= endInputSchema.parse(raw ?? {});
      if (state.status === 'active') state.status = 'ending';
      // Messages an older client sent before the end are stored (and counted) before it.
      await condition(() => inbox.empty);
      await condition(() => finalSnapshot !== undefined);
      return finalSnapshot!;
    },
    {
      validator: (raw) => {
        const parsed = endInputSchema.safeParse(raw ?? {});
        if (!parsed.success) throw invalid(parsed.error, 'end request');
      },
    },
  );

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.agent, value: 'ContextKeeper' },
    { key: SEARCH_ATTRIBUTES.session, value: start.sessionId },
    { key: SEARCH_ATTRIBUTES.tenant, value: start.tenantId },
  ]);

  if (!carried) {
    const open = {
      ...start,
      workflowId: workflowInfo().workflowId,
      chainId: workflowInfo().firstExecutionRunId,
    };
    state.applyOpened(await (patched(OPEN_LOCALLY_PATCH) ? localActs.openSession(open) : acts.openSession(open)));
    opened = true;
  }

  /**
   * Persists the messages pending now, in batches (bounded in count and, since the patch, in
   * bytes), and records pending dead letters. Messages that arrive meanwhile wait for the next
   * round, so steady traffic cannot keep the loop from its continue-as-new and end checks.
   */
  const flush = async () => {
    if (hardened && state.data.pendingQuarantine!.length > 0) {
      const items = state.takeQuarantine();
      try {
        await persistActs.quarantineSessionMessages({ ...key, workflowId: workflowInfo().workflowId, items });
      } catch (error) {
        state.data.pendingQuarantine!.unshift(...items);
        throw error;
      }
    }
    let remaining = state.data.pending.length;
    while (remaining > 0) {
      const batch = state.takePending(Math.min(maxBatch, remaining), hardened ? BATCH_BYTES : Infinity);
      remaining -= batch.length;
      let result;
      try {
        result = await persistActs.persistSessionMessages({
          ...key,
          ...(hardened ? { workflowId: workflowInfo().workflowId } : {}),
          messages: batch,
        });
      } catch (error) {
        state.restorePending(batch);
        throw error;
      }
      const duplicates = result?.duplicates ?? [];
      const quarantined = result?.quarantined ?? [];
      for (const seq of duplicates) outcomes.set(seq, { status: 'duplicate' });
      for (const q of quarantined) outcomes.set(q.seq, { status: 'quarantined', reason: q.reason });
      state.confirmPersisted(
        batch,
        duplicates,
        quarantined.map((q) => q.seq),
      );
    }
    if (hardened && state.data.quarantined !== memoQuarantined) {
      memoQuarantined = state.data.quarantined!;
      upsertMemo({ quarantinedMessages: memoQuarantined });
    }
  };
  const hasWork = () => state.data.pending.length > 0 || (hardened && state.data.pendingQuarantine!.length > 0);
  const shouldContinueAsNew = () =>
    signalsThisRun >= maxSignalsPerRun ||
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().historyLength >= maxHistoryEvents ||
    (hardened && workflowInfo().historySize >= MAX_HISTORY_BYTES);

  /** ms the run waits before checking the session's last activity (messages as data; 0: never). */
  let idleWaitMs = asData ? inactivityTimeoutMs : 0;
  for (;;) {
    const woken = () => hasWork() || endRequest !== undefined || shouldContinueAsNew();
    if (idleWaitMs > 0) {
      if (!(await condition(woken, idleWaitMs))) {
        // Messages do not wake the run: the database says when the session was last active.
        const last = (await acts.readSessionConversation(key))?.lastActivityAt;
        const idleMs = last ? Date.now() - Date.parse(last) : inactivityTimeoutMs;
        if (idleMs >= inactivityTimeoutMs) endRequest ??= { summary: 'ended after inactivity' };
        else idleWaitMs = inactivityTimeoutMs - idleMs;
        if (!endRequest) continue;
      } else idleWaitMs = inactivityTimeoutMs;
    } else await condition(woken);
    if (state.data.pending.length > 0 && state.data.pending.length < maxBatch && !endRequest) {
      // Let a burst gather so that one activity persists many messages. Under steady traffic every
      // signal wakes the workflow, and the age of the oldest pending message (workflow time) ends
      // the wait; the timer is for a burst followed by silence (short server timers can lag).
      const oldest = Date.parse(state.data.pending[0]!.createdAt);
      await condition(
        () =>
          state.data.pending.length >= maxBatch || endRequest !== undefined || Date.now() - oldest >= flushIntervalMs,
        flushIntervalMs,
      );
    }
    await flush();
    if (endRequest) break;
    if (shouldContinueAsNew()) {
      await acts.saveSessionSnapshot({ ...key, snapshot: await snapshotNow() });
      if (hardened) {
        // Persist what arrived meanwhile until what is left to carry is small: the carried state
        // stays bounded whatever the message sizes. `sendMessage` updates wait for persistence,
        // so pending messages are flushed here too, or they would never finish.
        for (;;) {
          await condition(() => allHandlersFinished() || endRequest !== undefined || state.data.pending.length > 0);
          if (endRequest) break;
          if (
            allHandlersFinished() &&
            state.pendingBytes() <= CARRY_BYTES &&
            state.data.pendingQuarantine!.length === 0
          )
            break;
          await flush();
        }
      } else {
        // An end request may arrive while we wait; it wins over continuing as new.
        await condition(() => allHandlersFinished() || endRequest !== undefined);
      }
      // Nothing awaits between this check and continueAsNew, so no update can slip in between.
      if (endRequest) continue;
      state.data.continuedAsNew++;
      log.info('session continues as new', { signalsThisRun, historyLength: workflowInfo().historyLength });
      // Messages signalled during this last activation travel in `carried.pending`; none is lost.
      await continueAsNew<typeof sessionWorkflow>({ ...input, carried: state.data });
    }
  }

  await flush();
  let snapshot = state.snapshot(nowIso(), endRequest.summary);
  if (asData) {
    if (state.status === 'active') state.status = 'ending';
    // Messages an older client sent before the end are stored (and counted) before it.
    await condition(() => inbox.empty);
    // Marked ended first, then counted: a message either committed before (and is counted) or is refused.
    snapshot = await (patched(END_LOCALLY_PATCH) ? localActs : acts).endSessionWithConversation({ ...key, snapshot });
  } else await acts.endSession({ ...key, snapshot });
  state.status = 'ended';
  finalSnapshot = snapshot;
  // Messages that raced the end are persisted too; the check right before returning sees any
  // signal delivered with the last activity's completion.
  if (hardened) {
    // `sendMessage` updates accepted just before the end wait for their messages to be persisted.
    do {
      await condition(() => allHandlersFinished() || hasWork());
      await flush();
    } while (hasWork() || !allHandlersFinished());
  } else {
    do {
      await condition(allHandlersFinished);
      await flush();
    } while (state.data.pending.length > 0);
  }
  return snapshot;
}
