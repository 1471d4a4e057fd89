/**
 * Carries out a registered remediation. Commands run from their argv with no shell; a failed
 * remediation is a result (`ok: false`), so error-learning can move to its next candidate.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Remediation } from '../errors/remediations';
import { describeEnd, runArgv } from './run-argv';

export interface RemediationResult {
  ok: boolean;
  /** What happened, for the decision log (output tail or HTTP status). */
  detail: string;
}

async function runCommand(r: Extract<Remediation, { kind: 'command' }>): Promise<RemediationResult> {
  let result;
  try {
    result = await runArgv({ argv: r.argv, cwd: r.cwd ?? process.cwd(), env: { ...process.env, ...r.env }, timeoutMs: r.timeoutMs, tailBytes: 500 });
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
  const ok = result.exitCode === 0 && !result.timedOut;
  return ok ? { ok, detail: result.tail.trim() || 'exit 0' } : { ok, detail: describeEnd(r.argv[0]!, result, r.timeoutMs) };
}

async function callWebhook(r: Extract<Remediation, { kind: 'webhook' }>, params: Record<string, unknown>): Promise<RemediationResult> {
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

async function rerunWorkflow(r: Extract<Remediation, { kind: 'workflow' }>, client: Client, defaultTaskQueue: string): Promise<RemediationResult> {
  const workflowId = `remediation/${r.workflowType}/${randomUUID()}`;
  try {
    const handle = await client.workflow.start(r.workflowType, {
      taskQueue: r.taskQueue ?? defaultTaskQueue,
      workflowId,
      args: r.args,
      workflowExecutionTimeout: r.timeoutMs,
    });
    const context = Context.current();
    const beat = setInterval(() => context.heartbeat(), 5000);
    try {
      await handle.result();
    } finally {
      clearInterval(beat);
    }
    return { ok: true, detail: `${workflowId} completed` };
  } catch (error) {
    return { ok: false, detail: `${workflowId}: ${(error as Error).message}` };
  }
}

/** Carries out `r`; `client` and `taskQueue` serve the `workflow` kind. */
export function carryOut(r: Remediation, params: Record<string, unknown>, client: Client, taskQueue: string): Promise<RemediationResult> {
  switch (r.kind) {
    case 'workflow':
      return rerunWorkflow(r, client, taskQueue);
    case 'command':
      return runCommand(r);
    case 'webhook':
      return callWebhook(r, params);
    case 'wait':
      return wait((params.delayMs as number | undefined) ?? r.delayMs);
  }
}
