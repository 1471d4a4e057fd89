/**
 * The typed TypeScript client of BrainOps' workflows: sessions, SystemMonitor, schedules,
 * DatabaseGuardian, learning cycles, deployments, procedure runs and orchestrations — each a
 * Temporal client call (start, signal-with-start, update, query). It is the edge for Node
 * services: input is parsed here with the same zod schemas the workflows use, so a bad field
 * throws `ValidationError` before anything is sent. What needs the memory database (memory
 * entries, the brief, error reports, the knowledge base) is the API's (`src/api`).
 */
import { randomUUID } from 'node:crypto';
import { Client, type Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import { resolveSignal } from '../contracts/error-learning-messages';
import { healthTargetNamesSchema, healthTargetSchema, type HealthTarget } from '../contracts/health';
import { SEARCH_ATTRIBUTES, SYSTEM_MONITOR_WORKFLOW_ID_PREFIX } from '../contracts/names';
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
import { systemMonitorWorkflow } from '../workflows';
import type { SystemMonitorResult } from '../workflows/system-monitor';
import { connectClient } from './connection';
import { runGuardian, runRestoreCheck, type GuardianRunInput, type RestoreCheckInput } from './database-guardian';
import { DeploymentsClient } from './deployments';
import { runLearningCycle, type LearningRunInput } from './learning';
import { ProceduresClient } from './procedures';
import { applySchedules, listSchedules } from './schedules';
import { SessionsClient, type SessionRef } from './sessions';

export type { SessionRef } from './sessions';

const sessionRefSchema = sessionStartSchema.pick({ tenantId: true, sessionId: true });

export class BrainOpsClient {
  /** Session workflows for input already checked (the API's operations use these). */
  readonly sessions: SessionsClient;
  /** DeploymentManager: start, status, approve, reject, cancel. */
  readonly deployments: DeploymentsClient;
  /** Procedure runs and orchestrations: start, status, approve, skip, orchestrate. */
  readonly procedures: ProceduresClient;

  constructor(
    readonly temporal: Client,
    readonly config: BrainOpsConfig,
    readonly logger: Logger,
    private readonly ownedConnection?: Connection,
  ) {
    this.sessions = new SessionsClient(temporal, config);
    this.deployments = new DeploymentsClient(temporal, config);
    this.procedures = new ProceduresClient(temporal, config);
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

  private ref(ref: SessionRef): SessionRef {
    return parseInput(sessionRefSchema, ref, 'session');
  }

  /**
   * Starts a session, or resumes it: a running session is reused, an ended one continues with
   * its numbering and open tasks. Answers once the session's row is open in the database (the
   * `ready` update), so a message sent right after over any transport is stored, never a 404.
   * Returns the workflow id.
   * @throws ValidationError on a bad tenant, session, user or agent id.
   */
  async startSession(input: SessionStart): Promise<{ workflowId: string; runId: string }> {
    const { workflowId, runId } = await this.sessions.startReady(parseInput(sessionStartSchema, input, 'session'));
    return { workflowId, runId };
  }

  /**
   * Appends a message (signal-with-start: a message to an unknown or ended session starts it).
   * Give `messageId` to make a retry of this call harmless.
   */
  async addMessage(ref: SessionRef & Partial<SessionStart>, message: MessageInput): Promise<void> {
    const start = parseInput(sessionStartSchema, ref, 'session');
    return this.sessions.addMessage(start, parseInput(messageInputSchema, message, 'message'));
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
    return this.sessions.sendMessage(this.ref(ref), parseInput(messageInputSchema, message, 'message'));
  }

  async addTask(ref: SessionRef, task: AddTaskInput): Promise<SessionTask> {
    return this.sessions.addTask(this.ref(ref), parseInput(addTaskInputSchema, task, 'task'));
  }

  async completeTask(ref: SessionRef, input: CompleteTaskInput): Promise<SessionTask> {
    return this.sessions.completeTask(this.ref(ref), parseInput(completeTaskInputSchema, input, 'task completion'));
  }

  /** Hands the session to another agent; returns the context snapshot the next agent needs. */
  async handoff(ref: SessionRef, input: HandoffInput): Promise<HandoffResult> {
    return this.sessions.handoff(this.ref(ref), parseInput(handoffInputSchema, input, 'handoff'));
  }

  /** The live context of a running session (query). */
  async sessionContext(ref: SessionRef): Promise<SessionContext> {
    return this.sessions.context(this.ref(ref));
  }

  /** Ends the session and returns its final snapshot. */
  async endSession(ref: SessionRef, input: EndInput = {}): Promise<ContextSnapshot> {
    return this.sessions.end(this.ref(ref), parseInput(endInputSchema, input, 'end request'));
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

  /**
   * Tells the error-learning run `workflowId` that a person fixed its error with `action` (a
   * registered remediation, checked by the caller); the fix is learned for its signature.
   */
  async signalResolved(
    workflowId: string,
    fix: { action: string; params?: Record<string, unknown>; description?: string },
  ): Promise<void> {
    await this.temporal.workflow.getHandle(workflowId).signal(resolveSignal, fix);
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

  /** Closes the connection this client opened (none when it was given one). */
  async close(): Promise<void> {
    await this.ownedConnection?.close();
  }
}
