/**
 * ContextKeeper's session workflow: one long-running workflow per session (id
 * `session/<tenant>/<session>`). Messages arrive as signals, are ordered by arrival and persisted
 * in batches; tasks, handoffs and the end are updates; the live context is a query. The run
 * continues as new before its history nears Temporal's limits (10,000 signals and 51,200 events
 * per run), carrying only plain JSON — including messages not yet persisted, so none is lost.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import {
  addTaskInputSchema,
  completeTaskInputSchema,
  endInputSchema,
  handoffInputSchema,
  messageInputSchema,
  type ContextSnapshot,
  type HandoffResult,
  type SessionStart,
  type SessionTask,
} from '../contracts/session';
import {
  addMessageSignal,
  addTaskUpdate,
  completeTaskUpdate,
  contextQuery,
  endUpdate,
  handoffUpdate,
} from '../contracts/session-messages';
import { SessionState, type CarriedSessionState } from './session-state';

const acts = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
});

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
  /** Set only by continue-as-new. */
  carried?: CarriedSessionState;
}

function nowIso(): string {
  return new Date().toISOString();
}

function invalid(error: { issues: { path: PropertyKey[]; message: string }[] }, what: string): ApplicationFailure {
  const detail = error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
  return ApplicationFailure.nonRetryable(`Invalid ${what}: ${detail}`, 'ValidationError');
}

/** One session: ordered, never lost, never duplicated messages; tasks; handoffs; end. */
export async function sessionWorkflow(input: SessionWorkflowInput): Promise<ContextSnapshot> {
  const {
    carried,
    flushIntervalMs = 200,
    maxBatch = 500,
    maxSignalsPerRun = 4000,
    maxHistoryEvents = 2000,
    ...start
  } = input;
  const key = { tenantId: start.tenantId, sessionId: start.sessionId };
  const state = new SessionState(start, carried);
  let signalsThisRun = 0;
  let opened = Boolean(carried);
  let endRequest: { summary?: string } | undefined;
  let finalSnapshot: ContextSnapshot | undefined;

  setHandler(addMessageSignal, (message) => {
    signalsThisRun++;
    const parsed = messageInputSchema.safeParse(message);
    if (!parsed.success) {
      // A signal cannot be refused; a bad one is dropped with a warning rather than failing the run.
      log.warn('dropped invalid session message', { error: parsed.error.message });
      return;
    }
    state.addMessage(parsed.data, nowIso());
  });

  setHandler(contextQuery, () => state.context(Date.now()));

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
      const timestamp = nowIso();
      const result: HandoffResult = {
        handoffId: `handoff-${uuid4()}`,
        sessionId: start.sessionId,
        fromAgent: state.data.currentAgent,
        toAgent: request.toAgent,
        timestamp,
        contextSnapshot: {
          ...state.snapshot(timestamp, request.continuationInstructions),
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
    state.applyOpened(await acts.openSession({ ...start, workflowId: workflowInfo().workflowId }));
    opened = true;
  }

  /**
   * Persists the messages pending now, in batches. Messages that arrive meanwhile wait for the
   * next round, so steady traffic cannot keep the loop from its continue-as-new and end checks.
   */
  const flush = async () => {
    let remaining = state.data.pending.length;
    while (remaining > 0) {
      const batch = state.takePending(Math.min(maxBatch, remaining));
      remaining -= batch.length;
      try {
        await acts.persistSessionMessages({ ...key, messages: batch });
      } catch (error) {
        state.restorePending(batch);
        throw error;
      }
    }
  };
  const shouldContinueAsNew = () =>
    signalsThisRun >= maxSignalsPerRun ||
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().historyLength >= maxHistoryEvents;

  for (;;) {
    await condition(() => state.data.pending.length > 0 || endRequest !== undefined || shouldContinueAsNew());
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
      await acts.saveSessionSnapshot({ ...key, snapshot: state.snapshot(nowIso()) });
      // An end request may arrive while we wait; it wins over continuing as new.
      await condition(() => allHandlersFinished() || endRequest !== undefined);
      // Nothing awaits between this check and continueAsNew, so no update can slip in between.
      if (endRequest) continue;
      state.data.continuedAsNew++;
      log.info('session continues as new', { signalsThisRun, historyLength: workflowInfo().historyLength });
      // Messages signalled during this last activation travel in `carried.pending`; none is lost.
      await continueAsNew<typeof sessionWorkflow>({ ...input, carried: state.data });
    }
  }

  await flush();
  const snapshot = state.snapshot(nowIso(), endRequest.summary);
  await acts.endSession({ ...key, snapshot });
  state.status = 'ended';
  finalSnapshot = snapshot;
  // Messages that raced the end are persisted too; the check right before returning sees any
  // signal delivered with the last activity's completion.
  do {
    await condition(allHandlersFinished);
    await flush();
  } while (state.data.pending.length > 0);
  return snapshot;
}
