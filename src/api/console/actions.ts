/**
 * What a person may do from the console: release a blocked procedure step or approve an approval
 * step (the run's `approve` update), skip a step (`skipStep`), and answer an escalation — resolve
 * it (through `api.knowledge.resolve`: the fix is learned), retry or ignore it (the error-learning
 * run's `retry` and `ignore` signals). These are the operator's: procedures and error-learning
 * runs are shared by every tenant (one error-learning run per signature), so a tenant's key — an
 * `admin` one too — may not act on them. Each action is recorded with who did it
 * (`console_actions`) and names the person in what the workflow records (`approvedBy`, the learned
 * solution's description, the reason).
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { ignoreSignal, retrySignal } from '../../contracts/error-learning-messages';
import type { ProcedureStatus } from '../../contracts/procedure-messages';
import { errorLearningWorkflowId } from '../../domain/signature-hash';
import { failureCause } from '../../domain/failure-cause';
import type { BrainOpsClient } from '../../client/brainops-client';
import type { MemoryStore } from '../../memory';
import { callerName, type Caller } from '../caller';
import { conflict, notFound } from '../errors';
import type { knowledgeOperations } from '../knowledge';
import { operation } from '../operation';
import { keyActor } from './sessions';

const reason = z.string().trim().min(1, 'say why').max(2000);
const workflowId = z.string().min(1).max(1000);
const signature = z.string().min(1).max(2000);

/** Temporal's refusals of an action as the API's `conflict`, naming what refused. */
function refusal(error: unknown, what: string): unknown {
  if (error instanceof WorkflowNotFoundError) return conflict('NotRunning', `${what} is not running any more`);
  if (error instanceof WorkflowUpdateFailedError)
    return conflict(
      'Refused',
      `${what} refused: ${(failureCause(error) as Error | undefined)?.message ?? error.message}`,
    );
  return error;
}

/** The console's actions over the store, the client and the knowledge operations. */
export function consoleActions(
  store: () => Promise<MemoryStore>,
  client: () => Promise<BrainOpsClient>,
  knowledge: ReturnType<typeof knowledgeOperations>,
) {
  /** Who a caller is for people: an operator key's prefix and name (`bo_x1Y2z3a… (on call)`), else its name. */
  const actorOf = async (caller: Caller): Promise<string> => {
    const names = caller.keyId ? await (await store()).console.keyNames({ keyId: caller.keyId }) : null;
    return names ? keyActor(names) : callerName(caller);
  };
  const record = async (caller: Caller, actor: string, action: string, subject: string, detail: object) =>
    (await store()).console.recordAction({
      keyId: caller.keyId ?? null,
      actor,
      action,
      subject,
      detail: { ...detail },
    });
  const knownRun = async (id: string) => {
    if (!(await (await store()).console.procedureRun({ workflowId: id }))) throw notFound(`no procedure run ${id}`);
  };

  return {
    approveStep: operation({
      name: 'console.procedures.approve',
      summary: 'Release the blocked step of a procedure run, or approve its approval step',
      subject: 'approval',
      what: 'approving a procedure step',
      input: z.strictObject({ workflowId, reason }),
      access: 'operator',
      run: async (caller, input): Promise<ProcedureStatus> => {
        await knownRun(input.workflowId);
        const actor = await actorOf(caller);
        const procedures = (await client()).procedures;
        const status = await procedures
          .approve(input.workflowId, { approvedBy: actor, reason: input.reason })
          .catch((error: unknown) => Promise.reject(refusal(error, 'the procedure run')));
        const detail = { reason: input.reason, step: status.currentStep };
        await record(caller, actor, 'procedure.approve', input.workflowId, detail);
        return status;
      },
    }),

    skipStep: operation({
      name: 'console.procedures.skip',
      summary: 'Skip a step of a procedure run',
      subject: 'skip',
      what: 'skipping a procedure step',
      input: z.strictObject({ workflowId, stepId: z.string().min(1).max(64), reason }),
      access: 'operator',
      run: async (caller, input): Promise<ProcedureStatus> => {
        await knownRun(input.workflowId);
        const actor = await actorOf(caller);
        const procedures = (await client()).procedures;
        const status = await procedures
          .skip(input.workflowId, { stepId: input.stepId, approvedBy: actor, reason: input.reason })
          .catch((error: unknown) => Promise.reject(refusal(error, 'the procedure run')));
        const detail = { reason: input.reason, step: input.stepId };
        await record(caller, actor, 'procedure.skip', input.workflowId, detail);
        return status;
      },
    }),

    answerEscalation: operation({
      name: 'console.errors.answer',
      summary: 'Answer an escalated error signature: resolve (the fix is learned), retry or ignore',
      subject: 'answer',
      what: 'answering an escalation',
      input: z.discriminatedUnion('kind', [
        z.strictObject({
          kind: z.literal('resolve'),
          signature,
          action: z.string().min(1).max(200),
          description: z.string().trim().max(2000).optional(),
        }),
        z.strictObject({ kind: z.literal('retry'), signature }),
        z.strictObject({ kind: z.literal('ignore'), signature, reason: z.string().trim().max(2000).optional() }),
      ]),
      access: 'operator',
      /** @throws ApiError `not_found` when no error of the signature is escalated; `conflict` when its run is gone. */
      run: async (caller, answer): Promise<{ workflowId: string }> => {
        const errorEventId = await (await store()).console.escalatedEvent({ signature: answer.signature });
        if (errorEventId === null) throw notFound('no escalated error has this signature');
        const workflowId = errorLearningWorkflowId(answer.signature);
        const actor = await actorOf(caller);
        const who = `(by ${actor}, in the console)`;
        const what = 'the error-learning run of this signature';
        try {
          if (answer.kind === 'resolve') {
            const description = `${answer.description || `resolved with "${answer.action}"`} ${who}`;
            await knowledge.resolve.call(caller, { errorEventId, action: answer.action, description });
          } else {
            const handle = (await client()).temporal.workflow.getHandle(workflowId);
            if (answer.kind === 'retry') await handle.signal(retrySignal);
            else await handle.signal(ignoreSignal, { reason: `${answer.reason || 'ignored'} ${who}` });
          }
        } catch (error) {
          throw refusal(error, what);
        }
        await record(caller, actor, `escalation.${answer.kind}`, workflowId, answer);
        return { workflowId };
      },
    }),
  };
}
