/**
 * The typed TypeScript client API of BrainOps. Session and monitor operations are Temporal client
 * calls (start, signal-with-start, update, query); memory operations go straight to the memory
 * store, the low-latency path. Input is validated here, at the edge, with the same zod schemas
 * the workflows use; a bad field throws `ValidationError` before anything is sent.
 */
import { randomUUID } from 'node:crypto';
import { Client, WorkflowIdConflictPolicy, type Connection, type WorkflowHandle } from '@temporalio/client';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import { MemoryStore } from '../memory';
import { healthTargetNamesSchema, healthTargetSchema, type HealthTarget } from '../contracts/health';
import { SEARCH_ATTRIBUTES, sessionWorkflowId, SYSTEM_MONITOR_WORKFLOW_ID_PREFIX } from '../contracts/names';
import {
  addTaskInputSchema,
  completeTaskInputSchema,
  endInputSchema,
  handoffInputSchema,
  messageInputSchema,
  sessionStartSchema,
  type AddTaskInput,
  type CompleteTaskInput,
  type ContextSnapshot,
  type EndInput,
  type HandoffInput,
  type HandoffResult,
  type MessageInput,
  type SendMessageResult,
  type SessionContext,
  type SessionStart,
  type SessionTask,
} from '../contracts/session';
import { parseInput } from '../contracts/validate';
import { ValidationError } from '../contracts/errors';
import { sessionWorkflow, systemMonitorWorkflow } from '../workflows';
import {
  addMessageSignal,
  addTaskUpdate,
  completeTaskUpdate,
  contextQuery,
  endUpdate,
  handoffUpdate,
  sendMessageUpdate,
} from '../contracts/session-messages';
import type { SystemMonitorResult } from '../workflows/system-monitor';
import { buildBrief, type SessionBrief } from './brief';
import { startErrorLearning } from '../activities/error-learning-start';
import { errorSignature, normaliseMessage } from '../domain/error-signature';
import { errorLearningWorkflowId } from '../domain/signature-hash';
import { validateRemediation } from '../contracts/remediation';
import type { Solution } from '../memory';
import { resolveSignal } from '../contracts/error-learning-messages';
import { z } from 'zod';
import { LIMITS, jsonObject, text } from '../contracts/limits';
import { ownerId } from '../contracts/memory';

export const reportErrorSchema = z
  .object({
    errorType: text(200, 1).default('Error'),
    message: text(10_000, 1),
    source: text(200, 1),
    stack: text(50_000).optional(),
    context: jsonObject(LIMITS.metadataBytes).default({}),
    /**
     * The Temporal workflow the error came from, if any: a `workflow-reset` remediation resets it —
     * only when it is a workflow of this worker's task queue.
     */
    workflowId: text(1000, 1).optional(),
    /** The tenant whose error this is: its errors list and brief show it, no other tenant's. */
    tenantId: ownerId.optional(),
  })
  .refine(
    (e) =>
      e.tenantId === undefined ||
      e.workflowId === undefined ||
      e.workflowId.startsWith(sessionWorkflowId(e.tenantId, '')),
    {
      // A tenant's report names a workflow for a fix to reset: only that tenant's own sessions qualify.
      message: "a tenant's error may only name that tenant's session workflows (session/<tenant>/…)",
      path: ['workflowId'],
    },
  );
/** An error reported by a service outside the worker. */
export type ReportErrorInput = z.input<typeof reportErrorSchema>;

export const addSolutionSchema = z.object({
  problemSignature: text(2000, 1),
  description: text(5000, 1),
  action: text(200, 1),
  params: jsonObject(LIMITS.metadataBytes).default({}),
  /** An error message the fix is for: similar messages find it by full-text (normalised before storing). */
  exampleMessage: text(10_000, 1).optional(),
});
export type AddSolutionInput = z.input<typeof addSolutionSchema>;
import { applySchedules, listSchedules } from './schedules';
import { runLearningCycle, type LearningRunInput } from './learning';
import { runGuardian, runRestoreCheck, type GuardianRunInput, type RestoreCheckInput } from './database-guardian';
import { selectAgent, type Selection, type SelectionInput } from '../activities/select-agent';
import { connectClient } from './connection';
import { openMemoryStore } from './memory';
import { DeploymentsClient } from './deployments';
import { ProceduresClient } from './procedures';
import type { Guidance, GuidanceInput, GuidanceOutcome } from '../contracts/guidance';

/** Identifies a session: tenant and session id. */
export interface SessionRef {
  tenantId: string;
  sessionId: string;
}

const sessionRefSchema = sessionStartSchema.pick({ tenantId: true, sessionId: true });

export class BrainOpsClient {
  private memoryStore: Promise<MemoryStore> | undefined;
  /** DeploymentManager: start, status, approve, reject, cancel, rollback, history. */
  readonly deployments: DeploymentsClient;
  /** Procedures and orchestrations: define, list, show, run, status, approve, skip, orchestrate. */
  readonly procedures: ProceduresClient;

  constructor(
    readonly temporal: Client,
    readonly config: BrainOpsConfig,
    private readonly logger: Logger,
    private readonly ownedConnection?: Connection,
  ) {
    this.deployments = new DeploymentsClient(temporal, config, () => this.memory());
    this.procedures = new ProceduresClient(temporal, config, () => this.memory());
  }

  /**
   * Connects to Temporal as configured.
   * @throws Error naming the address when Temporal cannot be reached.
   */
  static async connect(config: BrainOpsConfig, logger: Logger): Promise<BrainOpsClient> {
    const connection = await connectClient(config);
    return new BrainOpsClient(
      new Client({ connection, namespace: config.temporal.namespace }),
      config,
      logger,
      connection,
    );
  }

  /** The memory store (opened on first use, from `DATABASE_URL` or the embedded server's URL). */
  memory(): Promise<MemoryStore> {
    this.memoryStore ??= openMemoryStore(this.config, this.logger, { poolSize: 4, cacheMaxEntries: 0 });
    return this.memoryStore;
  }

  private sessionHandle(ref: SessionRef): WorkflowHandle<typeof sessionWorkflow> {
    const { tenantId, sessionId } = parseInput(sessionRefSchema, ref, 'session');
    return this.temporal.workflow.getHandle(sessionWorkflowId(tenantId, sessionId));
  }

  private sessionStartOptions(start: SessionStart) {
    return {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: sessionWorkflowId(start.tenantId, start.sessionId),
      args: [{ ...start, flushIntervalMs: this.config.sessionFlushIntervalMs }] as [
        Parameters<typeof sessionWorkflow>[0],
      ],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.agent, value: 'ContextKeeper' },
        { key: SEARCH_ATTRIBUTES.session, value: start.sessionId },
        { key: SEARCH_ATTRIBUTES.tenant, value: start.tenantId },
      ],
      memo: { title: start.title ?? `session ${start.sessionId}`, tenant: start.tenantId, user: start.userId ?? null },
    };
  }

  /**
   * Starts a session, or resumes it: a running session is reused, an ended one continues with
   * its numbering and open tasks. Returns the workflow id.
   * @throws ValidationError on a bad tenant, session, user or agent id.
   */
  async startSession(input: SessionStart): Promise<{ workflowId: string; runId: string }> {
    const start = parseInput(sessionStartSchema, input, 'session');
    const handle = await this.temporal.workflow.start(sessionWorkflow, {
      ...this.sessionStartOptions(start),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  }

  /**
   * Appends a message (signal-with-start: a message to an unknown or ended session starts it).
   * Give `messageId` to make a retry of this call harmless.
   */
  async addMessage(ref: SessionRef & Partial<SessionStart>, message: MessageInput): Promise<void> {
    const start = parseInput(sessionStartSchema, ref, 'session');
    const parsed = parseInput(messageInputSchema, message, 'message');
    await this.temporal.workflow.signalWithStart(sessionWorkflow, {
      ...this.sessionStartOptions(start),
      signal: addMessageSignal,
      signalArgs: [parsed],
    });
  }

  /**
   * Appends a message to a running session and waits for the answer (the `sendMessage` update):
   * the seq it got and whether the database stored it, found it a resend (`duplicate`) or
   * quarantined it. A `messageId` is generated when absent, so retrying this call after a lost
   * answer with the returned id never adds a second row.
   * @throws ValidationError on bad input (before anything is sent); WorkflowUpdateFailedError
   *   when the session has ended; WorkflowNotFoundError when it is not running.
   */
  async sendMessage(ref: SessionRef, message: MessageInput): Promise<SendMessageResult> {
    const parsed = parseInput(messageInputSchema, message, 'message');
    return this.sessionHandle(ref).executeUpdate(sendMessageUpdate, {
      args: [{ ...parsed, messageId: parsed.messageId ?? `client-${randomUUID()}` }],
    });
  }

  async addTask(ref: SessionRef, task: AddTaskInput): Promise<SessionTask> {
    const parsed = parseInput(addTaskInputSchema, task, 'task');
    return this.sessionHandle(ref).executeUpdate(addTaskUpdate, {
      args: [{ ...parsed, taskId: parsed.taskId ?? `task-${randomUUID()}` }],
    });
  }

  async completeTask(ref: SessionRef, input: CompleteTaskInput): Promise<SessionTask> {
    return this.sessionHandle(ref).executeUpdate(completeTaskUpdate, {
      args: [parseInput(completeTaskInputSchema, input, 'task completion')],
    });
  }

  /** Hands the session to another agent; returns the context snapshot the next agent needs. */
  async handoff(ref: SessionRef, input: HandoffInput): Promise<HandoffResult> {
    return this.sessionHandle(ref).executeUpdate(handoffUpdate, {
      args: [parseInput(handoffInputSchema, input, 'handoff')],
    });
  }

  /** The live context of a running session (query). */
  async sessionContext(ref: SessionRef): Promise<SessionContext> {
    return this.sessionHandle(ref).query(contextQuery);
  }

  /** Ends the session and returns its final snapshot. */
  async endSession(ref: SessionRef, input: EndInput = {}): Promise<ContextSnapshot> {
    return this.sessionHandle(ref).executeUpdate(endUpdate, {
      args: [parseInput(endInputSchema, input, 'end request')],
    });
  }

  /**
   * Runs SystemMonitor once now — all configured targets, or those named — and returns what it
   * found. Targets are names of the worker's `BRAINOPS_HEALTH_TARGETS`; an unknown name fails the
   * run with a `ValidationError`. Whole targets (ad-hoc) are checked only when the worker's
   * operator set `BRAINOPS_ALLOW_AD_HOC_TARGETS`.
   */
  async runMonitor(targets?: (string | HealthTarget)[]): Promise<SystemMonitorResult> {
    const parsed = targets?.map((t, i) =>
      typeof t === 'string'
        ? parseInput(healthTargetNamesSchema.element, t, `health target ${i}`)
        : parseInput(healthTargetSchema, t, `health target ${i}`),
    );
    return this.temporal.workflow.execute(systemMonitorWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: `${SYSTEM_MONITOR_WORKFLOW_ID_PREFIX}/manual/${randomUUID()}`,
      args: [parsed ? { targets: parsed } : {}],
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'SystemMonitor' }],
    });
  }

  applySchedules() {
    return applySchedules(this.temporal, this.config);
  }

  listSchedules() {
    return listSchedules(this.temporal);
  }

  /** Seed 000's session-start brief for `tenantId`. */
  async brief(tenantId: string): Promise<SessionBrief> {
    const { tenantId: tenant } = parseInput(sessionRefSchema.pick({ tenantId: true }), { tenantId }, 'brief');
    return buildBrief(await this.memory(), tenant, this.config.sharedStatus);
  }

  /**
   * Records an error and hands it to error-learning (started for its signature, or counted by
   * the run already in flight). Returns the error event id, signature and workflow id.
   */
  async reportError(input: ReportErrorInput): Promise<{ errorEventId: number; signature: string; workflowId: string }> {
    const e = parseInput(reportErrorSchema, input, 'error report');
    const signature = errorSignature(e.errorType, e.message, e.stack);
    const store = await this.memory();
    const errorEventId = await store.errorEvents.record({
      signature,
      errorType: e.errorType,
      message: e.message,
      stack: e.stack,
      context: e.context,
      source: e.source,
      workflowId: e.workflowId,
      tenantId: e.tenantId,
    });
    const { taskQueue } = this.config.temporal;
    const { autoRemediationConfidence: autoConfidence, escalationTimeoutMs } = this.config.errorLearning;
    const workflowId = await startErrorLearning(
      this.temporal,
      { taskQueue, autoConfidence, escalationTimeoutMs },
      {
        signature,
        errorType: e.errorType,
        message: e.message,
        source: e.source,
        errorEventId,
        failedWorkflowId: e.workflowId,
      },
    );
    return { errorEventId, signature, workflowId };
  }

  /**
   * Teaches a fix: a solution naming a registered remediation.
   * @throws ValidationError when the action is not registered or its params do not fit.
   */
  async addSolution(input: AddSolutionInput): Promise<Solution> {
    const s = parseInput(addSolutionSchema, input, 'solution');
    const params = validateRemediation(this.config.errorLearning.remediations, s.action, s.params);
    const exampleMessage = s.exampleMessage === undefined ? undefined : normaliseMessage(s.exampleMessage);
    return (await this.memory()).knowledge.upsertSolution({ ...s, exampleMessage, params, source: 'human' });
  }

  /**
   * Tells the error-learning run of an escalated error that a person fixed it with `action`;
   * the fix is learned for its signature.
   * @throws Error when the error event does not exist; ValidationError for an unregistered action.
   */
  async resolveError(input: {
    errorEventId: number;
    action: string;
    params?: Record<string, unknown>;
    description?: string;
  }): Promise<{ workflowId: string }> {
    validateRemediation(this.config.errorLearning.remediations, input.action, input.params ?? {});
    const [event] = await (
      await this.memory()
    ).errorEvents.list({ id: input.errorEventId, allTenants: true, limit: 1 });
    if (!event)
      throw new ValidationError('error resolution', [
        { field: 'errorEventId', message: `no error event ${input.errorEventId}` },
      ]);
    const workflowId = errorLearningWorkflowId(event.signature);
    await this.temporal.workflow
      .getHandle(workflowId)
      .signal(resolveSignal, { action: input.action, params: input.params, description: input.description });
    return { workflowId };
  }

  /** DatabaseGuardian's schema sync now: migration status (applying pending ones with `applyMigrations`) and drift. */
  databaseStatus(input: GuardianRunInput = {}) {
    return runGuardian(this.temporal, this.config, ['schema'], input);
  }

  /** A verified backup of each guarded database (or of `databases`) now, with retention. */
  backupDatabases(input: Omit<GuardianRunInput, 'applyMigrations'> = {}) {
    return runGuardian(this.temporal, this.config, ['backup'], input);
  }

  /** Restore-checks a backup: by id, or the newest of a database (default the memory database). */
  restoreCheck(input: RestoreCheckInput = {}) {
    return runRestoreCheck(this.temporal, this.config, input);
  }

  /** DatabaseGuardian's performance findings now (stored as insights and returned). */
  databaseFindings(input: Omit<GuardianRunInput, 'applyMigrations'> = {}) {
    return runGuardian(this.temporal, this.config, ['findings'], input);
  }

  /** Runs a learning cycle for a window (default the last complete one); re-running a window changes nothing. */
  runLearningCycle(input: LearningRunInput) {
    return runLearningCycle(this.temporal, this.config, input);
  }

  /**
   * Chooses among agents that can all do a capability by their performance record, and logs the
   * choice in the decision log. @throws ValidationError on bad input.
   */
  async selectAgent(input: SelectionInput): Promise<Selection> {
    return selectAgent(await this.memory(), input, `client/${randomUUID()}`);
  }

  /**
   * Contextual guidance: what memory recommends for a task, with alternatives, a confidence in
   * [0, 1], the reasons and the evidence ids; recorded in the decision log (`decisionId`).
   * @throws ValidationError on bad input.
   */
  guidance(input: GuidanceInput): Promise<Guidance> {
    return this.procedures.guidance(input);
  }

  /** Links the outcome of the operation a guidance decision guided (by the decision's id). */
  recordGuidanceOutcome(input: GuidanceOutcome): Promise<void> {
    return this.procedures.recordOutcome(input);
  }

  async close(): Promise<void> {
    if (this.memoryStore) await (await this.memoryStore).close();
    await this.ownedConnection?.close();
  }
}
