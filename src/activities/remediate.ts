/**
 * Carries out a registered remediation. Commands run from their argv with no shell; a failed
 * remediation is a result (`ok: false`), so error-learning can move to its next candidate.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Remediation } from '../contracts/remediation';
import { BrainOpsError } from '../contracts/errors';
import { withTimeout } from './health-probes';
import { activityWriteId } from './idempotency';
import { commandEnvironment, describeEnd, runArgv } from './process/run-argv';
import type { RemediationResult } from '../contracts/error-learning-messages';

async function runCommand(r: Extract<Remediation, { kind: 'command' }>): Promise<RemediationResult> {
  let result;
  try {
    result = await runArgv({
      argv: r.argv,
      cwd: r.cwd ?? process.cwd(),
      env: commandEnvironment(r.env),
      timeoutMs: r.timeoutMs,
      tailBytes: 500,
    });
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
  const ok = result.exitCode === 0 && !result.timedOut;
  return ok
    ? { ok, detail: result.tail.trim() || 'exit 0' }
    : { ok, detail: describeEnd(r.argv[0]!, result, r.timeoutMs) };
}

async function callWebhook(
  r: Extract<Remediation, { kind: 'webhook' }>,
  params: Record<string, unknown>,
): Promise<RemediationResult> {
  try {
    const response = await fetch(r.url, {
      method: r.method,
      headers: { 'content-type': 'application/json', ...r.headers },
      body: r.method === 'GET' ? undefined : JSON.stringify(params.body ?? {}),
      signal: AbortSignal.timeout(r.timeoutMs),
    });
    await response.body?.cancel();
    return { ok: response.ok, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}

async function wait(ms: number): Promise<RemediationResult> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    Context.current().heartbeat();
    await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
  }
  return { ok: true, detail: `waited ${ms} ms` };
}

async function rerunWorkflow(
  r: Extract<Remediation, { kind: 'workflow' }>,
  client: Client,
  defaultTaskQueue: string,
): Promise<RemediationResult> {
  const workflowId = `remediation/${r.workflowType}/${randomUUID()}`;
  try {
    const handle = await client.workflow.start(r.workflowType, {
      taskQueue: r.taskQueue ?? defaultTaskQueue,
      workflowId,
      args: r.args,
      workflowExecutionTimeout: r.timeoutMs,
    });
    await awaitResult(client, workflowId, handle.firstExecutionRunId, r.timeoutMs);
    return { ok: true, detail: `${workflowId} completed` };
  } catch (error) {
    return { ok: false, detail: `${workflowId}: ${(error as Error).message}` };
  }
}

/** Waits for a workflow run's result, heartbeating, for at most `timeoutMs`. */
async function awaitResult(client: Client, workflowId: string, runId: string, timeoutMs: number): Promise<void> {
  const context = Context.current();
  const beat = setInterval(() => context.heartbeat(), 5000);
  try {
    await withTimeout(client.workflow.getHandle(workflowId, runId).result(), timeoutMs, `${workflowId}`);
  } finally {
    clearInterval(beat);
  }
}

const WORKFLOW_TASK_COMPLETED = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;

/**
 * Resets the current run of `workflowId` to its first or last completed workflow task, as
 * `temporal workflow reset --type FirstWorkflowTask|LastWorkflowTask` does; the request id makes a
 * retried activity ask for the same reset, not a second one.
 */
async function resetWorkflow(
  r: Extract<Remediation, { kind: 'workflow-reset' }>,
  client: Client,
  failingWorkflowId: string | undefined,
  taskQueue: string,
): Promise<RemediationResult> {
  const workflowId = r.workflowId ?? failingWorkflowId;
  if (!workflowId)
    return {
      ok: false,
      detail: 'nothing to reset: the action names no workflowId and the error came from no workflow',
    };
  try {
    const handle = client.workflow.getHandle(workflowId);
    const { runId, taskQueue: itsQueue } = await handle.describe();
    // The workflow an error names (a reporter can name any) is reset only when it is one of this
    // worker's own: a workflow of its task queue. One the action names was chosen by the operator.
    if (r.workflowId === undefined && itsQueue !== taskQueue)
      return {
        ok: false,
        detail: `${workflowId} is not a workflow of task queue ${taskQueue}: not reset`,
      };
    const completed = ((await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? []).filter(
      (e) => e.eventType === WORKFLOW_TASK_COMPLETED,
    );
    const point = r.resetTo === 'first-workflow-task' ? completed[0] : completed.at(-1);
    if (!point?.eventId) return { ok: false, detail: `${workflowId} has no completed workflow task to reset to` };
    const reset = await client.workflowService.resetWorkflowExecution({
      namespace: client.options.namespace,
      workflowExecution: { workflowId, runId },
      workflowTaskFinishEventId: point.eventId,
      reason: `BrainOps remediation (${r.description ?? r.resetTo})`,
      requestId: activityWriteId(),
    });
    const newRunId = reset.runId!;
    if (r.wait) await awaitResult(client, workflowId, newRunId, r.timeoutMs);
    return {
      ok: true,
      detail: `${workflowId} reset to event ${String(point.eventId)} as run ${newRunId}${r.wait ? ', completed' : ''}`,
    };
  } catch (error) {
    return { ok: false, detail: `${workflowId}: ${(error as Error).message}` };
  }
}

/** What a remediation acts on besides its declaration. */
export interface RemediationContext {
  client: Client;
  /** Task queue of workflows the `workflow` kind starts. */
  taskQueue: string;
  /** The workflow the error came from, which `workflow-reset` resets when it names none. */
  failingWorkflowId?: string;
}

/**
 * Carries out `r`.
 * @throws BrainOpsError (non-retryable) for a `sequence`: error-learning runs those as a child workflow.
 */
export function carryOut(
  r: Remediation,
  params: Record<string, unknown>,
  ctx: RemediationContext,
): Promise<RemediationResult> {
  switch (r.kind) {
    case 'sequence':
      throw new BrainOpsError(
        'RemediationIsSequence',
        'a sequence remediation runs as a child workflow (remediationSequenceWorkflow), not as one activity',
        false,
      );
    case 'workflow-reset':
      return resetWorkflow(r, ctx.client, ctx.failingWorkflowId, ctx.taskQueue);
    case 'workflow':
      return rerunWorkflow(r, ctx.client, ctx.taskQueue);
    case 'command':
      return runCommand(r);
    case 'webhook':
      return callWebhook(r, params);
    case 'wait':
      return wait((params.delayMs as number | undefined) ?? r.delayMs);
  }
}
