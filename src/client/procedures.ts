/**
 * Procedure runs and orchestrations from the client side (WorkflowOrchestrator): start a run of a
 * resolved procedure version, follow it (status, result), approve a blocked step or skip one, and
 * start and follow orchestrations of goals. Definitions are data in memory: the API stores and
 * resolves them (`src/services/procedure-definitions.ts`).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { BrainOpsConfig } from '../../temporal.config';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import {
  orchestrateInputSchema,
  orchestrationStatusQuery,
  type OrchestrateInput,
} from '../contracts/orchestrator-messages';
import type { ProcedureDefinition } from '../contracts/procedure';
import {
  approvalSchema,
  approveUpdate,
  procedureRunInputSchema,
  procedureStatusQuery,
  procedureWorkflowId,
  skipStepSchema,
  skipStepUpdate,
  type Approval,
  type ProcedureRunInput,
  type ProcedureStatus,
  type SkipStep,
} from '../contracts/procedure-messages';
import { parseInput } from '../contracts/validate';
import { orchestrateWorkflow, procedureWorkflow } from '../workflows';

export class ProceduresClient {
  constructor(
    private readonly temporal: Client,
    private readonly config: BrainOpsConfig,
  ) {}

  /**
   * Starts a run of a resolved procedure version (its parameters already checked against it);
   * returns its workflow id.
   * @throws ValidationError on a bad run input (the who and the guidance decision).
   */
  async start(
    definition: ProcedureDefinition,
    input: Omit<ProcedureRunInput, 'name' | 'version'>,
  ): Promise<{ workflowId: string; version: number }> {
    const r = parseInput(procedureRunInputSchema, { ...input, name: definition.name }, 'procedure run');
    const workflowId = procedureWorkflowId(definition.name, definition.version, randomUUID().slice(0, 8));
    await this.temporal.workflow.start(procedureWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId,
      args: [{ definition, params: r.params, guidanceDecisionId: r.guidanceDecisionId, startedBy: r.startedBy }],
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'WorkflowOrchestrator' }],
      memo: { procedure: definition.name, version: definition.version, step: null },
    });
    return { workflowId, version: definition.version };
  }

  status(workflowId: string): Promise<ProcedureStatus> {
    return this.temporal.workflow.getHandle(workflowId).query(procedureStatusQuery);
  }

  /** Waits for the run to end; its final status (a failed run's too). */
  async result(workflowId: string): Promise<ProcedureStatus> {
    try {
      return (await this.temporal.workflow.getHandle<typeof procedureWorkflow>(workflowId).result()) as ProcedureStatus;
    } catch {
      return this.status(workflowId);
    }
  }

  /** Releases a blocked operation, or approves the approval step the run waits at. */
  approve(workflowId: string, approval: Approval): Promise<ProcedureStatus> {
    return this.temporal.workflow
      .getHandle(workflowId)
      .executeUpdate(approveUpdate, { args: [parseInput(approvalSchema, approval, 'approval')] });
  }

  /** Skips a step not yet run, recorded with who approved it and why. */
  skip(workflowId: string, skip: SkipStep): Promise<ProcedureStatus> {
    return this.temporal.workflow
      .getHandle(workflowId)
      .executeUpdate(skipStepUpdate, { args: [parseInput(skipStepSchema, skip, 'skip')] });
  }

  /** Starts an orchestration of a goal; returns its workflow id. @throws ValidationError on bad input. */
  async orchestrate(input: OrchestrateInput): Promise<{ workflowId: string }> {
    const parsed = parseInput(orchestrateInputSchema, input, 'orchestration');
    const workflowId = `orchestrate/${randomUUID()}`;
    await this.temporal.workflow.start(orchestrateWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId,
      args: [parsed],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.agent, value: 'WorkflowOrchestrator' },
        ...(parsed.tenantId ? [{ key: SEARCH_ATTRIBUTES.tenant, value: parsed.tenantId }] : []),
      ],
      memo: { goal: parsed.goal.slice(0, 200) },
    });
    return { workflowId };
  }

  orchestrationStatus(workflowId: string) {
    return this.temporal.workflow.getHandle(workflowId).query(orchestrationStatusQuery);
  }

  /** Waits for an orchestration to end; its final status (a failed one's too). */
  async orchestrationResult(workflowId: string) {
    try {
      return await this.temporal.workflow.getHandle<typeof orchestrateWorkflow>(workflowId).result();
    } catch {
      return this.orchestrationStatus(workflowId);
    }
  }
}
