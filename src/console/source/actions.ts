/**
 * What a person may do from the console, over today's pieces: release a blocked procedure step or
 * approve an approval step (the run's `approve` update), skip a step (`skipStep`), and answer an
 * escalation (the error-learning run's `resolve`, `retry` or `ignore` signal). Only the operator
 * acts: procedures and error-learning runs are shared by every tenant (one error-learning run per
 * signature). Each action is recorded with who did it in `console_actions`, and names the person
 * in what the workflow records (`approvedBy`, the learned solution's description, the reason).
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ignoreSignal, resolveSignal, retrySignal } from '../../contracts/error-learning-messages';
import type { ProcedureStatus } from '../../contracts/procedure-messages';
import { validateRemediation } from '../../contracts/remediation';
import { ValidationError } from '../../contracts/errors';
import { errorLearningWorkflowId } from '../../domain/signature-hash';
import { recordConsoleAction } from '../../memory/console-auth';
import { ConsoleError, type EscalationAnswer, type Viewer } from '../model';
import type { SourceContext } from './context';

/** Temporal's and the contracts' refusals as the console's kinds. */
function refusal(error: unknown, what: string): unknown {
  if (error instanceof ValidationError) return new ConsoleError('invalid', error.message);
  if (error instanceof WorkflowNotFoundError) return new ConsoleError('conflict', `${what} is not running any more`);
  if (error instanceof WorkflowUpdateFailedError)
    return new ConsoleError(
      'conflict',
      `${what} refused: ${(error.cause as Error | undefined)?.message ?? error.message}`,
    );
  return error;
}

export class ConsoleActions {
  constructor(private readonly ctx: SourceContext) {}

  private record(v: Viewer, action: string, subject: string, detail: Record<string, unknown>): Promise<void> {
    return recordConsoleAction(this.ctx.pool, {
      keyId: v.keyId,
      actor: v.actor,
      tenantId: v.keyTenantId,
      action,
      subject,
      detail,
    });
  }

  private async procedureRun(v: Viewer, workflowId: string): Promise<void> {
    this.ctx.requireOperator(v, 'Approving or skipping a procedure step');
    const known = await this.ctx.pool.query('select 1 from procedure_runs where workflow_id = $1', [workflowId]);
    if (known.rowCount === 0) throw new ConsoleError('not_found', `no procedure run ${workflowId}`);
  }

  async approveStep(v: Viewer, workflowId: string, reason: string): Promise<ProcedureStatus> {
    await this.procedureRun(v, workflowId);
    const status = await this.ctx.deps.client.procedures
      .approve(workflowId, { approvedBy: v.actor, reason })
      .catch((error: unknown) => {
        throw refusal(error, 'the procedure run');
      });
    await this.record(v, 'procedure.approve', workflowId, { reason, step: status.currentStep });
    return status;
  }

  async skipStep(v: Viewer, workflowId: string, stepId: string, reason: string): Promise<ProcedureStatus> {
    await this.procedureRun(v, workflowId);
    const status = await this.ctx.deps.client.procedures
      .skip(workflowId, { stepId, approvedBy: v.actor, reason })
      .catch((error: unknown) => {
        throw refusal(error, 'the procedure run');
      });
    await this.record(v, 'procedure.skip', workflowId, { reason, step: stepId });
    return status;
  }

  async answerEscalation(v: Viewer, signature: string, answer: EscalationAnswer): Promise<void> {
    this.ctx.requireOperator(v, 'Answering an escalation');
    const escalated = await this.ctx.pool.query(
      `select 1 from error_events where signature = $1 and status = 'escalated' limit 1`,
      [signature],
    );
    if (escalated.rowCount === 0) throw new ConsoleError('not_found', 'no escalated error has this signature');
    const workflowId = errorLearningWorkflowId(signature);
    const handle = this.ctx.deps.client.temporal.workflow.getHandle(workflowId);
    try {
      if (answer.kind === 'resolve') {
        validateRemediation(this.ctx.deps.config.errorLearning.remediations, answer.action, {});
        await handle.signal(resolveSignal, {
          action: answer.action,
          description: `${answer.description ?? `resolved with "${answer.action}"`} (by ${v.actor}, in the console)`,
        });
      } else if (answer.kind === 'retry') await handle.signal(retrySignal);
      else
        await handle.signal(ignoreSignal, { reason: `${answer.reason ?? 'ignored'} (by ${v.actor}, in the console)` });
    } catch (error) {
      throw refusal(error, 'the error-learning run of this signature');
    }
    await this.record(v, `escalation.${answer.kind}`, workflowId, { signature, ...answer });
  }
}
