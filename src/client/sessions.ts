/**
 * Session workflows from the client side, for callers that have already checked their input (the
 * API's operations, `BrainOpsClient` after parsing): start or resume, tasks, handoffs, the context
 * query and the end. Messages are data: the API writes them to the database itself; a Temporal-only
 * caller may still send one to the workflow (signal-with-start, or the `sendMessage` update), which
 * stores it through the same statement. Every workflow has the readable id `session/<tenant>/<session>`.
 */
import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { z } from 'zod';
import type { BrainOpsConfig } from '../../temporal.config';
import { SEARCH_ATTRIBUTES, sessionWorkflowId } from '../contracts/names';
import type {
  addTaskInputSchema,
  completeTaskInputSchema,
  ContextSnapshot,
  endInputSchema,
  handoffInputSchema,
  HandoffResult,
  messageInputSchema,
  SendMessageResult,
  SessionContext,
  sessionStartSchema,
  SessionTask,
} from '../contracts/session';
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
import { sessionWorkflow } from '../workflows';

/** Identifies a session: tenant and session id. */
export interface SessionRef {
  tenantId: string;
  sessionId: string;
}

type Start = z.output<typeof sessionStartSchema>;

export class SessionsClient {
  constructor(
    private readonly temporal: Client,
    private readonly config: BrainOpsConfig,
  ) {}

  private handle(ref: SessionRef): WorkflowHandle<typeof sessionWorkflow> {
    return this.temporal.workflow.getHandle(sessionWorkflowId(ref.tenantId, ref.sessionId));
  }

  private startOptions(start: Start) {
    return {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: sessionWorkflowId(start.tenantId, start.sessionId),
      args: [
        {
          ...start,
          flushIntervalMs: this.config.sessionFlushIntervalMs,
          inactivityTimeoutMs: this.config.sessionInactivityTimeoutMs,
        },
      ] as [Parameters<typeof sessionWorkflow>[0]],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.agent, value: 'ContextKeeper' },
        { key: SEARCH_ATTRIBUTES.session, value: start.sessionId },
        { key: SEARCH_ATTRIBUTES.tenant, value: start.tenantId },
      ],
      memo: { title: start.title ?? `session ${start.sessionId}`, tenant: start.tenantId, user: start.userId ?? null },
    };
  }

  /** Starts a session, or reuses the running one (an ended one continues with its numbering and open tasks). */
  async start(start: Start): Promise<{ workflowId: string; runId: string }> {
    const handle = await this.temporal.workflow.start(sessionWorkflow, {
      ...this.startOptions(start),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  }

  /**
   * Starts a session (or reuses the running one) and answers its live context once its row is
   * open in the database: one update-with-start call (Temporal "Update-With-Start"), answered by
   * the run's first workflow task. A run started before the `ready` update existed answers the
   * query instead.
   */
  async startReady(start: Start): Promise<{ workflowId: string; runId: string; context: SessionContext }> {
    const operation = new WithStartWorkflowOperation(sessionWorkflow, {
      ...this.startOptions(start),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    let context: SessionContext;
    try {
      context = await this.temporal.workflow.executeUpdateWithStart(readyUpdate, { startWorkflowOperation: operation });
    } catch (error) {
      if (!/No registered handler/i.test(String((error as { cause?: unknown }).cause ?? error))) throw error;
      context = await this.context(start);
    }
    // The SDK makes this handle with the start's run id as `firstExecutionRunId`; its type omits it.
    const handle = (await operation.workflowHandle()) as WorkflowHandle & { firstExecutionRunId?: string };
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId ?? '', context };
  }

  /** Appends a message by signal-with-start: a message to an unknown or ended session starts it. */
  async addMessage(start: Start, message: z.output<typeof messageInputSchema>): Promise<void> {
    await this.temporal.workflow.signalWithStart(sessionWorkflow, {
      ...this.startOptions(start),
      signal: addMessageSignal,
      signalArgs: [message],
    });
  }

  /**
   * Appends a message to a running session and waits for its seq and whether it was stored, a
   * resend (`duplicate`) or quarantined. A `messageId` is generated when absent.
   * @throws WorkflowUpdateFailedError when the session has ended; WorkflowNotFoundError when it is not running.
   */
  sendMessage(ref: SessionRef, message: z.output<typeof messageInputSchema>): Promise<SendMessageResult> {
    return this.handle(ref).executeUpdate(sendMessageUpdate, {
      args: [{ ...message, messageId: message.messageId ?? `client-${randomUUID()}` }],
    });
  }

  addTask(ref: SessionRef, task: z.output<typeof addTaskInputSchema>): Promise<SessionTask> {
    return this.handle(ref).executeUpdate(addTaskUpdate, {
      args: [{ ...task, taskId: task.taskId ?? `task-${randomUUID()}` }],
    });
  }

  completeTask(ref: SessionRef, input: z.output<typeof completeTaskInputSchema>): Promise<SessionTask> {
    return this.handle(ref).executeUpdate(completeTaskUpdate, { args: [input] });
  }

  /** Hands the session to another agent; returns the context snapshot the next agent needs. */
  handoff(ref: SessionRef, input: z.output<typeof handoffInputSchema>): Promise<HandoffResult> {
    return this.handle(ref).executeUpdate(handoffUpdate, { args: [input] });
  }

  /**
   * The live context once the session's row is open in the database (the `ready` update), so a
   * message sent after this answers is stored. A run started before that update existed answers
   * the query instead.
   */
  async ready(ref: SessionRef): Promise<SessionContext> {
    try {
      return await this.handle(ref).executeUpdate(readyUpdate);
    } catch (error) {
      if (/No registered handler/i.test(String((error as { cause?: unknown }).cause ?? error)))
        return this.context(ref);
      throw error;
    }
  }

  /** The live context of a running session (query). */
  context(ref: SessionRef): Promise<SessionContext> {
    return this.handle(ref).query(contextQuery);
  }

  /** Ends the session and returns its final snapshot. */
  end(ref: SessionRef, input: z.output<typeof endInputSchema>): Promise<ContextSnapshot> {
    return this.handle(ref).executeUpdate(endUpdate, { args: [input] });
  }
}
